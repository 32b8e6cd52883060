"""A name's parts count once at the pair level (issue 21): two posts that share ``Andrej
Karpathy`` share one name (its whole), not the whole and its head; a post that says only
``Karpathy`` still matches it. The per-pair and the batched evidence agree. Posts written for
these tests."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from aidigest.slots import parse_slot
from aidigest.stories import build_stories
from aidigest.stories.batch import PostTable, evidence_matrix
from aidigest.stories.entities import extract
from aidigest.stories.features import featurize_many
from aidigest.stories.nameparts import merged, merged_keys
from aidigest.stories.pairs import FEATURES, evidence, window_stats
from stories_eval import make_post

NAMES, OVERLAP = FEATURES.index("names"), FEATURES.index("overlap")
SLOT = parse_slot("2026-03-08T08")  # 20:00–24:00 UTC of 03-07

POSTS = [
    ("a", "x", "Andrej Karpathy released autoresearch, a repo where agents run training "
     "experiments overnight on a single GPU."),
    ("b", "y", "New from Andrej Karpathy: autoresearch lets an agent iterate on a small LLM "
     "training setup overnight, by itself."),
    ("c", "z", "Karpathy's autoresearch: agents run the training experiments overnight and keep "
     "only the changes that help."),
    ("d", "w", "Mistral ships Devstral 2 with a 256K context window and an open licence for "
     "coding agents."),
]


def _feats():  # type: ignore[no-untyped-def]
    posts = [make_post(pid, h, text, f"2026-03-07T21:{10 * n:02d}:00Z", 100)
             for n, (pid, h, text) in enumerate(POSTS)]
    feats = featurize_many(posts)
    return feats, window_stats(feats)


def test_entities_record_which_phrase_a_kept_part_belongs_to() -> None:
    e = extract("Anthropic ships a big Claude Cowork update; Andrej Karpathy likes it")
    assert {("karpathy", "andrejkarpathy"), ("cowork", "claudecowork")} <= e.parts
    assert not extract("New open models on Hugging Face this week").parts  # one key, no parts
    assert not extract("Karpathy likes it").parts


def test_merged_needs_the_part_and_its_whole_shared_by_either_posts_relation() -> None:
    rel = frozenset({("karpathy", "andrejkarpathy")})
    assert merged({"karpathy", "andrejkarpathy", "x"}, rel, frozenset()) == {"karpathy"}
    assert merged({"karpathy", "andrejkarpathy"}, frozenset(), rel) == {"karpathy"}
    assert not merged({"karpathy", "x"}, rel, rel)  # the whole is not shared: the part counts
    keys = merged_keys(np.array([0, 1, 1]), np.array([3, 3, 3]), np.array([4, 4, 4]),
                       np.array([3, 4, 1 * 10 + 3, 1 * 10 + 4]), 10)
    assert keys.tolist() == [3, 13]  # pair 1 has the relation twice: merged once


def test_two_posts_sharing_a_person_get_the_names_evidence_of_one_name() -> None:
    (fa, fb, *_), stats = _feats()
    assert {"andrejkarpathy", "karpathy"} <= fa.specific & fb.specific
    values = evidence(fa, fb, stats, None).values
    assert values[NAMES] == stats.weight("andrejkarpathy")  # not + weight("karpathy")
    assert evidence(fa, fb, stats, None, explain=True).details["names"] == "andrejkarpathy"
    shared = fa.specific & fb.specific
    assert values[OVERLAP] == (len(shared) - 1) / (min(len(fa.specific), len(fb.specific)) - 1)


def test_a_post_with_the_surname_alone_still_matches_the_full_name() -> None:
    (fa, _fb, fc, _fd), stats = _feats()
    assert "andrejkarpathy" not in fc.specific
    assert evidence(fa, fc, stats, None).values[NAMES] == stats.weight("karpathy") > 0
    posts = [f.post for f in _feats()[0]]
    stories = build_stories(posts, slot=SLOT)
    assert sorted(sorted(s.post_ids) for s in stories) == [["a", "b", "c"], ["d"]]


def test_batched_evidence_merges_the_same_parts_as_the_per_pair_evidence() -> None:
    feats, stats = _feats()
    pairs = list(combinations(range(len(feats)), 2))
    a = np.array([i for i, _ in pairs], dtype=np.int64)
    b = np.array([j for _, j in pairs], dtype=np.int64)
    batch, _has = evidence_matrix(PostTable(feats, stats), stats, a, b, {})
    single = np.array([evidence(feats[i], feats[j], stats, None).values for i, j in pairs])
    assert np.allclose(batch, single, atol=1e-9)
    assert batch[pairs.index((0, 1)), NAMES] == stats.weight("andrejkarpathy")
