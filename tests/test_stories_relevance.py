"""The topic regex (relevance._pattern) finds exactly what a plain longest-first alternation of
the words finds: the same word at the same place, on the posts of the bulk set and on random
texts built from keyword pieces, Latin edges and Chinese words."""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from aidigest.stories.relevance import DEFAULT_KEYWORDS, _pattern

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_stories import synthetic_posts

EXTRA = ("ramen", "airdrop", "c++", ".net", "#ai", "k8s", "0day", "x", "AI Safety ", "  ", "智")


def _plain(words: Iterable[str]) -> re.Pattern[str] | None:
    """The reference: every word its own alternative, longest first, Latin words fenced."""
    parts = []
    for word in sorted({w.strip().lower() for w in words if w.strip()}, key=len, reverse=True):
        escaped = re.escape(word)
        if re.match(r"[a-z0-9]", word):
            escaped = r"(?<![a-z0-9])" + escaped + r"(?![a-z0-9])"
        parts.append(escaped)
    return re.compile("|".join(parts)) if parts else None


def _found(pattern: re.Pattern[str] | None, text: str) -> tuple[int, str] | None:
    hit = pattern.search(text) if pattern is not None else None
    return (hit.start(), hit.group(0)) if hit else None


def _texts(words: list[str], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pieces = [*words, *(w[: len(w) // 2] for w in words), *(w[1:] for w in words),
              " ", " ", "-", ".", "s", "x1", "said", "the", "，", "模", "人工", "\n"]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(n)]


@pytest.mark.parametrize("words", [list(DEFAULT_KEYWORDS), [*DEFAULT_KEYWORDS, *EXTRA],
                                   list(EXTRA), ["ai", "a.i.", "agi", "agents", "agent"]])
def test_pattern_finds_what_a_plain_alternation_finds(words: list[str]) -> None:
    fast, plain = _pattern(words), _plain(words)
    texts = _texts([w.lower() for w in words if w.strip()], 4000, seed=len(words))
    texts += [p.text.lower() for p in synthetic_posts(1500)]
    differ = [t for t in texts if _found(fast, t) != _found(plain, t)]
    assert not differ, differ[:3]
    assert sum(_found(plain, t) is not None for t in texts) > len(texts) // 5


def test_no_words_no_pattern() -> None:
    assert _pattern([]) is None
    assert _pattern(["  ", ""]) is None
