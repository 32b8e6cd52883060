"""The evidence of many pairs at once: the same numbers as :func:`.pairs.evidence`, computed
as numpy columns over a window's posts instead of one pair at a time.

Each post's sets (links, names, figures, words, senses) become integer ids in CSR arrays, once
per window (:class:`PostTable`). For a list of pairs, two sets are intersected for all pairs
together by joining ``(pair, id)`` keys (:meth:`_Pairs.hits`, each join once per batch), and
the per-pair sums are ``bincount``s. Only the version-conflict check and the shingle Jaccard
stay per pair (plain set operations on the few pairs that need them).

Pure and deterministic. Does NOT explain a pair in words (see :func:`.pairs.evidence` with
``explain``), decide (see :mod:`.scorer`) or group (see :mod:`.cluster`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from aidigest.stories.entities import COMMON_NAMES, family
from aidigest.stories.features import Features, sorted_unique
from aidigest.stories.gloss import _chinese_senses as chinese_senses
from aidigest.stories.nameparts import merged_keys
from aidigest.stories.pairs import CAP, FEATURES, WindowStats

__all__ = ["PostTable", "evidence_matrix"]

_COL = {name: i for i, name in enumerate(FEATURES)}


@dataclass(frozen=True)
class _Csr:
    """Per-post id sets: post ``k`` holds ``ids[ptr[k]:ptr[k + 1]]`` (unique within a post)."""

    ptr: np.ndarray
    ids: np.ndarray

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.ptr)


class _Vocab:
    """Strings (or other keys) → dense integer ids."""

    def __init__(self) -> None:
        self.ids: dict[Hashable, int] = {}

    def csr(self, sets: Iterable[Collection[Hashable]]) -> _Csr:
        groups = list(sets)
        ids = self.ids
        add = ids.setdefault
        flat = [add(item, len(ids)) for item in chain.from_iterable(groups)]
        ptr = np.zeros(len(groups) + 1, dtype=np.int64)
        np.cumsum([len(g) for g in groups], out=ptr[1:])
        return _Csr(ptr, np.array(flat, dtype=np.int64))

    def values(self, fn: Callable[[Hashable], float]) -> np.ndarray:
        """``fn(key)`` for every id, as a float array indexed by id."""
        out = np.zeros(len(self.ids), dtype=np.float64)
        for item, i in self.ids.items():
            out[i] = fn(item)
        return out


def _expand(table: _Csr, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pair index, id) for every id of every post in ``rows``."""
    starts = table.ptr[rows]
    sizes = table.ptr[rows + 1] - starts
    owner = np.repeat(np.arange(len(rows), dtype=np.int64), sizes)
    if not len(owner):
        return owner, owner
    shift = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes)  # row start minus its offset
    return owner, table.ids[np.arange(len(owner), dtype=np.int64) + shift]


class _Pairs:
    """The pairs ``(a[p], b[p])`` of one batch. Each post set is expanded once per side, and
    each join of two sets done once, however many features read them."""

    def __init__(self, a: np.ndarray, b: np.ndarray) -> None:
        self.a, self.b = a, b
        self._expanded: dict[tuple[int, bool], tuple[np.ndarray, np.ndarray]] = {}
        self._hits: dict[tuple[int, int, bool], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def expand(self, table: _Csr, first: bool) -> tuple[np.ndarray, np.ndarray]:
        """:func:`_expand` of the first (``a``) or second (``b``) posts, remembered."""
        key = (id(table), first)
        found = self._expanded.get(key)
        if found is None:
            found = self._expanded[key] = _expand(table, self.a if first else self.b)
        return found

    def hits(self, left: _Csr, right: _Csr, width: int, swap: bool = False
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pair index, id, held) for every id post ``a[p]`` holds in ``left`` (``b[p]`` when
        ``swap``): held when the pair's other post holds the id in ``right``."""
        key = (id(left), id(right), swap)
        found = self._hits.get(key)
        if found is None:
            owner, ids = self.expand(left, not swap)
            owner_o, ids_o = self.expand(right, swap)
            held = (np.isin(owner * width + ids, owner_o * width + ids_o, assume_unique=True)
                    if len(owner) and len(owner_o) else np.zeros(len(owner), dtype=bool))
            found = self._hits[key] = (owner, ids, held)
        return found


class PostTable:
    """A window's posts as id arrays, with the window's weights per id (built once)."""

    def __init__(self, feats: Sequence[Features], stats: WindowStats) -> None:
        self.feats = feats
        vocab = _Vocab()
        ents = [f.ents for f in feats]
        self.links = vocab.csr(f.links for f in feats)
        self.strong = vocab.csr(e.strong for e in ents)
        self.spec = vocab.csr(f.specific for f in feats)
        self.soft = vocab.csr(f.specific - f.ents.strong for f in feats)
        rel = [sorted(e.parts) if e.parts else () for e in ents]  # name parts, their wholes
        self.part = vocab.csr([p for p, _ in r] for r in rel)
        self.whole = vocab.csr([w for _, w in r] for r in rel)
        self.primary = vocab.csr(e.primary for e in ents)
        self.common = vocab.csr(f.named & COMMON_NAMES for f in feats)
        self.figures = vocab.csr(e.figures for e in ents)
        sizes = np.array([len(f.shingles) for f in feats], dtype=np.int64)
        self.shingles = _Csr(np.concatenate(([0], np.cumsum(sizes))), np.concatenate(
            [np.zeros(0, dtype=np.uint32), *(f.shingles for f in feats)]))
        self.family_names: dict[str, int] = {}
        self.family = np.array([self.family_names.setdefault(f, len(self.family_names))
                                if (f := family(k) if isinstance(k, str) else "") else -1
                                for k in vocab.ids], dtype=np.int64)
        self.name_weight = vocab.values(lambda k: stats.weight(k) if isinstance(k, str) else 0.0)
        self.width = max(1, len(vocab.ids))
        self._words(feats, stats)
        self.lang = np.array([f.lang for f in feats])
        self.author = np.array([f.post.author.handle.lower() for f in feats])
        self.time = np.array([f.post.created_at.timestamp() for f in feats], dtype=np.float64)

    def _words(self, feats: Sequence[Features], stats: WindowStats) -> None:
        """Word ids (stems and Chinese words) per post and, for matching across languages, the
        senses of each word id (a stem: itself; a Chinese word: itself and its senses' stems)."""
        vocab = _Vocab()
        self.words = vocab.csr((*f.words.stems, *f.words.chinese) for f in feats)
        chinese = {w for f in feats for w in f.words.chinese}
        self.word_senses = vocab.csr(chinese_senses(w) if w in chinese else (w,)
                                     for w in list(vocab.ids))
        self.word_names: list[str] = [str(w) for w in vocab.ids]
        top = math.log(stats.n + 1)
        df = stats.word_df
        self.word_weight = vocab.values(lambda w: max(top - math.log(1 + df.get(str(w), 0)), 0.05))
        self.word_width = max(1, len(vocab.ids))
        owner = np.repeat(np.arange(len(feats)), self.words.sizes)
        self.word_total = np.bincount(owner, weights=self.word_weight[self.words.ids],
                                      minlength=len(feats))

    def counts(self, table: _Csr, pairs: _Pairs) -> np.ndarray:
        owner, _ids, held = pairs.hits(table, table, self.width)
        return np.bincount(owner[held], minlength=len(pairs.a)).astype(np.float64)

    def weighted(self, table: _Csr, pairs: _Pairs, drop: np.ndarray | None = None
                 ) -> np.ndarray:
        owner, ids, held = pairs.hits(table, table, self.width)
        owner, ids = owner[held], ids[held]
        if drop is not None and len(drop):  # keys pair * width + id that do not count
            keep = ~np.isin(owner * self.width + ids, drop)
            owner, ids = owner[keep], ids[keep]
        total = np.bincount(owner, weights=self.name_weight[ids], minlength=len(pairs.a))
        return np.minimum(CAP, total)

    def shares(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per pair, both ways: the weight of one post's words that match a sense of the
        other's, over its total (across languages: a Chinese word matches through any of its
        senses)."""
        width = self.word_width
        owner_a, word_a, sense_a = self._senses(a)
        owner_b, word_b, sense_b = self._senses(b)
        out = []
        for owner, word, sense, other in ((owner_a, word_a, sense_a, owner_b * width + sense_b),
                                          (owner_b, word_b, sense_b, owner_a * width + sense_a)):
            hit = np.isin(owner * width + sense, other)
            matched = sorted_unique(owner[hit] * width + word[hit])
            out.append(np.bincount(matched // width, weights=self.word_weight[matched % width],
                                   minlength=len(a)))
        ta, tb = self.word_total[a], self.word_total[b]
        zero = np.zeros(len(a))
        return (np.divide(out[0], ta, out=zero.copy(), where=ta > 0),
                np.divide(out[1], tb, out=zero.copy(), where=tb > 0))

    def matched(self, a: np.ndarray, b: np.ndarray) -> list[set[str]]:
        """Per pair: the words of post ``a[p]`` that match a sense of post ``b[p]``'s words
        (across languages; :func:`~.gloss.matched_words` of the two)."""
        width = self.word_width
        owner_a, word_a, sense_a = self._senses(a)
        owner_b, _word_b, sense_b = self._senses(b)
        hit = np.isin(owner_a * width + sense_a, owner_b * width + sense_b)
        found: list[set[str]] = [set() for _ in range(len(a))]
        names = self.word_names
        for pair, word in zip(owner_a[hit].tolist(), word_a[hit].tolist(), strict=True):
            found[pair].add(names[word])
        return found

    def _senses(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pair index, word id, sense id) for every sense of every word of posts ``rows``."""
        owner, word = _expand(self.words, rows)
        at, sense = _expand(self.word_senses, word)
        return owner[at], word[at], sense

    def same_words(self, pairs: _Pairs) -> np.ndarray:
        """Per pair: weight of the words both posts use (one language)."""
        owner, ids, held = pairs.hits(self.words, self.words, self.word_width)
        return np.bincount(owner[held], weights=self.word_weight[ids[held]],
                           minlength=len(pairs.a))


def _harmonic(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    out = np.zeros(len(x))
    ok = (x > 0) & (y > 0)
    out[ok] = 2 * x[ok] * y[ok] / (x[ok] + y[ok])
    return out


def evidence_matrix(table: PostTable, stats: WindowStats, a: np.ndarray, b: np.ndarray,
                    vectors: dict[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The :data:`~.pairs.FEATURES` rows of the pairs ``(a[p], b[p])`` (indices into the
    table's posts) and, per pair, whether both posts have vectors."""
    x = np.zeros((len(a), len(FEATURES)))
    if not len(a):
        return x, np.zeros(0, dtype=bool)
    pairs = _Pairs(a, b)
    x[:, _COL["link"]] = table.counts(table.links, pairs) > 0
    x[:, _COL["strong"]] = table.weighted(table.strong, pairs)
    once = _merged(table, pairs)  # a name's parts count once (:mod:`.nameparts`)
    x[:, _COL["names"]] = table.weighted(table.soft, pairs, drop=once)
    x[:, _COL["common"]] = np.minimum(2.0, table.counts(table.common, pairs))
    x[:, _COL["subject"]] = _subject(table, pairs)
    x[:, _COL["figures"]] = np.minimum(CAP, table.counts(table.figures, pairs))
    merges = np.bincount(once // table.width, minlength=len(a))
    smaller = np.minimum(table.spec.sizes[a], table.spec.sizes[b]).astype(np.float64) - merges
    shared_spec = table.counts(table.spec, pairs) - merges
    x[:, _COL["overlap"]] = np.divide(shared_spec, smaller, out=np.zeros(len(a)), where=smaller > 0)
    x[:, _COL["conflict"]] = _conflicts(table, pairs)
    x[:, _COL["text"]] = _text(table, a, b)
    cross = _cross(table.lang[a], table.lang[b])
    x[:, _COL["words"]] = np.where(cross, 0.0, 5 * _same_language(table, pairs))
    x[:, _COL["translated"]] = np.where(cross, 5 * _across(table, a, b, cross), 0.0)
    cos, has = _cosines(vectors, a, b)
    feats = table.feats
    baseline = np.array([stats.cosine_baseline(feats[i], feats[j]) if has[p] else 0.0
                         for p, (i, j) in enumerate(zip(a.tolist(), b.tolist(), strict=True))])
    x[:, _COL["cosine"]] = np.where(has, np.maximum(0.0, cos - baseline) * 5, 0.0)
    x[:, _COL["gap"]] = np.minimum(2.0, np.abs(table.time[a] - table.time[b]) / 86400)
    x[:, _COL["same_author"]] = table.author[a] == table.author[b]
    x[:, _COL["cross_lang"]] = cross
    return x, has


def _merged(table: PostTable, pairs: _Pairs) -> np.ndarray:
    """:func:`.nameparts.merged_keys` of the pairs, from both posts' (part, whole) relations."""
    if not len(table.part.ids):
        return np.zeros(0, dtype=np.int64)
    owner, ids, held = pairs.hits(table.spec, table.spec, table.width)
    (oa, pa), (_, wa) = pairs.expand(table.part, True), pairs.expand(table.whole, True)
    (ob, pb), (_, wb) = pairs.expand(table.part, False), pairs.expand(table.whole, False)
    return merged_keys(np.concatenate((oa, ob)), np.concatenate((pa, pb)),
                       np.concatenate((wa, wb)), owner[held] * table.width + ids[held],
                       table.width)


def _cross(la: np.ndarray, lb: np.ndarray) -> np.ndarray:
    return ((la == "zh") & (lb == "en")) | ((la == "en") & (lb == "zh"))


def _subject(table: PostTable, pairs: _Pairs) -> np.ndarray:
    n = len(pairs.a)
    owner, _ids, held = pairs.hits(table.primary, table.spec, table.width)
    one = np.bincount(owner[held], minlength=n) > 0
    owner, _ids, held = pairs.hits(table.primary, table.spec, table.width, swap=True)
    two = np.bincount(owner[held], minlength=n) > 0
    return 0.5 * one + 0.5 * two


def _conflicts(table: PostTable, pairs: _Pairs) -> np.ndarray:
    """:func:`.pairs.conflict` per pair: both posts name versions, and the sets are disjoint
    or each side has a version of one family (``qwen``) that the other lacks."""
    a, b = pairs.a, pairs.b
    sizes = table.strong.sizes
    both = (sizes[a] > 0) & (sizes[b] > 0)
    shared = table.counts(table.strong, pairs)
    families = len(table.family_names) + 1
    only = []
    for swap in (False, True):
        owner, ids, held = pairs.hits(table.strong, table.strong, table.width, swap)
        alone = ~held
        fam = table.family[ids[alone]]
        only.append(owner[alone][fam >= 0] * families + fam[fam >= 0])
    clash = np.zeros(len(a), dtype=bool)
    both_sides = np.sort(np.concatenate((sorted_unique(only[0]), sorted_unique(only[1]))))
    clash[both_sides[1:][both_sides[1:] == both_sides[:-1]] // families] = True
    return (both & ((shared == 0) | clash)).astype(np.float64)


def _text(table: PostTable, a: np.ndarray, b: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """Exact shingle Jaccard per pair: each side's ``(pair, shingle)`` keys come out sorted
    (posts' shingles are sorted and unique), so a stable sort of both merges two sorted runs
    (linear) and every shingle the two posts share is a repeated key."""
    out = np.zeros(len(a))
    sizes = table.shingles.sizes
    for begin in range(0, len(a), chunk):
        left, right = a[begin : begin + chunk], b[begin : begin + chunk]
        owner_a, ids_a = _expand(table.shingles, left)
        owner_b, ids_b = _expand(table.shingles, right)
        if not len(ids_a) or not len(ids_b):
            continue
        keys = np.concatenate(((owner_a << 32) | ids_a.astype(np.int64),
                               (owner_b << 32) | ids_b.astype(np.int64)))
        keys.sort(kind="stable")
        inter = np.bincount(keys[1:][keys[1:] == keys[:-1]] >> 32, minlength=len(left))
        size_a, size_b = sizes[left], sizes[right]
        out[begin : begin + len(left)] = np.divide(
            inter, size_a + size_b - inter, out=np.zeros(len(left)), where=(size_a > 0) & (size_b > 0))
    return out


def _same_language(table: PostTable, pairs: _Pairs) -> np.ndarray:
    a, b = pairs.a, pairs.b
    common = table.same_words(pairs)
    ta, tb = table.word_total[a], table.word_total[b]
    ok = (ta > 0) & (tb > 0)
    share_a = np.divide(common, ta, out=np.zeros(len(a)), where=ok)
    share_b = np.divide(common, tb, out=np.zeros(len(a)), where=ok)
    return _harmonic(share_a, share_b)


def _across(table: PostTable, a: np.ndarray, b: np.ndarray, cross: np.ndarray) -> np.ndarray:
    out = np.zeros(len(a))
    rows = np.flatnonzero(cross)
    if len(rows):
        out[rows] = _harmonic(*table.shares(a[rows], b[rows]))
    return out


def _cosines(vectors: dict[int, np.ndarray], a: np.ndarray, b: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    has = np.array([i in vectors and j in vectors for i, j in zip(a.tolist(), b.tolist(),
                                                                  strict=True)], dtype=bool)
    cos = np.zeros(len(a))
    rows = np.flatnonzero(has)
    if len(rows):
        left = np.stack([vectors[int(i)] for i in a[rows]])
        right = np.stack([vectors[int(j)] for j in b[rows]])
        cos[rows] = np.einsum("ij,ij->i", left, right)
    return cos, has
