"""``prepare`` never changes the digest: after any number of prepares, with posts arriving after
the last one (a new top story, and a chosen story gaining a post), the close publishes exactly
what a cold run publishes from the same posts (same items, order and text), while the LLM calls
of all prepares plus the close stay within 1.3x the cold run's, the close pays only for what
changed, and its run report says how many items written ahead were used and wasted.

Real local servers throughout: the OpenAI-compatible chat server (tests/llm_server.py), SQLite
stores, the bundled sample window fed through a JSONL source."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.config import Config, config_from_dict
from aidigest.errors import InputError
from aidigest.live.prepare import prepare_slot
from aidigest.pipeline import RunOptions, RunResult, run_slot
from aidigest.publish import init_site
from aidigest.slots import parse_slot
from aidigest.store import open_store
from aidigest.stories.feature_cache import FeatureCache
from aidigest.writer import prompt as pr
from llm_server import ChatServer, Reply, auto_answer

SLOT = parse_slot("2025-12-07T08")
NOW = SLOT.end + timedelta(seconds=5)


def _sample() -> list[dict[str, Any]]:
    text = resources.files("aidigest").joinpath("data", "sample_posts.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _late_posts(joined: dict[str, Any]) -> list[dict[str, Any]]:
    """A new event five well-followed authors post about (a new top story), and a repost of
    ``joined`` (that story gains a post)."""
    base = datetime(2025, 12, 6, 23, 40, tzinfo=UTC)
    new = []
    for n, (handle, name) in enumerate([("OpenAI", "OpenAI"), ("sama", "Sam Altman"),
                                        ("gdb", "Greg Brockman"), ("OpenAIDevs", "OpenAI Devs"),
                                        ("kevinweil", "Kevin Weil")]):
        pid = str(1997500000000000000 + n)
        new.append({
            "id": pid, "platform": "x", "url": f"https://x.com/{handle}/status/{pid}",
            "author": {"handle": handle, "name": name, "followers": 4_000_000},
            "created_at": (base + timedelta(minutes=2 * n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "lang": "en",
            "text": ["Introducing GPT-6 Turbo: our fastest reasoning model, available today in "
                     "the API and ChatGPT. https://openai.com/index/gpt-6-turbo",
                     "GPT-6 Turbo is out today: much faster reasoning and a lower price in the "
                     "API. https://openai.com/index/gpt-6-turbo",
                     "GPT-6 Turbo in the API today: reasoning at twice the speed, and cheaper. "
                     "https://openai.com/index/gpt-6-turbo",
                     "GPT-6 Turbo rolls out today to ChatGPT and the API, our fastest reasoning "
                     "model yet. https://openai.com/index/gpt-6-turbo",
                     "Proud of the team: GPT-6 Turbo ships today, the fastest reasoning model we "
                     "have made. https://openai.com/index/gpt-6-turbo"][n],
            "links": ["https://openai.com/index/gpt-6-turbo"],
            "metrics": {"likes": 60000 - 5000 * n, "reposts": 9000, "replies": 3000,
                        "quotes": 900, "bookmarks": 2000, "views": 9_000_000},
        })
    pid = "1997500000000000099"
    new.append({
        "id": pid, "platform": "x", "url": f"https://x.com/rowancheung/status/{pid}",
        "author": {"handle": "rowancheung", "name": "Rowan Cheung", "followers": 400_000},
        "created_at": "2025-12-06T23:52:00Z", "lang": "en",
        "text": joined["text"], "links": list(joined.get("links") or []),
        "repost_of": joined["id"],
        "metrics": {"likes": 300, "reposts": 40, "replies": 5, "quotes": 2, "bookmarks": 9,
                    "views": 20000},
    })
    return new


def _config(root: Path, server: ChatServer) -> Config:
    init_site(root / "site")
    return config_from_dict({
        "sources": [{"name": "feed", "kind": "jsonl", "path": "posts.jsonl"}],
        "stories": {"embeddings": False},
        "publish": {"build": False},
        "llm": {"providers": [{"name": "local", "base_url": server.base_url, "model": "m",
                               "timeout": 10, "max_retries": 0}]},
    }, root)


def _write(root: Path, posts: list[dict[str, Any]]) -> None:
    (root / "posts.jsonl").write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in posts), encoding="utf-8")


def _close(cfg: Config, features: FeatureCache | None = None) -> RunResult:
    with open_store(cfg.store_path) as store:
        return run_slot(cfg, store, RunOptions(SLOT, fetch=True, now=NOW, command="schedule",
                                               features=features))


def _chosen_story_post(cfg: Config) -> dict[str, Any]:
    """The representative post of a story the prepared digest would publish, ranked low
    enough that one more post does not make it the top story."""
    with open_store(cfg.store_path) as store:
        stories = [s for s in store.slot_stories(SLOT.key) if not s.filtered]
    fifth = sorted(stories, key=lambda s: s.rank)[4]
    return next(p for p in _sample() if p["id"] == fifth.representative)


@pytest.mark.parametrize("prepares", [1, 3])
def test_close_after_prepares_publishes_what_a_cold_run_publishes(
    tmp_path: Path, server: ChatServer, prepares: int
) -> None:
    early = _sample()
    live_root, cold_root = tmp_path / "live", tmp_path / "cold"
    live_root.mkdir()
    cold_root.mkdir()
    live = _config(live_root, server)
    _write(live_root, early)
    features = FeatureCache()  # as the schedule process holds it: the close reuses the features
    with open_store(live.store_path) as store:
        for n in range(prepares):
            result = prepare_slot(live, store, SLOT, now=NOW, final=n == prepares - 1,
                                  features=features)
            assert result.outcome == "prepared"
    featurised = len(features)
    prepare_calls = len(server.chat_requests)
    joined = _chosen_story_post(live)
    late = _late_posts(joined)
    everything = _sample() + late
    _write(live_root, everything)
    closed = _close(live, features)
    assert (features.last.hits, features.last.misses) == (featurised, len(late))
    close_calls = len(server.chat_requests) - prepare_calls

    cold = _config(cold_root, server)
    _write(cold_root, everything)
    before = len(server.chat_requests)
    reference = _close(cold)
    cold_calls = len(server.chat_requests) - before

    assert closed.report.outcome == reference.report.outcome == "published"
    assert closed.markdown == reference.markdown  # same items, order and text
    top = {p["url"] for p in late[:5]}
    leading = (reference.markdown or "").split("4.  [", 1)[0]
    assert any(url in leading for url in top)  # the new story is among the first three
    grown_story = next(s for s in reference.stories if joined["id"] in {p.id for p in s.posts})
    assert "1997500000000000099" in {p.id for p in grown_story.posts}  # it gained the post
    assert (reference.markdown or "").count("](https://x.com/") >= 8

    assert prepare_calls + close_calls <= 1.3 * cold_calls, (prepare_calls, close_calls, cold_calls)
    fresh = [i for i in closed.report.items if i.outcome != "cached"]
    by_id = {st.id: st for st in closed.stories}
    with open_store(live.store_path) as store:
        prepared = store.prepared_items(SLOT.key)
    new_story = next(st for st in closed.stories if late[0]["id"] in {p.id for p in st.posts})
    assert {i.story_id for i in fresh} >= {grown_story.id, new_story.id}
    assert all(pr.content_hash(by_id[i.story_id]) not in prepared for i in fresh)
    assert close_calls == len(fresh) + 1 < cold_calls / 2  # what changed, and the categories
    used, wasted = closed.report.llm["prepared_used"], closed.report.llm["prepared_wasted"]
    assert used == len(closed.report.items) - len(fresh) and used + wasted == len(prepared)
    assert wasted >= 2  # the grown story's old item, and the story the new one pushed out
    assert any("written ahead by prepare" in n for n in closed.report.notes)
    assert "prepared_used" not in reference.report.llm  # a cold run says nothing of it


def test_prepare_refuses_a_published_or_future_slot(tmp_path: Path, server: ChatServer) -> None:
    cfg = _config(tmp_path, server)
    _write(tmp_path, _sample())
    _close(cfg)
    with open_store(cfg.store_path) as store:
        with pytest.raises(InputError, match="already published"):
            prepare_slot(cfg, store, SLOT, now=NOW)
        with pytest.raises(InputError, match="has not started yet"):
            prepare_slot(cfg, store, SLOT.next().next(), now=NOW)


def test_interrupted_prepare_keeps_what_it_wrote_and_the_close_still_runs(
    tmp_path: Path, server: ChatServer
) -> None:
    cfg = _config(tmp_path, server)
    _write(tmp_path, _sample())
    server.fallback = lambda body: Reply(auto_answer(body), delay=0.4)

    def stop() -> bool:  # Ctrl-C once the first answers are in and more are on the way
        return len(server.chat_requests) >= 6

    with open_store(cfg.store_path) as store:
        with pytest.raises(KeyboardInterrupt):
            prepare_slot(cfg, store, SLOT, now=NOW, should_stop=stop)
        record = store.get_prepare(SLOT.key)
        kept = store.prepared_items(SLOT.key)
    assert record and record.outcome == "interrupted" and record.written == len(kept) >= 4
    version = pr.load(pr.ITEM).version
    with open_store(cfg.store_path) as store:
        assert all(store.cache_get(pr.fingerprint(version, "m", h)) for h in kept)
    server.fallback = None
    closed = _close(cfg)
    assert closed.report.outcome == "published"
    assert closed.report.llm["prepared_used"] == len(kept)
    assert closed.report.llm["calls"] == len(closed.report.items) - len(kept) + 1


def test_prepare_command_then_status_then_refused_once_published(
    project: Path, runner: CliRunner
) -> None:
    cfg = project / "aidigest.toml"
    text = cfg.read_text(encoding="utf-8").replace("build = true", "build = false")
    cfg.write_text(text.replace("embeddings = true", "embeddings = false"), encoding="utf-8")
    first = runner.invoke(main, ["prepare", "--slot", SLOT.key])
    assert first.exit_code == 0, first.output
    assert "prepared 2025-12-07T08:" in first.output and "nothing published" in first.output
    assert "offline writer needs nothing written ahead" in first.output
    assert not list((project / "site" / "content" / "posts").glob("*.md"))
    status = runner.invoke(main, ["status", "--json"])
    live = json.loads(status.output)["live"]
    assert live[0]["slot"] == SLOT.key and live[0]["prepared"]["outcome"] == "offline"
    assert runner.invoke(main, ["run", "--slot", SLOT.key]).exit_code == 0
    again = runner.invoke(main, ["prepare", "--slot", SLOT.key])
    assert again.exit_code == 1
    assert again.output.strip().splitlines()[-1] == (
        "error: slot 2025-12-07T08 is already published; prepare writes ahead only for the "
        "open slot or a closed one not yet published")
    assert "--slot" in runner.invoke(main, ["prepare", "--help"]).output
