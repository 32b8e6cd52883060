"""Held slots under the scheduler (issue 17, item 5): `aidigest schedule --once` exits 3 when a
slot it ran was held and 1 when one failed, as `run` does; a held slot older than `[schedule]
catch_up` is listed by `status` as held and NOT retried, with the commands that publish it.

The --once runs go through the real CLI and clock: the sample window is copied into the
latest due slot, and the provider is the local chat server (tests/llm_server.py)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.config import load_config
from aidigest.models import Digest
from aidigest.scheduler import Scheduler, latest_due
from aidigest.slots import Slot, parse_slot
from aidigest.store import open_store
from aidigest.timeutil import now_utc
from llm_server import ChatServer, Reply
from test_failure_policy import KEY_ENV, configure
from test_schedule import _sample_posts_for

SAMPLE = parse_slot("2025-12-07T08")


def _due_window(project: Path, *, catch_up: int = 1) -> Slot:
    """The sample posts copied into the latest due slot (its predecessor too is in reach,
    so a slot boundary passing during the test cannot lose it); returns that slot."""
    cfg_path = project / "aidigest.toml"
    text = cfg_path.read_text("utf-8")
    text = re.sub(r"delay_seconds = \d+", "delay_seconds = 0", text)
    text = re.sub(r"catch_up = \d+", f"catch_up = {catch_up}", text)
    text = text.replace("items = { min = 8, max = 12 }", "items = { min = 1, max = 3 }")  # quicker
    text = text.replace("embeddings = true", "embeddings = false")
    cfg_path.write_text(text.replace("build = true", "build = false"), encoding="utf-8")
    slot = latest_due(now_utc(), load_config(cfg_path))
    lines = _sample_posts_for([slot])
    (project / "sample_posts.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return slot


def test_schedule_once_exits_3_when_a_slot_it_ran_was_held(
    project: Path, runner: CliRunner, server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test-not-a-secret")
    configure(project, server)
    server.fallback = Reply(status=401, message="Incorrect API key provided")
    slot = _due_window(project)

    result = runner.invoke(main, ["schedule", "--once"])

    assert result.exit_code == 3, result.output
    assert re.search(rf"schedule: .*{slot.key} held.*; exit status 3", result.output)
    with open_store(project / "aidigest.db") as store:
        digest = store.get_digest(slot.key)
    assert digest and digest.state == "held"


def test_schedule_once_exits_1_when_a_slot_failed(project: Path, runner: CliRunner) -> None:
    slot = _due_window(project)
    cfg = project / "aidigest.toml"
    cfg.write_text(cfg.read_text("utf-8").replace('filename = "{slot_key}.md"',
                                                  'filename = "{nope}.md"'), encoding="utf-8")
    result = runner.invoke(main, ["schedule", "--once"])
    assert result.exit_code == 1, result.output
    assert f"{slot.key} failed" in result.output and "unknown field" in result.output


def test_schedule_once_exits_0_when_every_slot_published_or_was_empty(
    project: Path, runner: CliRunner
) -> None:
    slot = _due_window(project)
    result = runner.invoke(main, ["schedule", "--once"])
    assert result.exit_code == 0, result.output
    assert f"{slot.key} published" in result.output and "exit status 0" in result.output


def test_exit_status_of_the_outcomes(tmp_path: Path, project: Path) -> None:
    cfg = load_config(project / "aidigest.toml")

    def status(*outcomes: str, stopped: bool = False) -> int:
        scheduler = Scheduler(cfg, lambda _s: "", lambda _k: set())
        scheduler.outcomes = {f"s{n}": o for n, o in enumerate(outcomes)}
        scheduler.stop_requested = stopped
        return scheduler.exit_status()

    assert status() == 0 and status("published", "empty", "skipped", "claimed") == 0
    assert status("published-with-warnings", "draft") == 0
    assert status("published", "held") == 3 and status("held", "failed") == 1
    assert status("failed") == 1 and status("interrupted") == 130
    assert status("published", stopped=True) == 130


def test_status_lists_an_old_held_slot_as_not_retried_with_the_commands(
    project: Path, runner: CliRunner
) -> None:
    cfg = load_config(project / "aidigest.toml")
    recent = latest_due(now_utc() - timedelta(minutes=10), cfg)
    with open_store(cfg.store_path) as store:
        for slot in (SAMPLE, recent):
            store.save_digest(Digest(slot, slot.end, ("大模型",), ()), [],
                              f"site/content/posts/{slot.key}.md", state="held",
                              reason="the LLM wrote 0 of 8 items")
    data = json.loads(runner.invoke(main, ["status", "--json"]).stdout)
    held = {h["slot"]: h for h in data["held"]}
    assert held[recent.key]["retried"] is True
    old = held[SAMPLE.key]
    assert old["retried"] is False
    assert old["publish_with"] == [f"aidigest run --slot {SAMPLE.key}",
                                   f"aidigest publish --slot {SAMPLE.key}"]
    shown = runner.invoke(main, ["status"]).stdout
    row = shown[shown.index(f"HELD {SAMPLE.key}"):]
    flat = " ".join(part.strip(" │") for part in row.splitlines()[:3])
    assert "NOT retried: older than [schedule] catch_up = 6 slots" in flat
    assert f"'aidigest run --slot {SAMPLE.key}'" in flat
