"""Evidence that two posts report one event, as named features a person can read.

Each feature is a number computed from the two posts' :class:`~.features.Features` and the
window's name frequencies (a name most posts of the window share says little):

- ``link``: a shared specific link (not a home or profile page),
- ``strong``: IDF-weighted shared versioned names and titles (``qwen3.5``, ``《箭头》``),
- ``names``: IDF-weighted shared specific names, phrases and aliases (``matx``, ``月之暗面`` =
  ``moonshot``), ``common``: shared big-company names (``openai``), which say little alone,
- ``subject``: each post's subject (the first specific name) is named by the other,
- ``figures``: shared figures across scripts and units (2.4万 = 24,000 = 24K),
- ``overlap``: the share of the smaller post's specific names that the other names too,
- ``conflict``: the two posts name different versions (``gpt5`` against ``v3.1``),
- ``text``: character-shingle Jaccard; ``words``: how much of each post the other says, word
  by word (:mod:`.gloss`), for two posts of one language; ``translated``: the same for a
  Chinese and an English post, whose words match through CC-CEDICT senses;
  ``cosine``: embedding similarity above what the two posts reach with their nearest
  neighbours anyway (0 without vectors); ``gap``: time apart in days;
  ``same_author``; ``cross_lang`` (one English and one Chinese post).

Pure and deterministic. Does NOT decide (see :mod:`.scorer`) or group (see :mod:`.cluster`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from aidigest.stories.entities import COMMON_NAMES, family
from aidigest.stories.features import Features, text_similarity
from aidigest.stories.gloss import Weighed, matched_words, weigh, word_similarity, word_weight
from aidigest.stories.nameparts import merged

__all__ = ["FEATURES", "Evidence", "WindowStats", "conflict", "details", "evidence", "window_stats"]

FEATURES = ("link", "strong", "names", "common", "subject", "figures", "overlap", "conflict",
            "text", "words", "translated", "cosine", "gap", "same_author", "cross_lang")
CAP = 3.0
NEIGHBOURS = 10  # nearest neighbours whose mean cosine is a post's baseline
NEIGHBOUR_POOL = 4096  # posts a baseline is measured against, at most
WEIGHED_KEPT = 8192  # posts whose weighed words are kept at once, at most


@dataclass
class WindowStats:
    """Document frequencies of names in the window, for IDF weights; each language's mean
    vector; Chinese-word and English-stem frequencies (computed when first needed)."""

    df: dict[str, int]
    n: int
    lang_means: dict[str, np.ndarray] = field(default_factory=dict)
    hubs: dict[str, tuple[float, float]] = field(default_factory=dict)
    feats: Sequence[Features] = ()
    _weighed: dict[str, Weighed] = field(default_factory=dict)
    _weights: dict[str, float] = field(default_factory=dict)
    _word_weights: dict[str, float] = field(default_factory=dict)

    @cached_property
    def word_df(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for f in self.feats:
            counts.update(f.words.keys())
        return counts

    def weighed(self, f: Features) -> Weighed:
        """The post's words weighed by this window's frequencies (kept for the last
        :data:`WEIGHED_KEPT` posts asked about; the same numbers when computed again)."""
        found = self._weighed.get(f.id)
        if found is None:
            if len(self._weighed) >= WEIGHED_KEPT:  # bounded memory at 100k posts; pairs
                self._weighed.clear()  # come group by group, so few are computed twice
            found = self._weighed[f.id] = weigh(f.words, self.word_df, self.n)
        return found

    def word_weight(self, word: str) -> float:
        """The IDF weight of ``word`` in this window (what :meth:`weighed` gives it)."""
        found = self._word_weights.get(word)
        if found is None:
            found = self._word_weights[word] = word_weight(self.word_df, self.n, word)
        return found

    def release(self) -> None:
        """Forget the posts' weighed words (recomputed, identically, when asked again)."""
        self._weighed.clear()
        self._word_weights.clear()

    def weight(self, name: str) -> float:
        """1 for a name only the pair shares, towards 0 for a name most posts carry; big-company
        names count 0.4 of that."""
        found = self._weights.get(name)
        if found is None:
            df = max(self.df.get(name, 2), 2)
            top = math.log((self.n + 1) / 2)
            idf = math.log((self.n + 1) / df) / top if top > 0 else 1.0
            found = max(0.0, min(1.0, idf)) * (0.4 if name in COMMON_NAMES else 1.0)
            self._weights[name] = found
        return found

    def as_common(self, names: frozenset[str]) -> None:
        """Weigh ``names`` as big-company names are weighed (0.4 of their IDF weight): names
        that many recent events share say little about which event (continuity across slots)."""
        for name in names - COMMON_NAMES:
            self._weights[name] = self.weight(name) * 0.4

    def cosine_baseline(self, fa: Features, fb: Features) -> float:
        """How similar the two posts are to their nearest neighbours anyway: the mean, over
        both posts, of each one's mean cosine to its :data:`NEIGHBOURS` nearest posts of the
        other post's language kind (same or other language) in this window. A post close to
        everything (a roundup) needs more to stand out (hubness correction, as CSLS does for
        cross-lingual word vectors). Without neighbours: the mean cosine of the languages."""
        cross = fa.lang != fb.lang
        ra, rb = self.hubs.get(fa.id), self.hubs.get(fb.id)
        if ra is not None and rb is not None and not math.isnan(ra[cross] + rb[cross]):
            return (ra[cross] + rb[cross]) / 2
        ma, mb = self.lang_means.get(fa.lang), self.lang_means.get(fb.lang)
        return float(ma @ mb) if ma is not None and mb is not None else 0.8


@dataclass(frozen=True)
class Evidence:
    """The feature vector of one pair and, per feature, what it was (for reasons)."""

    values: np.ndarray
    details: dict[str, str]
    has_cosine: bool = False


def conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two sets of strong entities name different things: both non-empty and disjoint, or each
    side has a variant of one family the other lacks (``qwen3tts`` / ``qwen3vl``)."""
    if not a or not b:
        return False
    if a.isdisjoint(b):
        return True
    fam_a = {family(x) for x in a - b}
    fam_b = {family(x) for x in b - a}
    return bool((fam_a & fam_b) - {""})


def window_stats(feats: Sequence[Features], vectors: Mapping[str, np.ndarray] | None = None
                 ) -> WindowStats:
    """Name frequencies and, with vectors, each language's mean vector."""
    df: Counter[str] = Counter()
    by_lang: dict[str, list[np.ndarray]] = {}
    for f in feats:
        df.update(f.ents.names | f.ents.phrases | f.ents.strong)
        if vectors and f.id in vectors:
            by_lang.setdefault(f.lang, []).append(vectors[f.id])
    means = {lang: np.mean(vs, axis=0) for lang, vs in by_lang.items() if len(vs) >= 2}
    return WindowStats(dict(df), len(feats), means, _hubs(feats, vectors or {}), feats)


def _hubs(feats: Sequence[Features], vectors: Mapping[str, np.ndarray]
          ) -> dict[str, tuple[float, float]]:
    """Per post with a vector: its mean cosine to its :data:`NEIGHBOURS` nearest posts of the
    same language and of other languages (NaN where there are none), over at most
    :data:`NEIGHBOUR_POOL` posts of the window (evenly spaced), in blocks."""
    have = [f for f in feats if f.id in vectors]
    if len(have) < 2:
        return {}
    pool = have[:: max(1, math.ceil(len(have) / NEIGHBOUR_POOL))]
    matrix = np.stack([np.asarray(vectors[f.id], dtype=np.float32) for f in pool])
    pool_lang = np.array([f.lang for f in pool])
    same_lang = {lang: pool_lang == lang for lang in {f.lang for f in have}}
    in_pool = {f.id: k for k, f in enumerate(pool)}
    out: dict[str, tuple[float, float]] = {}
    for begin in range(0, len(have), 1024):
        block = have[begin : begin + 1024]
        cos = np.stack([np.asarray(vectors[f.id], dtype=np.float32) for f in block]) @ matrix.T
        for row, f in enumerate(block):
            if f.id in in_pool:  # not its own neighbour
                cos[row, in_pool[f.id]] = np.nan
            same = same_lang[f.lang]
            out[f.id] = (_top_mean(cos[row, same]), _top_mean(cos[row, ~same]))
    return out


def _top_mean(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    if not len(values):
        return math.nan
    k = min(NEIGHBOURS, len(values))
    return float(np.partition(values, len(values) - k)[len(values) - k :].mean())


def _weighted(shared: frozenset[str], stats: WindowStats) -> float:
    return min(CAP, sum(stats.weight(n) for n in shared)) if shared else 0.0


def _by_weight(names: frozenset[str], stats: WindowStats) -> list[str]:
    return sorted(names, key=lambda n: (-stats.weight(n), -len(n), n))


def evidence(fa: Features, fb: Features, stats: WindowStats, cos: float | None,
             explain: bool = False) -> Evidence:
    """The features of the pair ``fa``/``fb`` (in :data:`FEATURES` order); with ``explain``
    also what each feature found, in words (slower: only for reasons)."""
    a, b = fa.ents, fb.ents
    links = set(fa.links).intersection(fb.links) if fa.links and fb.links else set()
    strong = a.strong & b.strong
    spec_a, spec_b = fa.specific, fb.specific
    shared = spec_a & spec_b
    once = merged(shared, a.parts, b.parts) if shared and (a.parts or b.parts) else frozenset()
    names = shared - a.strong - b.strong - once if shared else shared
    common = fa.named & fb.named & COMMON_NAMES
    figures = a.figures & b.figures
    smaller = min(len(spec_a), len(spec_b)) - len(once)
    clash = conflict(a.strong, b.strong) if a.strong and b.strong else False
    cross = {fa.lang, fb.lang} == {"zh", "en"}
    words, matched = word_similarity(stats.weighed(fa), stats.weighed(fb), across=cross)
    gap = abs((fa.post.created_at - fb.post.created_at).total_seconds()) / 86400
    values = np.array([
        1.0 if links else 0.0,
        _weighted(strong, stats),
        _weighted(names, stats),
        min(2.0, float(len(common))),
        0.5 * bool(a.primary & spec_b) + 0.5 * bool(b.primary & spec_a),
        min(CAP, float(len(figures))),
        (len(shared) - len(once)) / smaller if smaller else 0.0,
        1.0 if clash else 0.0,
        text_similarity(fa, fb),
        0.0 if cross else 5 * words,
        5 * words if cross else 0.0,
        max(0.0, cos - stats.cosine_baseline(fa, fb)) * 5 if cos is not None else 0.0,
        min(2.0, gap),
        1.0 if fa.post.author.handle.lower() == fb.post.author.handle.lower() else 0.0,
        1.0 if cross else 0.0,
    ])
    details = _details(fa, fb, stats, matched, DETAILED) if explain else {}
    return Evidence(values, details, cos is not None)


DETAILED = ("link", "strong", "names", "common", "figures", "words", "translated", "conflict")


def details(fa: Features, fb: Features, stats: WindowStats, names: Collection[str],
            across: set[str] | None = None) -> dict[str, str]:
    """What the features ``names`` of the pair found, in words: the ``details`` of
    :func:`evidence` with ``explain``, only for these features (a reason shows a few).
    ``across``: the words of ``fa`` that ``fb`` matches across languages, when known."""
    matched: set[str] = set()
    if "words" in names or "translated" in names:
        if {fa.lang, fb.lang} == {"zh", "en"}:
            matched = across if across is not None else matched_words(stats.weighed(fa),
                                                                       stats.weighed(fb))
        else:
            matched = set(fa.words.keys() & fb.words.keys())  # what word_similarity matches
    return _details(fa, fb, stats, matched, names)


def _details(fa: Features, fb: Features, stats: WindowStats, matched: set[str],
             names: Collection[str]) -> dict[str, str]:
    a, b = fa.ents, fb.ents
    found: dict[str, list[str]] = {}
    if "link" in names:
        found["link"] = sorted(set(fa.links).intersection(fb.links))
    if "strong" in names:
        found["strong"] = _by_weight(a.strong & b.strong, stats)
    if "names" in names:
        shared = fa.specific & fb.specific  # a name's parts count once (:mod:`.nameparts`)
        found["names"] = _by_weight(shared - a.strong - b.strong - merged(shared, a.parts, b.parts),
                                    stats)
    if "common" in names:
        found["common"] = sorted(fa.named & fb.named & COMMON_NAMES)
    if "figures" in names:
        found["figures"] = sorted(a.figures & b.figures)
    if matched and ("words" in names or "translated" in names):
        weight = stats.word_weight
        ranked = sorted(matched, key=lambda w: (-weight(w), w))
        found.update((k, ranked) for k in ("words", "translated") if k in names)
    said = {k: ", ".join(v[:1] if k == "link" else v[:4]) for k, v in found.items() if v}
    if "conflict" in names and conflict(a.strong, b.strong):
        said["conflict"] = (f"{'/'.join(sorted(a.strong - b.strong)[:2])} vs "
                            f"{'/'.join(sorted(b.strong - a.strong)[:2])}")
    return said
