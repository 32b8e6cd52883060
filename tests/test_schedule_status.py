"""What ``aidigest status`` says about scheduling: a run in progress (read from the lock file
without taking the lock), the due slots not yet done, the next slot due, run durations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.config import Config, load_config
from aidigest.errors import AlreadyRunningError
from aidigest.pipeline import RunOptions, run_slot
from aidigest.publish import init_site
from aidigest.scheduler import lock_holder, lock_path, owed_slots, run_lock
from aidigest.slots import parse_slot
from aidigest.store import open_store

SLOT = parse_slot("2025-12-07T08")
HOLD = """
import sys, time
from aidigest.config import load_config
from aidigest.scheduler import run_lock
with run_lock(load_config(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


def _config(tmp_path: Path) -> Config:
    sample = resources.files("aidigest").joinpath("data", "sample_posts.jsonl").read_text("utf-8")
    (tmp_path / "sample.jsonl").write_text(sample, encoding="utf-8")
    init_site(tmp_path / "site")
    lines = ['[[sources]]\nname = "sample"\nkind = "jsonl"\npath = "sample.jsonl"',
             "[stories]\nembeddings = false", "[publish]\nbuild = false",
             "[schedule]\ndelay_minutes = 10\ncatch_up = 2"]
    (tmp_path / "aidigest.toml").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    return load_config(tmp_path / "aidigest.toml")


def test_owed_slots_are_the_due_ones_not_done(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    now = SLOT.end + timedelta(minutes=11)
    with open_store(cfg.store_path) as store:
        assert [s.key for s in owed_slots(now, cfg, store)] == [
            "2025-12-07T00", "2025-12-07T04", "2025-12-07T08"]
        assert run_slot(cfg, store, RunOptions(SLOT, fetch=True)).report.outcome == "published"
        assert [s.key for s in owed_slots(now, cfg, store)] == ["2025-12-07T00", "2025-12-07T04"]
        assert [s.key for s in owed_slots(SLOT.end + timedelta(minutes=9), cfg, store)] == [
            "2025-12-06T20", "2025-12-07T00", "2025-12-07T04"]  # SLOT not due before the delay


def test_lock_holder_is_read_without_taking_the_lock(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    assert lock_holder(cfg) is None
    with run_lock(cfg):
        assert lock_holder(cfg) == os.getpid()
    assert lock_holder(cfg) is None  # released: the file is emptied
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock_path(cfg).write_text(f"{dead.pid}\n", encoding="ascii")  # as if killed by SIGKILL
    assert lock_holder(cfg) is None


def test_status_shows_a_run_in_progress_and_durations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = _config(tmp_path)
    with open_store(cfg.store_path) as store:
        run_slot(cfg, store, RunOptions(SLOT, fetch=True))
    toml = str(tmp_path / "aidigest.toml")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, toml], text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        monkeypatch.setenv("COLUMNS", "250")
        data = json.loads(CliRunner().invoke(main, ["status", "--json", "--config", toml]).stdout)
        table = CliRunner().invoke(main, ["status", "--config", toml]).output
        with pytest.raises(AlreadyRunningError), run_lock(cfg):  # status left the lock alone
            pass
    finally:
        holder.communicate("", timeout=20)
    assert data["running_pid"] == holder.pid
    assert f"running now (pid {holder.pid})" in table
    run = data["runs"][0]
    assert run["outcome"] == "published" and isinstance(run["duration_s"], float)
    assert SLOT.key not in data["owed_slots"] and data["next_slot_due"]
    after = json.loads(CliRunner().invoke(main, ["status", "--json", "--config", toml]).stdout)
    assert after["running_pid"] is None
