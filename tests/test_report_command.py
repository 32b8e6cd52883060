"""``aidigest report``: the run report of a slot (or the latest run), as tables or JSON; a
slot with no run is a clear error. (Items written by an LLM, with provider, attempts, tokens
and a fallback reason, are checked in test_failure_policy.py.)"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from aidigest.cli import main

SLOT = "2025-12-07T08"


def test_report_of_an_offline_run_and_of_a_slot_never_run(project: Path, runner: CliRunner) -> None:
    (project / "sample_posts.jsonl").open("a", encoding="utf-8").write("{garbage\n")
    assert runner.invoke(main, ["run", "--slot", SLOT, "--offline"]).exit_code == 0

    data = json.loads(runner.invoke(main, ["report", "--slot", SLOT, "--json"]).stdout)
    assert data["slot"] == SLOT and data["outcome"] == "published"
    (source,) = data["sources"]
    assert source["name"] == "sample" and source["new"] > 0 and source["skipped"] == 1
    assert any("line" in w for w in source["warnings"])
    published = [i for i in data["items"] if i["outcome"] != "rejected"]
    assert 8 <= len(published) <= 12  # rejected items (the gate) are listed too, with why
    assert all("quality gate" in (i["fallback_reason"] or "") for i in data["items"]
               if i["outcome"] == "rejected")
    assert {(i["writer"], i["provider"], i["attempts"]) for i in data["items"]} == {
        ("offline", None, 0)}

    table = runner.invoke(main, ["report"])
    assert table.exit_code == 0 and "sources" in table.stdout and "items" in table.stdout
    assert f"slot {SLOT}" in table.stdout

    missing = runner.invoke(main, ["report", "--slot", "2024-01-01T08"])
    assert missing.exit_code == 1 and "no run recorded for slot 2024-01-01T08" in missing.output
    assert "Traceback" not in missing.output


def test_report_text_shows_every_note_and_warning_of_the_json(
    project: Path, runner: CliRunner
) -> None:
    cfg = project / "aidigest.toml"
    cfg.write_text(cfg.read_text("utf-8").replace("embeddings = true", "embeddings = false")
                   + '\n[[sources]]\nname = "gone"\nkind = "jsonl"\npath = "missing.jsonl"\n',
                   encoding="utf-8")
    assert runner.invoke(main, ["run", "--slot", SLOT]).exit_code == 0
    data = json.loads(runner.invoke(main, ["report", "--json"]).stdout)
    assert any("no LLM provider configured" in n for n in data["notes"])
    assert any("untranslated" in n for n in data["notes"])
    assert any("sources failed: gone" in w for w in data["warnings"])
    lines = runner.invoke(main, ["report"]).stdout.splitlines()
    for note in data["notes"]:
        assert f"note: {note}" in lines
    for warning in data["warnings"]:
        assert f"warning: {warning}" in lines
