"""The batched pair evidence (``stories/batch.py``) gives the same numbers as the per-pair
:func:`~aidigest.stories.pairs.evidence` that reasons are explained with, on the labelled set
(English and Chinese posts), with and without vectors, and on synthetic bulk windows."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from aidigest.stories.batch import evidence_matrix
from aidigest.stories.cluster import score_window
from aidigest.stories.features import featurize
from aidigest.stories.pairs import FEATURES, evidence
from stories_eval import load_posts

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_stories import synthetic_posts


def _both_ways(posts, vectors=None):  # type: ignore[no-untyped-def]
    posts = sorted(posts, key=lambda p: (p.created_at, p.id))
    feats = [featurize(p) for p in posts]
    scored, _active, pairs = score_window(feats, vectors)
    ordered = sorted(pairs)
    a = np.array([i for i, _ in ordered], dtype=np.int64)
    b = np.array([j for _, j in ordered], dtype=np.int64)
    batch, has = evidence_matrix(scored.table, scored.stats, a, b, scored.vectors)
    single = np.array([evidence(feats[i], feats[j], scored.stats, scored._cos(i, j)).values
                       for i, j in ordered])
    return scored, ordered, batch, has, single


def _vectors(posts, share: float):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(5)
    out = {}
    for p in posts:
        v = rng.normal(size=24).astype(np.float32)
        if rng.random() < share:
            out[p.id] = v / np.linalg.norm(v)
    return out


@pytest.mark.parametrize("share", [0.0, 0.7, 1.0])
def test_batch_matches_single_pairs_on_labelled_set(share: float) -> None:
    posts = load_posts()
    scored, pairs, batch, has, single = _both_ways(posts, _vectors(posts, share) or None)
    assert len(pairs) > 200
    for k, name in enumerate(FEATURES):
        assert np.allclose(batch[:, k], single[:, k], atol=1e-5), name
    # every kind of evidence is exercised, in both languages
    for name in ("link", "strong", "names", "common", "figures", "words", "translated", "conflict"):
        assert batch[:, FEATURES.index(name)].any(), name
    assert has.all() if share == 1.0 else not has.any() if share == 0.0 else has.any()
    scores = scored.model.scores(batch, has)
    assert np.allclose(scores, [scored.score(i, j) for i, j in pairs], atol=1e-4)


def test_batch_matches_single_pairs_on_bulk_window() -> None:
    _scored, pairs, batch, _has, single = _both_ways(synthetic_posts(1500))
    assert len(pairs) > 1000
    assert np.allclose(batch, single, atol=1e-9)


def test_prime_fills_what_score_would() -> None:
    posts = sorted(load_posts(), key=lambda p: (p.created_at, p.id))
    feats = [featurize(p) for p in posts]
    scored, _active, pairs = score_window(feats, None)
    scored.prime(pairs)
    primed = dict(scored.cache)
    scored.cache.clear()
    assert all(abs(scored.score(i, j) - v) < 1e-9 for (i, j), v in primed.items())


def test_featurize_many_equals_featurize_one_by_one() -> None:
    from aidigest.stories.features import featurize_many
    from stories_eval import make_post

    posts = [*load_posts(), *synthetic_posts(300),
             make_post("1", "a", "!!! ...", "2025-12-06T21:00:00Z"),  # no letters: no shingles
             make_post("2", "a", "ab!", "2025-12-06T21:00:00Z"),  # shorter than one shingle
             make_post("3", "a", "abcd", "2025-12-06T21:00:00Z")]
    many = featurize_many(posts)
    for post, got in zip(posts, many, strict=True):
        one = featurize(post)
        assert (got.lang, got.text, got.links, got.ents) == (one.lang, one.text, one.links, one.ents)
        assert got.shingles.dtype == one.shingles.dtype
        assert got.shingles.tobytes() == one.shingles.tobytes(), post.id
    assert len(many[-1].shingles) == 1 and not len(many[-2].shingles)


def _reference_groups(feats, scored):  # type: ignore[no-untyped-def]
    """Average link as written plainly: every pair scored one by one when asked, the samples
    taken afresh from the members each time, every reason explained pair by pair."""
    from aidigest.stories.cluster import (
        GROUP_CAP,
        GROUP_SAMPLE,
        REASONS,
        _Components,
        _structural,
        candidates,
    )

    comps = _Components(len(feats))
    _structural(feats, comps)
    active = [i for i, f in enumerate(feats) if not f.post.is_repost]
    pairs = candidates(feats, active)
    edges = sorted((-s, i, j) for i, j in pairs if (s := scored.score(i, j)) >= 0.0)
    for neg, i, j in edges:
        ra, rb = comps.find(i), comps.find(j)
        if ra == rb:
            continue
        left = [k for k in comps.members[ra] if not feats[k].post.is_repost][:GROUP_SAMPLE]
        right = [k for k in comps.members[rb] if not feats[k].post.is_repost][:GROUP_SAMPLE]
        if len(comps.members[ra]) == 1 and len(comps.members[rb]) == 1:
            mean = min(GROUP_CAP, -neg)
        elif not left or not right:
            mean = 8.0
        else:
            mean = sum(min(GROUP_CAP, scored.score(x, y)) for x in left for y in right) / (
                len(left) * len(right))
        if mean >= scored.model.group_threshold:
            comps.union(ra, rb, (i, j))
    out = []
    for root, members in comps.members.items():
        said = [r if isinstance(r, str) else scored.explain(*r)
                for r in comps.reasons.get(root, [])[:REASONS]]
        out.append((sorted(members), said))
    return sorted(out)


@pytest.mark.parametrize("which", ["labelled", "labelled+vectors", "bulk"])
def test_batched_average_link_and_reasons_match_the_plain_loop(which: str) -> None:
    """group_posts scores the pairs average link asks about in batches, looked ahead, and
    explains reasons from batched numbers: the groups, and the reasons' text, are exactly
    those of the plain pair-by-pair loop."""
    from aidigest.stories.cluster import group_posts

    posts = synthetic_posts(1500) if which == "bulk" else load_posts()
    posts = sorted(posts, key=lambda p: (p.created_at, p.id))
    vectors = _vectors(posts, 1.0) if which.endswith("vectors") else None
    feats = [featurize(p) for p in posts]
    scored, _active, _pairs = score_window(feats, vectors)
    expected = _reference_groups(feats, scored)
    got = sorted((g.members, [r.split(" ", 3)[-1] if r.startswith("@") and " / @" in r else r
                              for r in g.reasons]) for g in group_posts(feats, vectors))
    assert sum(len(m) > 1 for m, _ in expected) > 20
    assert sum(1 for _m, rs in expected for r in rs if r.startswith("p=")) > 20
    assert got == expected


def test_explain_many_says_what_explain_says() -> None:
    posts = sorted(load_posts(), key=lambda p: (p.created_at, p.id))
    for vectors in (None, _vectors(posts, 0.7)):
        scored, pairs, _batch, _has, _single = _both_ways(posts, vectors)
        flipped = [(j, i) for i, j in pairs[::3]]  # a reason's pair may come either way round
        said = scored.explain_many([*pairs, *flipped])
        assert len(said) == len(pairs) + len(flipped)
        for (i, j), text in said.items():
            assert text == scored.explain(i, j), (i, j)


def test_details_of_named_features_are_those_evidence_gives() -> None:
    from aidigest.stories.gloss import matched_words, word_similarity
    from aidigest.stories.pairs import DETAILED, details

    posts = sorted(load_posts(), key=lambda p: (p.created_at, p.id))
    feats = [featurize(p) for p in posts]
    scored, _active, pairs = score_window(feats, None)
    stats = scored.stats
    seen = set()
    for i, j in sorted(pairs):
        for x, y in ((i, j), (j, i)):
            fa, fb = feats[x], feats[y]
            full = evidence(fa, fb, stats, None, explain=True).details
            assert details(fa, fb, stats, DETAILED) == full, (x, y)
            for name in DETAILED:  # one feature asked: that feature's words only
                assert details(fa, fb, stats, [name]) == {k: v for k, v in full.items()
                                                          if k == name}
            seen.update(full)
            wa, wb = stats.weighed(fa), stats.weighed(fb)
            assert matched_words(wa, wb) == word_similarity(wa, wb, across=True)[1]
            assert all(stats.word_weight(w) == wa.weights[w] for w in wa.weights)
    assert seen >= {"link", "strong", "names", "common", "figures", "words", "translated",
                    "conflict"}


def test_the_batch_finds_the_words_matched_across_languages() -> None:
    from aidigest.stories.gloss import matched_words

    posts = sorted(load_posts(), key=lambda p: (p.created_at, p.id))
    scored, pairs, batch, _has, _single = _both_ways(posts)
    cross = [(i, j) for k, (i, j) in enumerate(pairs) if batch[k, FEATURES.index("cross_lang")]]
    assert len(cross) > 20
    a = np.array([i for i, _ in cross] + [j for _, j in cross], dtype=np.int64)
    b = np.array([j for _, j in cross] + [i for i, _ in cross], dtype=np.int64)
    found = scored.table.matched(a, b)
    stats = scored.stats
    expected = [matched_words(stats.weighed(scored.feats[i]), stats.weighed(scored.feats[j]))
                for i, j in zip(a.tolist(), b.tolist(), strict=True)]
    assert found == expected
    assert sum(bool(f) for f in found) > 10
