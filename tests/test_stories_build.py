"""build_stories end to end on small hand-written windows: structural joins, windowing,
relevance, representative, ranking reasons, ranking of a labelled window."""

from __future__ import annotations

import statistics

from aidigest.config import StoriesSection
from aidigest.slots import parse_slot
from aidigest.stories import build_stories, featurize_posts, select_stories
from stories_eval import gold_labels, load_gold, load_posts, make_post

SLOT = parse_slot("2025-12-07T08")  # 2025-12-06T20:00Z - 2025-12-07T00:00Z


def _by_post(stories):  # type: ignore[no-untyped-def]
    return {p.id: s for s in stories for p in s.posts}


def test_thread_quote_and_repost_join_their_originals() -> None:
    posts = [
        make_post("1", "alice", "Our new model Foo-2 is out today.", "2025-12-06T21:00:00Z"),
        make_post("2", "alice", "It also runs on phones.", "2025-12-06T21:01:00Z", reply_to="1",
                  conversation_id="1"),
        make_post("3", "bob", "Wow.", "2025-12-06T21:05:00Z", quote_of="1"),
        make_post("4", "carol", "RT @alice: Our new model", "2025-12-06T21:06:00Z", repost_of="1"),
        make_post("5", "dave", "Unrelated: my thoughts on AI evals.", "2025-12-06T21:07:00Z"),
    ]
    stories = build_stories(posts, slot=SLOT)
    by_post = _by_post(stories)
    assert by_post["1"] is by_post["2"] is by_post["3"] is by_post["4"]
    assert by_post["5"] is not by_post["1"]
    story = by_post["1"]
    assert story.representative.id == "1" and not story.representative.is_repost
    assert story.id == "s-1"
    assert any("thread by @alice" in r for r in story.reasons)


def test_only_stories_with_a_post_inside_the_window_are_returned() -> None:
    posts = [
        make_post("1", "alice", "Old news about Foo-2 model", "2025-12-06T10:00:00Z"),
        make_post("2", "bob", "RT @alice: Old news", "2025-12-06T21:00:00Z", repost_of="1"),
        make_post("3", "carol", "An AI model from yesterday, Bar-3", "2025-12-06T09:00:00Z"),
    ]
    stories = build_stories(posts, slot=SLOT)
    assert [s.post_ids for s in stories] == [["1", "2"]]
    assert stories[0].representative.id == "1"  # the original, although outside the window


def test_off_topic_stories_are_kept_but_filtered_with_a_reason() -> None:
    posts = [
        make_post("1", "chef", "Best ramen of my life in Osaka today", "2025-12-06T21:00:00Z", 9999),
        make_post("2", "alice", "Anthropic ships Claude Opus 4.5", "2025-12-06T21:00:00Z"),
    ]
    stories = build_stories(posts, slot=SLOT)
    assert stories[0].representative.id == "2" and stories[0].filtered is None
    assert stories[-1].filtered == "off-topic"
    assert any("no post mentions" in r for r in stories[-1].reasons)
    assert [s.representative.id for s in select_stories(stories)] == ["2"]


def test_keywords_and_exclusions_are_configurable() -> None:
    posts = [make_post("1", "chef", "Best ramen of my life in Osaka", "2025-12-06T21:00:00Z"),
             make_post("2", "bot", "AI airdrop! free tokens", "2025-12-06T21:00:00Z")]
    settings = StoriesSection(keywords=["ramen"], exclude_keywords=["airdrop"])
    verdicts = {s.representative.id: s.filtered for s in build_stories(posts, settings=settings)}
    assert verdicts == {"1": None, "2": "off-topic"}


def test_score_parts_are_named_and_explained() -> None:
    posts = [
        make_post("1", "alice", "Mistral 3 is out: open weights under Apache 2.0, a 675B MoE",
                  "2025-12-06T21:00:00Z", 500, source="vip"),
        make_post("2", "bob", "Mistral发布Mistral 3系列，权重以 Apache 2.0 开源，675B MoE",
                  "2025-12-06T23:00:00Z", 50),
    ]
    story = build_stories(posts, slot=SLOT, baselines={"alice": 100, "bob": 100},
                          source_weights={"vip": 2.0})[0]
    parts = story.score_parts
    assert set(parts) == {"engagement", "authors", "recency", "content", "source_weight", "novelty"}
    assert parts["source_weight"] == 2.0
    base = parts["engagement"] + parts["authors"] + parts["recency"] + parts["content"]
    assert abs(story.score - 2.0 * base) < 1e-6
    assert "2 authors: @alice, @bob" in story.reasons
    assert "engagement 5.0x @alice's usual" in story.reasons
    assert "source weight 2" in story.reasons


def test_important_events_of_a_labelled_window_rank_in_the_top_10() -> None:
    """Window: the events marked important in gold.json, the first eight other multi-post
    events of the file and every singleton; baselines as the store computes them."""
    posts, gold = load_posts(), load_gold()
    labels = gold_labels(gold)
    important = {n for n, s in gold.items() if s["important"]}
    minor = [n for n, s in gold.items() if not s["important"] and len(s["posts"]) > 1][:8]  # type: ignore[arg-type]
    singles = {n for n, s in gold.items() if len(s["posts"]) == 1}  # type: ignore[arg-type]
    window = [p for p in posts if labels[p.id] in important | set(minor) | singles]
    engagement: dict[str, list[float]] = {}
    for p in posts:
        if not p.is_repost:
            engagement.setdefault(p.author.handle, []).append(p.metrics.engagement)
    baselines = {h: statistics.median(v) for h, v in engagement.items()}
    stories = build_stories(window, slot=SLOT, baselines=baselines)
    top = {labels[p.id] for s in stories[:10] for p in s.posts}
    assert important <= top, important - top
    chosen = select_stories(stories, 8, 12, 3)
    assert len(chosen) == 12


def test_the_garbage_collector_is_paused_during_the_build_and_restored() -> None:
    """With a collection due at every allocation, none runs inside build_stories (nor
    featurize_posts); the collector's state is restored afterwards, also when the build fails."""
    import gc
    import sys

    import pytest

    posts = [make_post("1", "alice", "Anthropic ships Claude Opus 4.5", "2025-12-06T21:00:00Z")]
    runs: list[str] = []

    def count(phase: str, info: dict[str, int]) -> None:
        frame = sys._getframe(1)
        while frame is not None:
            if phase == "start" and "aidigest/stories" in frame.f_code.co_filename:
                runs.append(frame.f_code.co_name)
                return
            frame = frame.f_back  # type: ignore[assignment]
        runs.append(phase)

    was, threshold = gc.isenabled(), gc.get_threshold()
    gc.callbacks.append(count)
    try:
        gc.enable()
        gc.set_threshold(1)
        assert len(build_stories(posts, slot=SLOT)) == 1
        inside = [r for r in runs if r not in ("start", "stop")]
        assert inside == [] and "start" in runs and gc.isenabled()
        assert len(featurize_posts(posts)) == 1 and gc.isenabled()
        assert [r for r in runs if r not in ("start", "stop")] == []
        gc.disable()
        build_stories(posts, slot=SLOT)
        assert not gc.isenabled()
        gc.enable()
        with pytest.raises(AttributeError):
            build_stories(posts, slot=SLOT, features=[None])  # type: ignore[list-item]
        assert gc.isenabled()
    finally:
        gc.callbacks.remove(count)
        gc.set_threshold(*threshold)
        (gc.enable if was else gc.disable)()
