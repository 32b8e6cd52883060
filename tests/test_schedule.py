"""The scheduler with a fake clock and sleep: every slot of three days gets exactly one digest,
a 9-hour downtime is caught up, nothing runs twice; the run lock refuses a second holder."""

from __future__ import annotations

import functools
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from aidigest.config import Config, config_from_dict
from aidigest.errors import AlreadyRunningError, StoreError
from aidigest.pipeline import RunOptions, run_slot
from aidigest.publish import init_site
from aidigest.scheduler import (
    RunOne,
    Scheduler,
    candidate_slots,
    lock_path,
    next_due,
    run_lock,
    store_done_checker,
)
from aidigest.slots import Slot, parse_slot, slots_between
from aidigest.sources.jsonl import read_lines
from aidigest.store import open_store

SAMPLE_END = parse_slot("2025-12-07T08").end
FIRST = parse_slot("2025-12-10T04")
LAST = parse_slot("2025-12-13T00")  # 3 days: 18 slots


class FakeClock:
    """``now`` moves only when the scheduler sleeps (or the test jumps it)."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def _config(tmp_path: Path, **schedule: float) -> Config:
    init_site(tmp_path / "site")
    return config_from_dict({
        "publish": {"build": False},
        "stories": {"novelty_hours": 0, "embeddings": False},
        "schedule": {"delay_minutes": 10, "catch_up": 3, **schedule},
    }, tmp_path)


def _shifted(match: re.Match[str], shift: timedelta) -> str:
    moment = datetime.fromisoformat(match.group(1).replace("Z", "+00:00")) + shift
    return f'"created_at": "{moment.isoformat()}"'


def _sample_posts_for(slots: list[Slot]) -> list[str]:
    """The bundled sample window copied into each slot (new ids, shifted times)."""
    sample = resources.files("aidigest").joinpath("data", "sample_posts.jsonl").read_text("utf-8")
    lines: list[str] = []
    for k, slot in enumerate(slots):
        shift = slot.end - SAMPLE_END
        prefix = f"9{k:02d}"
        for line in sample.splitlines():
            line = re.sub(r"\b(\d{15,20})\b", prefix + r"\1", line)  # ids, also in URLs
            lines.append(re.sub(r'"created_at": "([^"]+)"', functools.partial(_shifted, shift=shift),
                                line))
    return lines


def _runner(cfg: Config, calls: Counter[str], outcomes: dict[str, str]) -> RunOne:
    def run_one(slot: Slot) -> str:
        calls[slot.key] += 1
        with run_lock(cfg), open_store(cfg.store_path) as store:
            outcome = run_slot(cfg, store, RunOptions(slot=slot, command="schedule")).report.outcome
        outcomes[slot.key] = outcome
        return outcome

    return run_one


def test_three_days_with_a_nine_hour_gap_every_slot_once(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    slots = list(slots_between(FIRST, LAST))
    assert len(slots) == 18
    posts = [p for p in read_lines(_sample_posts_for(slots), "sample") if not isinstance(p, Exception)]
    with open_store(cfg.store_path) as store:
        store.upsert_posts(posts)
    calls: Counter[str] = Counter()
    outcomes: dict[str, str] = {}
    log: list[str] = []
    clock = FakeClock(FIRST.end + timedelta(minutes=1))  # first slot closed, not yet due

    def scheduler() -> Scheduler:
        return Scheduler(cfg, _runner(cfg, calls, outcomes), store_done_checker(cfg),
                         clock=clock, sleep=clock.sleep, say=log.append, nap_seconds=600)

    gap_start = FIRST.end + timedelta(hours=34)
    scheduler().run_forever(until=lambda: clock.now >= gap_start)
    before_gap = set(calls)
    clock.now += timedelta(hours=9)  # the machine is down for 9 hours
    caught_up = scheduler().pending(clock.now)
    assert len(caught_up) >= 2, caught_up  # the gap's slots are owed
    scheduler().run_forever(until=lambda: clock.now >= LAST.end + timedelta(hours=1))

    earlier = {s.key for s in candidate_slots(FIRST.end + timedelta(minutes=1), cfg)}
    assert len(earlier) == 4 and FIRST.key not in earlier  # a first start catches up too
    assert set(calls) == {s.key for s in slots} | earlier
    assert all(outcomes[s.key] == "published" for s in slots), outcomes
    assert all(n == 1 for n in calls.values()), calls
    assert {s.key for s in caught_up} <= set(calls) - before_gap
    files = sorted(p.name for p in (cfg.site_path / "content" / "posts").glob("*.md"))
    assert {f"{s.key}.md" for s in slots} <= set(files) <= {f"{k}.md" for k in calls}
    with open_store(cfg.store_path) as store:
        assert all((d := store.get_digest(s.key)) and d.path for s in slots)
    assert max(clock.slept) <= 600  # naps, so a stop request is noticed
    assert any("next slot" in line for line in log)


def test_catch_up_is_bounded_and_due_waits_for_the_delay(tmp_path: Path) -> None:
    cfg = _config(tmp_path, catch_up=2, delay_minutes=15)
    now = FIRST.end + timedelta(minutes=14)
    assert candidate_slots(now, cfg)[-1] == FIRST.previous()  # FIRST is not due yet
    assert [s.key for s in candidate_slots(now + timedelta(minutes=1), cfg)] == [
        "2025-12-09T20", "2025-12-10T00", "2025-12-10T04"]
    upcoming, when = next_due(now, cfg)
    assert upcoming == FIRST and when == FIRST.end + timedelta(minutes=15)


def test_stop_request_ends_the_loop_between_slots(tmp_path: Path) -> None:
    cfg = _config(tmp_path, catch_up=5)
    clock = FakeClock(FIRST.end + timedelta(hours=1))
    ran: list[str] = []
    sched: Scheduler

    def run_one(slot: Slot) -> str:
        ran.append(slot.key)
        sched.stop()  # as if SIGTERM arrived during this slot's run
        return "published"

    sched = Scheduler(cfg, run_one, lambda keys: set(), clock=clock, sleep=clock.sleep,
                      say=lambda _m: None)
    sched.run_forever()
    assert len(ran) == 1 and not clock.slept


def test_run_lock_is_exclusive_and_names_the_holder(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    with run_lock(cfg) as path:
        assert path == lock_path(cfg) and path.read_text().strip().isdigit()
        with pytest.raises(AlreadyRunningError, match=r"already running \(pid \d+\)"), run_lock(cfg):
            pass
    with run_lock(cfg):  # released: can be taken again
        pass


def test_a_slot_skipped_for_the_lock_runs_minutes_later_not_next_slot(tmp_path: Path) -> None:
    cfg = _config(tmp_path, catch_up=0)
    clock = FakeClock(FIRST.end + timedelta(minutes=10))
    ran: list[tuple[str, datetime]] = []
    held = [True]  # the first attempt finds the lock held by a manual run

    def run_one(slot: Slot) -> str:
        if held:
            held.clear()
            raise AlreadyRunningError("aidigest is already running (pid 1)")
        ran.append((slot.key, clock.now))
        return "published"

    log: list[str] = []
    sched = Scheduler(cfg, run_one, lambda keys: set(), clock=clock, sleep=clock.sleep,
                      say=log.append, retry_seconds=120)
    sched.run_forever(until=lambda: bool(ran))
    assert ran == [(FIRST.key, FIRST.end + timedelta(minutes=12))]
    assert any("skipped" in line and "trying again in 120 s" in line for line in log)


@pytest.mark.parametrize(("outcomes", "status"), [
    (["published", "empty", "skipped"], 0),
    (["claimed", "published"], 0),  # another host's worker holds a slot: normal, exit 0
    (["published", "held"], 3),
    (["held", "failed"], 1),
])
def test_schedule_once_exit_status(tmp_path: Path, outcomes: list[str], status: int) -> None:
    cfg = _config(tmp_path, delay_minutes=5, catch_up=len(outcomes) - 1)
    clock = FakeClock(datetime(2025, 12, 7, 0, 6, tzinfo=UTC))
    script = iter(outcomes)
    sched = Scheduler(cfg, lambda _slot: next(script), lambda _keys: set(), clock=clock,
                      sleep=clock.sleep, say=lambda _m: None)
    assert sched.run_pending() == len(outcomes)
    assert sched.exit_status() == status


def test_schedule_once_exits_1_when_the_store_cannot_be_read(tmp_path: Path) -> None:
    def unreadable(_keys: list[str]) -> set[str]:
        raise StoreError("cannot reach the PostgreSQL store postgresql://u@db/x")

    clock = FakeClock(datetime(2025, 12, 7, 0, 6, tzinfo=UTC))
    sched = Scheduler(_config(tmp_path), lambda _slot: "published", unreadable, clock=clock,
                      sleep=clock.sleep, say=lambda _m: None)
    assert sched.run_pending() == 0 and sched.exit_status() == 1
