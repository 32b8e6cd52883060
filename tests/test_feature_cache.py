"""The per-post features cache of a long-lived process: what it returns equals a cold
``featurize_posts`` field for field (the lazily computed parts too), the stories built from it
equal a cold build, a post is featurised again only when what featurising reads changed, a
changed alias table misses every entry, and a window polled in then closed builds the same
stories and stores the same alias evidence as a cold build, mining each post once."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from importlib import resources
from pathlib import Path

import numpy as np

from aidigest.config import config_from_dict
from aidigest.models import Metrics, Post
from aidigest.slots import parse_slot
from aidigest.sources.jsonl import post_from_dict
from aidigest.store import open_store
from aidigest.stories import build_stories, featurize_posts
from aidigest.stories.feature_cache import LAZY, FeatureCache
from aidigest.stories.features import Features
from aidigest.window import stories_between, warm_features, window_posts

SLOT = parse_slot("2025-12-07T08")  # the sample window
ALIASES = {"小扎": "zuckerberg", "哈萨比斯": "demis hassabis"}


def _posts() -> list[Post]:
    text = resources.files("aidigest").joinpath("data", "sample_posts.jsonl").read_text("utf-8")
    return [post_from_dict(json.loads(line)) for line in text.splitlines() if line.strip()]


def _same(got: list[Features], cold: list[Features]) -> None:
    assert [f.id for f in got] == [f.id for f in cold]
    for a, b in zip(got, cold, strict=True):
        assert a.post == b.post and (a.lang, a.text, a.links, a.ents) == (b.lang, b.text, b.links, b.ents)
        assert a.shingles.dtype == b.shingles.dtype and np.array_equal(a.shingles, b.shingles)
        for name in LAZY:
            assert getattr(a, name) == getattr(b, name), (a.id, name)


def test_cached_features_equal_cold_ones_and_are_reused() -> None:
    posts = _posts()
    cache = FeatureCache()
    first = cache.features(posts[: len(posts) // 2], ALIASES)
    _same(first, featurize_posts(posts[: len(posts) // 2], ALIASES))
    assert (cache.last.hits, cache.last.misses) == (0, len(first))
    shuffled = list(reversed(posts)) + posts[:3]  # any order, duplicates: as featurize_posts
    again = cache.features(shuffled, ALIASES)
    _same(again, featurize_posts(shuffled, ALIASES))
    assert (cache.last.hits, cache.last.misses) == (len(first), len(posts) - len(first))
    assert cache.features(posts, ALIASES) and cache.last.misses == 0


def test_a_post_is_featurised_again_only_when_what_featurising_reads_changed() -> None:
    posts = _posts()
    cache = FeatureCache()
    cache.features(posts, ALIASES)
    liked = replace(posts[0], metrics=Metrics(likes=posts[0].metrics.likes + 1000))
    edited = replace(posts[1], text=posts[1].text + " Update: Gemini 3 Ultra is out too.")
    relinked = replace(posts[2], links=(*posts[2].links, "https://wsj.com/tech/ai-story"))
    changed = [liked, edited, relinked, *posts[3:]]
    got = cache.features(changed, ALIASES)
    assert (cache.last.hits, cache.last.misses) == (len(posts) - 2, 2)
    _same(got, featurize_posts(changed, ALIASES))
    by_id = {f.id: f for f in got}
    assert by_id[liked.id].post.metrics.likes == liked.metrics.likes  # the current post
    assert "wsj" in by_id[relinked.id].ents.names


def test_a_changed_alias_table_misses_every_entry() -> None:
    posts = _posts()
    cache = FeatureCache()
    cache.features(posts, ALIASES)
    more = {**ALIASES, "香蕉": "nano banana"}
    got = cache.features(posts, more)
    assert (cache.last.hits, cache.last.misses, cache.stats.resets) == (0, len(posts), 1)
    _same(got, featurize_posts(posts, more))
    assert len(cache) == len(posts)  # the old table's entries are gone


def test_the_cache_keeps_at_most_max_posts() -> None:
    posts = sorted(_posts(), key=lambda p: (p.created_at, p.id))
    cache = FeatureCache(max_posts=10)
    got = cache.features(posts)
    assert len(got) == len(posts) > 10 and len(cache) == 10
    cache.features(posts[-10:])  # the least recently used went first: the newest are kept
    assert (cache.last.hits, cache.last.misses) == (10, 0)
    cache.features(posts[:1])
    assert (cache.last.hits, cache.last.misses) == (0, 1) and len(cache) == 10


def test_stories_from_cached_features_equal_a_cold_build() -> None:
    posts = _posts()
    cache = FeatureCache()
    cache.features(posts[::2], ALIASES)  # half arrived earlier
    feats = cache.features(posts, ALIASES)
    warm = build_stories(posts, aliases=ALIASES, features=feats)
    cold = build_stories(posts, aliases=ALIASES)
    assert [(s.id, s.post_ids, s.score, s.filtered) for s in warm] == \
        [(s.id, s.post_ids, s.score, s.filtered) for s in cold]
    assert len(warm) > 10


def test_a_window_built_from_polls_equals_a_cold_one_and_mines_each_post_once(
    tmp_path: Path
) -> None:
    posts = _posts()
    cut = SLOT.end_utc - timedelta(minutes=30)
    early, late = [p for p in posts if p.created_at < cut], [p for p in posts if p.created_at >= cut]
    assert early and late
    built = {}
    for name, cache in (("cold", None), ("polled", FeatureCache())):
        cfg = config_from_dict({"stories": {"embeddings": False}}, tmp_path / name)
        with open_store(cfg.store_path) as store:
            store.upsert_posts(early)
            if cache is not None:
                assert warm_features(cfg, store, SLOT.start_utc, SLOT.end_utc, cache) > 0
                assert not cache.unmined(window_posts(store, SLOT.start_utc, SLOT.end_utc), {})
            store.upsert_posts(late)
            if cache is not None:
                fresh = cache.unmined(window_posts(store, SLOT.start_utc, SLOT.end_utc), {})
                assert {p.id for p in fresh} == {p.id for p in late if p.created_at < SLOT.end_utc}
            stories = stories_between(cfg, store, SLOT.start_utc, SLOT.end_utc, features=cache)
            built[name] = ([(s.id, s.post_ids, s.score, s.filtered) for s in stories],
                           store.alias_counts())
            if cache is not None:
                assert cache.last.misses <= len(late) < cache.last.hits
    assert built["polled"] == built["cold"]
    assert built["cold"][1]  # the sample teaches aliases: the mined evidence is compared
