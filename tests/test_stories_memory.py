"""The stories stage's memory bounds (issue 18: at most 1 GiB at 100k posts) never change a
story: pair evidence computed in small blocks, candidate pairs checked in small blocks,
shingles hashed a few texts at a time and weighed words forgotten and recomputed give the very
same stories (ids, members, representative, exact scores, reasons, filters)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from aidigest.stories import build_stories, cluster, features, pairs
from aidigest.stories.features import featurize

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_stories import _vectors, synthetic_posts
from stories_fingerprint import story_rows


@pytest.mark.parametrize("vectors", [False, True])
def test_small_blocks_and_a_small_cache_give_the_same_stories(
        monkeypatch: pytest.MonkeyPatch, vectors: bool) -> None:
    posts = synthetic_posts(1500, seed=11)
    embeddings = _vectors(posts) if vectors else None
    expected = story_rows(build_stories(posts, embeddings=embeddings))
    monkeypatch.setattr(cluster, "PRIME_BLOCK", 7)
    monkeypatch.setattr(pairs, "WEIGHED_KEPT", 5)
    real = features._shingles_many
    monkeypatch.setattr(features, "_shingles_many", lambda texts: real(texts, block=3))
    assert story_rows(build_stories(posts, embeddings=embeddings)) == expected
    assert len(expected) > 100 and any(len(row[1]) > 1 for row in expected)


def test_text_similarity_is_the_exact_jaccard_of_the_shingles() -> None:
    posts = synthetic_posts(60, seed=3)
    feats = [featurize(p) for p in posts]
    for a in feats[:20]:
        for b in feats[20:]:
            sa, sb = set(a.shingles.tolist()), set(b.shingles.tolist())
            want = len(sa & sb) / len(sa | sb) if sa and sb else 0.0
            assert features.text_similarity(a, b) == want
    empty = featurize(posts[0].__class__(**{**posts[0].__dict__, "text": "!!"}))
    assert not len(empty.shingles) and features.text_similarity(empty, feats[0]) == 0.0
    assert np.array_equal(feats[0].shingles, np.unique(feats[0].shingles))
