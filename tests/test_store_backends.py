"""The store's test suite, run against both backends (SQLite and a real PostgreSQL server):
every method of the Store protocol takes and returns typed records, and both backends answer
alike. Slot claims: one holder at a time, taken over only after the lease."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aidigest.config import config_from_dict
from aidigest.errors import StoreError
from aidigest.models import Author, Digest, DigestItem, Metrics, Post, RunReport, Slot, SourceReport, Story
from aidigest.slots import parse_slot
from aidigest.status import status_data
from aidigest.store import (
    AliasCount,
    DigestItemRecord,
    DigestRecord,
    LlmCall,
    RunRecord,
    SourceHealth,
    Store,
    StoryRecord,
    open_store,
)
from aidigest.store.migrate import migrations

SLOT = parse_slot("2025-12-07T08", "Asia/Shanghai", 4)
T0 = datetime(2025, 12, 7, 0, 30, tzinfo=UTC)


def _post(pid: str, likes: int = 1, **kw: object) -> Post:
    base = Post(id=pid, url=f"https://x.com/dotey/status/{pid}", author=Author("dotey", "宝玉", 120000),
                created_at=T0, text=f"帖子 {pid} «text»", lang="zh", links=("https://e.com/a",),
                metrics=Metrics(likes=likes, views=9), source="sample",
                raw=json.dumps({"id": pid, "?": "50%"}))
    return replace(base, **kw)  # type: ignore[arg-type]


def _digest(slot: Slot, n: int = 2) -> Digest:
    items = tuple(DigestItem(f"标题{i}", f"摘要 **词{i}**", f"https://x.com/dotey/status/{i}", "宝玉",
                             f"s-{i}", str(i), (f"词{i}",), "llm:m", "deepseek" if i % 2 else None)
                  for i in range(1, n + 1))
    return Digest(slot, datetime(2025, 12, 7, 8, 0, 8, tzinfo=UTC).astimezone(slot.start.tzinfo),
                  ("大模型", "AI应用"), items)


def test_posts_round_trip_and_upsert_in_place(any_store: Store) -> None:
    assert any_store.upsert_posts([_post("1", 5), _post("2"), _post("1", 6)]) == (2, 1)
    assert any_store.upsert_posts([_post("1", 50, text="短")]) == (0, 1)
    assert any_store.count_posts() == 2
    (got,) = any_store.get_posts(["1", "missing"])
    assert got.metrics.likes == 50 and got.text == "帖子 1 «text»"  # a much shorter text is not taken
    assert got == replace(_post("1", 50), text=got.text)
    assert got.created_at.tzinfo is not None and got.links == ("https://e.com/a",)
    assert [p.id for p in any_store.posts_between(T0, T0 + timedelta(seconds=1))] == ["1", "2"]
    assert [p.id for p in any_store.iter_posts(since=T0)] == ["1", "2"]
    assert list(any_store.iter_posts(until=T0)) == []
    assert any_store.newest_post_at("sample") == T0 and any_store.newest_post_at("x") is None
    assert any_store.author_engagement(["dotey"])["dotey"] > 0


def test_cursors_and_source_health(any_store: Store) -> None:
    any_store.set_cursor("feed", "etag", "a")
    any_store.set_cursor("feed", "etag", "b")
    assert any_store.get_cursor("feed", "etag") == "b" and any_store.get_cursor("feed", "x") is None
    any_store.record_fetch(SourceReport("feed", "feed", new=3, pages=1), T0)
    any_store.record_fetch(SourceReport("feed", "feed", ok=False, error="HTTP 500", stale=True,
                                        skipped=2, notes=["bad line"]), T0 + timedelta(hours=1))
    health = any_store.source_health()["feed"]
    assert isinstance(health, SourceHealth)
    assert (health.ok, health.stale, health.error, health.skipped, health.warnings) == (
        False, True, "HTTP 500", 2, ("bad line",))
    assert health.last_ok_at == "2025-12-07T00:30:00+00:00"


def test_stories_digests_and_novelty_history(any_store: Store) -> None:
    post = _post("1")
    story = Story("s-1", (post,), post, 2.5, {"engagement": 1.25}, ("why",), None)
    any_store.save_stories(SLOT.key, [story])
    assert any_store.slot_stories(SLOT.key) == [StoryRecord(
        SLOT.key, "s-1", 1, ("1",), "1", 2.5, ("why",), None, {"engagement": 1.25})]
    earlier = SLOT.previous()
    any_store.save_digest(_digest(earlier), [["1"], ["2", "3"]], "/site/a.md", markdown="# a")
    any_store.save_digest(_digest(SLOT, 3), [["1"], ["2"], ["3"]], "/site/b.md", state="held",
                          reason="provider 401")
    got = any_store.get_digest(SLOT.key)
    assert isinstance(got, DigestRecord) and got.state == "held" and got.reason == "provider 401"
    assert got.published_at is None and got.categories == ("大模型", "AI应用")
    assert [i.provider for i in got.items] == ["deepseek", None, "deepseek"]
    assert got.items[0] == DigestItemRecord(SLOT.key, 1, "s-1", "1", ("1",), "https://x.com/dotey/status/1",
                                            "标题1", "摘要 **词1**", ("词1",), "llm:m", "deepseek")
    assert [(d.slot, d.state, d.items) for d in any_store.list_digests()] == [
        (SLOT.key, "held", 3), (earlier.key, "published", 2)]
    history = any_store.published_items_since("2025-12-07T00", "2025-12-07T12")
    assert {i.slot for i in history} == {earlier.key} and history[1].post_ids == ("2", "3")
    assert any_store.recent_categories() == ["AI应用", "大模型"]
    any_store.save_digest(_digest(SLOT, 1), [["9"]], "/site/b.md")  # replaces the held one
    again = any_store.get_digest(SLOT.key)
    assert again and again.state == "published" and again.published_at and len(again.items) == 1


def test_runs_keep_typed_reports(any_store: Store) -> None:
    run_id = any_store.start_run(SLOT.key, "digest", T0)
    any_store.set_run_pid(run_id, 4242)
    running = any_store.latest_run()
    assert isinstance(running, RunRecord) and running.report.pid == 4242 and running.outcome == "running"
    report = RunReport(SLOT.key, "2025-12-07T00:30:00+00:00", finished_at="2025-12-07T00:31:00+00:00",
                       outcome="published", sources=[SourceReport("sample", "jsonl", new=3)],
                       notes=["n"], llm={"calls": 2})
    any_store.finish_run(run_id, report)
    second = any_store.start_run(earlier := SLOT.previous().key, "run", T0)
    assert second > run_id
    (newest, first) = any_store.recent_runs(2)
    assert newest.slot == earlier and first.report == report
    assert any_store.latest_run(SLOT.key) == first


def test_llm_cache_calls_embeddings_aliases_verdicts(any_store: Store) -> None:
    any_store.cache_put("k", "item_v2", "m", "h", "answer 1")
    any_store.cache_put("k", "item_v2", "m", "h", "answer 2")
    assert any_store.cache_get("k") == "answer 2" and any_store.cache_get("nope") is None
    any_store.record_llm_call(LlmCall("p", "m", "ok", prompt_tokens=10, completion_tokens=5, cost=0.25))
    any_store.record_llm_call(LlmCall("p", "m", "http-429", run_id=1, slot=SLOT.key))
    totals = any_store.llm_totals(T0)
    assert (totals.calls, totals.prompt_tokens, totals.completion_tokens, totals.cost) == (2, 10, 5, 0.25)
    vector = bytes(range(256)) * 3
    any_store.put_embeddings("e5", [("1", "h1", vector), ("2", "h2", b"\x00")])
    any_store.put_embeddings("e5", [("2", "h3", b"\x01")])
    assert any_store.get_embeddings(["1", "2", "3"], "e5") == {"1": ("h1", vector), "2": ("h3", b"\x01")}
    rows = [("千问", "qwen", "1", "paren"), ("千问", "qwen", "2", "beside"), ("千问", "qwen", "1", "paren")]
    assert any_store.add_alias_evidence(rows) == 2
    assert any_store.add_alias_evidence(rows[:1]) == 0
    assert any_store.alias_counts() == [AliasCount("千问", "qwen", 1, 1)]
    any_store.put_verdicts({("1", "2"): True, ("1", "3"): False}, "m")
    any_store.put_verdicts({("1", "3"): True}, "m")
    found = any_store.get_verdicts([("1", "2"), ("1", "3"), ("2", "3")])
    assert found == {("1", "2"): True, ("1", "3"): True}


def test_a_slot_claim_has_one_holder_until_its_lease_runs_out(any_store: Store) -> None:
    first = any_store.claim_slot(SLOT.key, "a:1:x", "host-a", 1, 1.0)
    assert first.acquired and first.claim and first.claim.owner == "a:1:x" and first.claim.expires_in > 0.5
    taken = any_store.claim_slot(SLOT.key, "b:2:y", "host-b", 2, 30.0)
    assert not taken.acquired and taken.claim and taken.claim.host == "host-a"
    assert any_store.claim_slot(SLOT.key, "a:1:x", "host-a", 1, 1.0).acquired  # its own: renewed
    assert any_store.renew_claim(SLOT.key, "a:1:x", 1.0)
    assert not any_store.renew_claim(SLOT.key, "b:2:y", 30.0)
    time.sleep(1.3)
    late = any_store.claim_slot(SLOT.key, "b:2:y", "host-b", 2, 30.0)
    assert late.acquired and late.claim and late.claim.pid == 2  # the dead lease is taken over
    assert not any_store.renew_claim(SLOT.key, "a:1:x", 1.0)  # the old holder has lost it
    any_store.release_claim(SLOT.key, "a:1:x")  # not its claim any more: nothing happens
    assert (c := any_store.get_claim(SLOT.key)) and c.owner == "b:2:y"
    any_store.release_claim(SLOT.key, "b:2:y")
    assert any_store.get_claim(SLOT.key) is None
    assert any_store.claim_slot(SLOT.key, "c:3:z", "host-c", 3, 5.0).acquired


def test_reopening_migrates_once_and_keeps_data(store_target: str) -> None:
    with open_store(store_target) as store:
        store.upsert_posts([_post("1")])
        store.set_cursor("s", "k", "v")
    with open_store(store_target) as store:
        assert store.count_posts() == 1 and store.get_cursor("s", "k") == "v"


def test_status_works_on_either_backend(store_target: str, tmp_path: Path) -> None:
    cfg = config_from_dict({"digest": {"store": store_target}}, tmp_path)
    with open_store(cfg.store_target) as store:
        store.upsert_posts([_post("1")])
        run_id = store.start_run(SLOT.key, "digest", T0)
        store.finish_run(run_id, RunReport(SLOT.key, "x", outcome="held"))
        store.save_digest(_digest(SLOT), [["1"], ["2"]], "/p.md", state="held", reason="401")
        data = status_data(cfg, store)
    assert data["store"] == store.backend and data["posts"] == 1
    assert data["runs"][0]["outcome"] == "held" and data["runs"][0]["reason"] == "401"
    assert [(h["slot"], h["reason"], h["path"]) for h in data["held"]] == [(SLOT.key, "401", "/p.md")]


def test_both_backends_have_the_same_migration_numbers() -> None:
    sqlite = [(n, name) for n, name, _ in migrations("sqlite")]
    postgres = [(n, name) for n, name, _ in migrations("postgresql")]
    assert sqlite == postgres and len(sqlite) >= 5


def test_a_big_upsert_is_one_transaction_over_chunks(any_store: Store) -> None:
    """More posts than one chunk (500) in one call: counted right across chunks (a post
    repeated in a later chunk is an update), and all stored, or none when one row fails."""
    posts = [_post(str(i)) for i in range(1200)] + [_post("7", 9)]
    assert any_store.upsert_posts(posts) == (1200, 1)
    assert any_store.count_posts() == 1200 and any_store.get_posts(["7"])[0].metrics.likes == 9
    assert any_store.upsert_posts([]) == (0, 0)
    broken = [_post(f"n{i}") for i in range(700)] + [_post("bad", url=None)]  # url NOT NULL
    with pytest.raises(StoreError):
        any_store.upsert_posts(broken)
    assert any_store.count_posts() == 1200  # the 700 good posts of that call were rolled back
