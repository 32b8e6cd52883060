"""Continuous ingest and the scheduler's live loop: polling a local X API server with since_id
reads each post once (``status`` shows the reads per slot); while a window is open the
scheduler polls every poll_minutes, prepares every prepare_minutes and once before the close,
then publishes right after it (latency in ``status`` and at the desk, the slot shown as
"prepared" before); a failing prepare never blocks the close; the pure timing and budget
decisions; ``[schedule] delay_minutes`` still read, with one warning."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from werkzeug import Request

from aidigest.commands import status_tables
from aidigest.config import config_from_dict, load_config
from aidigest.live.ingest import poll
from aidigest.live.loop import LiveWork
from aidigest.live.plan import (
    CLOSE_WINDOW_SECONDS,
    RESERVE,
    WorkDue,
    at_close,
    plan_writes,
    prepared_use,
    work_due,
)
from aidigest.models import Author, Post, Story
from aidigest.scheduler import Scheduler, pipeline_runner, store_done_checker
from aidigest.slots import parse_slot
from aidigest.status import status_data
from aidigest.store import open_store
from aidigest.stories.feature_cache import FeatureCache
from llm_server import ChatServer
from sources_replay import CANARY, Replay
from test_live_prepare import _sample, _write

SLOT = parse_slot("2025-12-07T08")


def _tweet(n: int, at: datetime) -> dict[str, Any]:
    return {"id": str(1997300000000000000 + n), "author_id": "1001", "lang": "en",
            "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "text": f"Model update number {n} is out today with better reasoning",
            "public_metrics": {"like_count": n, "retweet_count": 0, "reply_count": 0,
                               "quote_count": 0}}


def test_polling_x_reads_each_post_once_and_status_shows_the_reads(
    replay: Replay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIDIGEST_TEST_X_TOKEN", CANARY)
    posted: list[dict[str, Any]] = []
    user = {"id": "1001", "username": "aivoice", "name": "AI Voice",
            "public_metrics": {"followers_count": 5000}}
    replay.route("/2/users/by", lambda _r: {"data": [user]})

    def timeline(request: Request) -> dict[str, Any]:
        since = int(request.args.get("since_id") or 0)
        fresh = [t for t in reversed(posted) if int(t["id"]) > since]
        return {"data": fresh, "includes": {"users": [user]},
                "meta": {"result_count": len(fresh)}} if fresh else {"meta": {"result_count": 0}}

    replay.route("/2/users/1001/tweets", timeline)
    cfg = config_from_dict({"sources": [{
        "name": "voices", "kind": "x_api", "base_url": replay.url, "users": ["aivoice"],
        "bearer_token_env": "AIDIGEST_TEST_X_TOKEN", "timeout": 5.0}],
        "stories": {"embeddings": False}}, tmp_path)
    with open_store(cfg.store_path) as store:
        for n in range(6):  # six polls; posts arrive between them (none after the fourth)
            if n < 4:
                posted.extend(_tweet(3 * n + k, SLOT.start_utc + timedelta(minutes=30 * n + k))
                              for k in range(3))
            poll(cfg, store, SLOT)
        reads = store.source_reads([SLOT.key])
        assert [(r.source, r.polls, r.reads, r.rereads) for r in reads] == [("voices", 6, 12, 0)]
        assert store.count_posts() == 12
        store.record_prepare(SLOT.key, "prepared", 0, 1, 0)
        live = status_data(cfg, store)["live"]
    assert live[0]["slot"] == SLOT.key and (live[0]["x_reads"], live[0]["x_rereads"]) == (12, 0)
    since = [a.get("since_id") for p, a in replay.calls if p == "/2/users/1001/tweets"]
    assert since[0] is None and all(since[1:])  # every poll after the first asks only for newer


def _hourly(root: Path, server: ChatServer, **schedule: Any) -> Any:
    """A project whose window is the sample's, with an LLM writer and a fast close."""
    from aidigest.publish import init_site

    init_site(root / "site")
    return config_from_dict({
        "sources": [{"name": "feed", "kind": "jsonl", "path": "posts.jsonl"}],
        "stories": {"embeddings": False}, "publish": {"build": False},
        "schedule": {"delay_seconds": 5, "poll_minutes": 20, "prepare_minutes": 60,
                     "catch_up": 0, **schedule},
        "llm": {"providers": [{"name": "local", "base_url": server.base_url, "model": "m",
                               "timeout": 10, "max_retries": 0}]},
    }, root)


class FakeClock:
    """A clock that only moves when slept through (each nap also feeds the posts due)."""

    def __init__(self, start: datetime, root: Path) -> None:
        self.now, self.root = start, root

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=max(seconds, 0.001))
        _write(self.root, [p for p in _sample() if p["created_at"] <= self.now.strftime(
            "%Y-%m-%dT%H:%M:%SZ")])


def test_schedule_polls_prepares_and_publishes_right_after_the_close(
    tmp_path: Path, server: ChatServer
) -> None:
    cfg = _hourly(tmp_path, server)
    clock = FakeClock(SLOT.start_utc + timedelta(minutes=1), tmp_path)
    clock.sleep(0)
    said: list[str] = []
    features = FeatureCache()  # filled by the polls, used by the prepares and the close
    scheduler = Scheduler(cfg, pipeline_runner(cfg, said.append, clock=clock, features=features),
                          store_done_checker(cfg), clock=clock, sleep=clock.sleep, say=said.append)
    work = LiveWork(cfg, said.append, clock=clock, features=features)
    scheduler.while_open = work
    scheduler.wait_for_next()  # the window, up to the close + delay_seconds
    stats = features.stats  # each post featurised once per alias table (a mined alias resets it)
    assert len(features) > 50 and stats.misses <= len(features) * (1 + stats.resets) < stats.hits
    assert clock.now >= SLOT.end + timedelta(seconds=5)
    actions = [a for _s, a, _o in work.done]
    assert actions.count("prepare") == 4 and actions.count("final") == 1
    assert actions[-1] == "end" and actions.count("end") == 1  # during delay_seconds
    assert actions.count("poll") == 8  # every 20 min between the hourly prepares
    assert all(o in ("polled", "prepared") for _s, _a, o in work.done), work.done
    with open_store(cfg.store_path) as store:
        prepared = store.get_prepare(SLOT.key)
        desk_rows = status_data(cfg, store)["live"]
    assert prepared and prepared.runs == 6 and prepared.written >= 8
    assert prepared.calls == len(server.chat_requests)  # items and categories, each once
    assert desk_rows[0]["prepared"]["runs"] == 6 and desk_rows[0]["latency_s"] is None

    from aidigest.desk.views import overview

    with open_store(cfg.store_path) as store:
        shown = {d.slot: d.state for d in overview(cfg, store)["slots"]}
    assert shown[SLOT.key] == "prepared"

    asked = len(server.chat_requests)
    scheduler.run_pending()  # the close
    assert scheduler.outcomes[SLOT.key] == "published"
    assert len(server.chat_requests) == asked  # nothing changed: the end prepare asked it all
    with open_store(cfg.store_path) as store:
        data = status_data(cfg, store)
        run = store.latest_run(SLOT.key)
    row = data["live"][0]
    assert row["latency_s"] is not None and 5 <= row["latency_s"] < 60
    assert row["used"] >= 8 and row["wasted"] == 0
    assert run and run.report.llm["prepared_used"] == row["used"]
    late = sum(s.new for s in run.report.sources)  # only posts the close's fetch brought
    assert features.last.misses <= late and features.last.hits >= len(features) - late > 50
    assert f"features: {features.last.hits:,} of {len(features):,} posts from the features cache" \
        " (computed as they arrived)" in run.report.notes
    console = Console(record=True, width=200)
    for table in status_tables(data):
        console.print(table)
    shown_text = console.export_text()
    assert "live at the close" in shown_text and f"{row['latency_s']:.1f} s" in shown_text
    assert f"{row['used']}/0" in shown_text and "prepared x6" in shown_text


def test_a_failing_prepare_never_blocks_the_close(tmp_path: Path, server: ChatServer) -> None:
    cfg = _hourly(tmp_path, server, prepare_minutes=30)
    clock = FakeClock(SLOT.end - timedelta(minutes=5), tmp_path)
    clock.sleep(0)
    (tmp_path / "aidigest.db").mkdir()  # the store cannot be opened while the window is open
    said: list[str] = []
    work = LiveWork(cfg, said.append, clock=clock)
    assert work(SLOT, clock()) is not None
    assert work.done == [(SLOT.key, "prepare", "failed")]
    assert any("failed" in line and "the close does its work" in line for line in said)
    (tmp_path / "aidigest.db").rmdir()
    clock.now = SLOT.end + timedelta(seconds=6)
    scheduler = Scheduler(cfg, pipeline_runner(cfg, said.append, clock=clock),
                          store_done_checker(cfg), clock=clock, sleep=clock.sleep, say=said.append)
    scheduler.run_pending()
    assert scheduler.outcomes[SLOT.key] == "published"


@pytest.mark.parametrize(("after", "recorded"), [(timedelta(minutes=40), True),
                                                 (timedelta(hours=1, minutes=5), False),
                                                 (timedelta(days=3), False)])
def test_latency_is_recorded_only_for_a_run_at_the_close(
    tmp_path: Path, after: timedelta, recorded: bool
) -> None:
    from aidigest.pipeline import RunOptions, run_slot
    from aidigest.publish import init_site

    init_site(tmp_path / "site")
    cfg = config_from_dict({"sources": [{"name": "feed", "kind": "jsonl", "path": "posts.jsonl"}],
                            "stories": {"embeddings": False}, "publish": {"build": False}}, tmp_path)
    _write(tmp_path, _sample())
    said: list[str] = []
    with open_store(cfg.store_path) as store:  # a manual digest, 40 min / 65 min / 3 days late
        result = run_slot(cfg, store, RunOptions(SLOT, fetch=True, now=SLOT.end + after),
                          progress=said.append)
        assert result.report.outcome == "published"
        rows = status_data(cfg, store)["live"]
        stored = store.recent_latencies(5)
    said_latency = [m for m in said if m.startswith("live: page ready")]
    if recorded:
        assert [r.slot for r in stored] == [SLOT.key] and stored[0].seconds >= after.total_seconds()
        assert rows[0]["latency_s"] == stored[0].seconds == result.report.llm["latency_s"]
        assert len(said_latency) == 1
    else:
        assert stored == [] and rows == [] and "latency_s" not in result.report.llm
        assert said_latency == []


def test_at_close_bounds() -> None:
    end = SLOT.end_utc
    assert at_close(end, end) and at_close(end, end + timedelta(seconds=CLOSE_WINDOW_SECONDS))
    assert not at_close(end, end + timedelta(seconds=CLOSE_WINDOW_SECONDS + 1))
    assert not at_close(end, end - timedelta(seconds=1))


def test_work_due_timing() -> None:
    end = datetime(2025, 12, 7, 0, tzinfo=UTC)
    t = end - timedelta(hours=3)
    assert work_due(t, end, None, None, False, 10, 30).action == "prepare"
    due = work_due(t, end, t, t, False, 10, 30)
    assert due.action is None and due.next_at == t + timedelta(minutes=10)
    assert work_due(t + timedelta(minutes=10), end, t, t, False, 10, 30).action == "poll"
    assert work_due(t + timedelta(minutes=30), end, t, t, False, 10, 30).action == "prepare"
    assert work_due(end - timedelta(seconds=30), end, t, t, False, 10, 30).action == "final"
    assert work_due(end - timedelta(seconds=30), end, t, t, True, 10, 30) == WorkDue(None, end)
    assert work_due(end, end, t, t, True, 10, 30, end_done=False).action == "end"
    assert work_due(end + timedelta(seconds=3), end, t, t, True, 10, 30, end_done=True).action is None
    assert work_due(end, end, t, t, False, 10, 30) == work_due(end, end, None, None, False, 1, 1)


def _story(n: int) -> Story:
    post = Post(id=str(n), url=f"https://x.com/a{n}/status/{n}", author=Author(f"a{n}", "A", 1),
                created_at=datetime(2025, 12, 6, 21, tzinfo=UTC), text=f"story {n}")
    return Story(id=f"s-{n}", posts=(post,), representative=post)


def test_plan_keeps_speculation_within_the_budget() -> None:
    chosen, margin = [_story(n) for n in range(12)], [_story(n) for n in range(12, 15)]
    hashes = {s.id: f"h{s.id}" for s in chosen + margin}
    first = plan_writes(chosen, margin, hashes, set(), set(), 0, final=True)
    assert first.budget == 3 == RESERVE and first.write == chosen and not first.categories
    periodic = plan_writes(chosen, margin, hashes, set(), set(), 0, final=False)
    assert periodic.write == [] and periodic.held_back == 12
    done = {hashes[s.id] for s in chosen}
    again = plan_writes(chosen, margin, hashes, done, done, 12, final=True)
    assert again.write == [] and again.waste == 0
    changed = {**hashes, "s-0": "new0", "s-1": "new1", "s-2": "new2"}  # three stories grew
    spent = plan_writes(chosen, margin, changed, done, done, 12, final=True)
    assert spent.waste == 3 and spent.write == [] and spent.held_back == 3  # budget used up
    grew = plan_writes(chosen, margin, {**hashes, "s-0": "new0"}, done, done, 12, final=True)
    assert [s.id for s in grew.write] == ["s-0"] and grew.waste == 1
    roomy = [_story(n) for n in range(20)]
    wide = plan_writes(roomy, margin, {**hashes, **{s.id: s.id for s in roomy}}, set(), set(), 0,
                       final=True)
    assert wide.budget == 6 and wide.categories and len(wide.write) == 20 + 2
    assert prepared_use(["h1", "h2", "x"], {"h1", "h2", "h3"}) == (2, 1)


def test_the_end_prepare_asks_for_the_categories_within_the_budget() -> None:
    chosen, margin = [_story(n) for n in range(12)], [_story(n) for n in range(12, 15)]
    hashes = {s.id: f"h{s.id}" for s in chosen + margin}
    done = {hashes[s.id] for s in chosen}
    final = plan_writes(chosen, margin, hashes, done, done, 12, final=True)
    assert not final.categories  # 60 s before the end: three changes may still come
    end = plan_writes(chosen, margin, hashes, done, done, 12, final=True, at_end=True)
    assert end.categories and end.write == [] and end.budget == 3  # no margin at the end
    grew = {**hashes, "s-0": "new0"}
    late = plan_writes(chosen, margin, grew, done, done, 12, final=True, at_end=True)
    assert [s.id for s in late.write] == ["s-0"] and late.categories and late.waste == 1
    three = {**hashes, "s-0": "n0", "s-1": "n1", "s-2": "n2"}
    spent = plan_writes(chosen, margin, three, done, done, 12, final=True, at_end=True)
    assert spent.write == [] and not spent.categories  # the waste used the budget up


def test_delay_minutes_still_read_with_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "aidigest.toml"
    path.write_text("[schedule]\ndelay_minutes = 2\n", encoding="utf-8")
    assert load_config(path).schedule.delay_seconds == 120
    load_config(path)
    warned = capsys.readouterr().err
    assert warned.count("delay_minutes is deprecated") == 1 and "delay_seconds = 120" in warned
    path.write_text("[schedule]\ndelay_minutes = 2\ndelay_seconds = 3\n", encoding="utf-8")
    with pytest.raises(Exception, match="set delay_seconds only"):
        load_config(path)
    assert config_from_dict({}, tmp_path).schedule.delay_seconds == 5
    json.dumps(config_from_dict({}, tmp_path).schedule.model_dump())
