"""A name's parts count once (issue 21), as far as it is landed: a multi-word name that is a
known name is one key, so two posts that share it share one name, not three; another keeps
only its whole, its head and its parts that are known names (not a given name or a modifier).
Posts written for these tests."""

from __future__ import annotations

from aidigest.stories.entities import extract
from aidigest.stories.features import Features, featurize_many
from aidigest.stories.pairs import FEATURES, WindowStats, evidence, window_stats
from stories_eval import make_post


def _shared_names(first: str, second: str, day: str) -> tuple[Features, Features, WindowStats, float]:
    """Two posts ten minutes apart, their window stats and the ``names`` evidence of the pair."""
    posts = [make_post("a", "x", first, f"{day}T21:00:00Z", 100),
             make_post("b", "y", second, f"{day}T21:10:00Z", 100)]
    fa, fb = featurize_many(posts)
    stats = window_stats([fa, fb])
    return fa, fb, stats, float(evidence(fa, fb, stats, None).values[FEATURES.index("names")])


def test_a_known_multi_word_name_is_one_key() -> None:
    e = extract("New open models on Hugging Face this week")
    assert e.phrases == {"huggingface"} and not e.names & {"hugging", "face"}
    assert "huggingface" in extract("HuggingFace ships a new hub").names  # one spelling, one key


def test_other_multi_word_names_keep_their_head_and_known_parts() -> None:
    e = extract("Anthropic ships a big Claude Cowork update; Andrej Karpathy likes it")
    assert {"claude", "cowork", "karpathy"} <= e.names and "andrej" not in e.names
    assert {"claudecowork", "andrejkarpathy"} <= e.phrases
    e = extract("OpenAI says Mark Chen now leads research, with Sparse Attention work")
    assert {"chen", "attention"} <= e.names and not {"mark", "sparse"} & e.names
    assert {"markchen", "sparseattention"} <= e.phrases
    assert "andrej" in extract("Andrej says the next course is ready. Andrej Karpathy").names


def test_a_name_said_alone_still_matches_its_long_form() -> None:
    _fa, _fb, stats, names = _shared_names(
        "Claude Cowork now runs scheduled tasks on your desktop.",
        "Scheduled tasks arrive in Cowork while you are away.", "2026-03-04")
    assert names == stats.weight("cowork")


def test_two_posts_sharing_a_person_share_the_whole_and_the_surname_only() -> None:
    # they share two keys, which the pair counts as one name (tests/test_nameparts.py)
    fa, fb, stats, names = _shared_names(
        "Andrej Karpathy released autoresearch, a repo where agents run training experiments "
        "overnight.", "New from Andrej Karpathy: autoresearch lets an agent iterate on a small "
        "LLM training setup by itself.", "2026-03-07")
    assert "andrej" not in fa.specific | fb.specific
    assert names == stats.weight("andrejkarpathy")
    assert {"andrejkarpathy", "karpathy"} <= fa.specific & fb.specific


def test_two_posts_sharing_a_known_name_share_it_once() -> None:
    _fa, _fb, stats, names = _shared_names(
        "Moondream 3 is now on Hugging Face with open weights for on-device vision.",
        "Kokoro TTS v2 lands on Hugging Face: a tiny speech model that runs in the browser.",
        "2026-03-04")
    assert names == stats.weight("huggingface")  # not hugging + face + huggingface
