"""Group posts into events: structural joins, then scored pairs, then average-link merging.

1. Structural joins are forced: a repost with its original, a quote with what it quotes, a
   self-reply (thread) with the post it answers.
2. Candidate pairs come only from blocking (inverted indexes on canonical links and entities,
   MinHash-LSH bands on text shingles), never from all pairs, so the work grows near-linearly.
3. Each candidate pair is scored by the fitted :class:`~.scorer.PairModel` over the evidence of
   :mod:`.pairs`; an LLM verdict (optional, see :func:`borderline`) overrides the score.
4. Pairs at or above the link threshold are taken strongest first; two groups merge only when
   the mean log-odds over all their cross pairs reaches the group threshold (average link), so
   A and C are never joined through B when A and C are different events.

Deterministic: posts are processed in ``(created_at, id)`` order and ties break on position.
Does NOT score stories, filter or choose a representative (see :mod:`.rank`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, islice

import numpy as np

from aidigest.stories.batch import PostTable, evidence_matrix
from aidigest.stories.features import BANDS, ROWS, Features, minhash_signatures
from aidigest.stories.pairs import FEATURES, Evidence, WindowStats, details, evidence, window_stats
from aidigest.stories.scorer import PairModel, default_model

__all__ = ["Group", "Scored", "borderline", "group_posts", "pair_key"]

BIG_BUCKET = 30  # above this, a bucket links neighbours only, not all pairs
NAME_BUCKET = 25  # names shared by more posts than this are not used for blocking
FIGURE_BUCKET = 6  # nor figures shared by more posts than this (10%, $20 are everywhere)
REASONS = 4  # join reasons kept per story (the strongest first)
LSH_MIN = 0.3  # estimated shingle Jaccard a pair found by the bands alone must reach
GROUP_SAMPLE = 16  # members per side compared when two big groups meet
CLIP_HIGH = 8.0
GROUP_CAP = 2.0  # log-odds above the link threshold that one pair brings to a group's mean
BATCH_MIN = 8  # fewer unscored pairs than this are scored one by one
PRIME_BLOCK = 2048  # pairs whose evidence is computed in one batch, at most
AHEAD_EDGES = 1024  # edges looked ahead for pairs to score in the same batch, at most
Verdicts = Mapping[tuple[str, str], bool]
_COSINE, _CROSS = FEATURES.index("cosine"), FEATURES.index("cross_lang")


@dataclass
class Group:
    """The member indices of one event and why they were joined."""

    members: list[int]
    reasons: list[str] = field(default_factory=list)


@dataclass
class Scored:
    """The window's features, statistics and pair scores (log-odds), computed once."""

    feats: Sequence[Features]
    stats: WindowStats
    vectors: dict[int, np.ndarray]
    model: PairModel
    verdicts: Verdicts
    cache: dict[tuple[int, int], float] = field(default_factory=dict)

    @cached_property
    def table(self) -> PostTable:
        return PostTable(self.feats, self.stats)

    def prime(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Score the pairs not scored yet, all at once (the same numbers as :meth:`score`)."""
        cache = self.cache
        todo = sorted({p for i, j in pairs if (p := (i, j) if i < j else (j, i)) not in cache})
        if len(todo) < BATCH_MIN:
            for i, j in todo:
                self.score(i, j)
            return
        for begin in range(0, len(todo), PRIME_BLOCK):  # each pair's row is its own: blocks
            part = todo[begin : begin + PRIME_BLOCK]  # bound the temporary arrays (100k posts)
            a = np.array([i for i, _ in part], dtype=np.int64)
            b = np.array([j for _, j in part], dtype=np.int64)
            values, has = evidence_matrix(self.table, self.stats, a, b, self.vectors)
            cache.update(zip(part, self.model.scores(values, has).tolist(), strict=True))
        for i, j in todo if self.verdicts else ():
            verdict = self.verdicts.get(pair_key(self.feats[i].id, self.feats[j].id))
            if verdict is not None:
                cache[(i, j)] = self._verdict(verdict)

    def release(self) -> None:
        """Drop the batch table, the pair scores and the posts' weighed words (most of the
        memory at 100k posts) once grouping is done: :meth:`explain` recomputes what it needs
        (the same numbers), for the few pairs it explains."""
        self.__dict__.pop("table", None)
        self.cache.clear()
        self.stats.release()

    def _verdict(self, same: bool) -> float:
        return self.model.link_logit + 2.0 if same else -8.0

    def score(self, i: int, j: int) -> float:
        if i > j:
            i, j = j, i
        if (i, j) not in self.cache:
            a, b = self.feats[i], self.feats[j]
            verdict = self.verdicts.get(pair_key(a.id, b.id))
            if verdict is not None:
                value = self._verdict(verdict)
            else:
                value = self.model.score(evidence(a, b, self.stats, self._cos(i, j)))
            self.cache[(i, j)] = value
        return self.cache[(i, j)]

    def explain(self, i: int, j: int) -> str:
        a, b = self.feats[i], self.feats[j]
        if pair_key(a.id, b.id) in self.verdicts:
            return "same event (LLM verdict)"
        return self.model.explain(evidence(a, b, self.stats, self._cos(i, j), explain=True))

    def explain_many(self, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """:meth:`explain` of many pairs (the same text): the numbers come in batches, and
        only the features a reason names are put in words."""
        todo = sorted(set(pairs))
        said = {}
        for begin in range(0, len(todo), PRIME_BLOCK):
            part = todo[begin : begin + PRIME_BLOCK]
            a = np.array([i for i, _ in part], dtype=np.int64)
            b = np.array([j for _, j in part], dtype=np.int64)
            values, has = evidence_matrix(self.table, self.stats, a, b, self.vectors)
            cross = np.flatnonzero(values[:, _CROSS] > 0)
            across = dict(zip(cross.tolist(), self.table.matched(a[cross], b[cross]),
                              strict=True))
            for row, (i, j), vector in zip(range(len(part)), part, has.tolist(), strict=True):
                said[(i, j)] = self._explain_row(i, j, values[row], vector, across.get(row))
        return said

    def _explain_row(self, i: int, j: int, values: np.ndarray, has_vectors: bool,
                     across: set[str] | None) -> str:
        fa, fb = self.feats[i], self.feats[j]
        if pair_key(fa.id, fb.id) in self.verdicts:
            return "same event (LLM verdict)"
        if has_vectors and (cos := self._cos(i, j)) is not None:  # as evidence() has it
            values[_COSINE] = max(0.0, cos - self.stats.cosine_baseline(fa, fb)) * 5
        return self.model.explain(Evidence(values, {}, has_vectors),
                                  details=lambda names: details(fa, fb, self.stats, names,
                                                                across))

    def _cos(self, i: int, j: int) -> float | None:
        if i in self.vectors and j in self.vectors:
            return float(self.vectors[i] @ self.vectors[j])
        return None


def pair_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


class _Components:
    """Union-find keeping each component's members and join reasons."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}
        self.reasons: dict[int, list[str | tuple[int, int]]] = defaultdict(list)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int, reason: str | tuple[int, int]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if (len(self.members[ra]), rb) < (len(self.members[rb]), ra):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        self.reasons[ra].extend(self.reasons.pop(rb, []))
        if reason:
            self.reasons[ra].append(reason)


def _structural(feats: Sequence[Features], comps: _Components) -> None:
    index = {f.id: i for i, f in enumerate(feats)}
    for i, f in enumerate(feats):
        p = f.post
        handle = p.author.handle.lower()
        if p.repost_of in index:
            comps.union(i, index[p.repost_of], "")
        if p.quote_of in index:
            comps.union(i, index[p.quote_of], f"@{p.author.handle} quotes @"
                        f"{feats[index[p.quote_of]].post.author.handle}")
        parent = index.get(p.reply_to or "")
        if parent is not None and feats[parent].post.author.handle.lower() == handle:
            comps.union(i, parent, f"thread by @{p.author.handle}")
        root = index.get(p.conversation_id or "")
        if root is not None and root != i and feats[root].post.author.handle.lower() == handle:
            comps.union(i, root, f"thread by @{p.author.handle}")


def _bucket_pairs(bucket: list[int], limit: int = BIG_BUCKET) -> Iterable[tuple[int, int]]:
    if len(bucket) <= limit:
        for x in range(len(bucket)):
            for y in range(x + 1, len(bucket)):
                yield bucket[x], bucket[y]
        return
    for x in range(len(bucket)):
        for y in range(x + 1, min(len(bucket), x + 4)):
            yield bucket[x], bucket[y]


def candidates(feats: Sequence[Features], active: list[int]) -> set[tuple[int, int]]:
    """Candidate pairs from links, entities and figures, and from MinHash-LSH bands (no
    all-pairs); a pair only the bands found is kept when its estimated text similarity
    reaches :data:`LSH_MIN` (the bands catch near-copies; looser pairs share names)."""
    index: dict[str, list[int]] = defaultdict(list)
    for i in active:
        ents = feats[i].ents
        for k in sorted({*feats[i].links}):
            index["L" + k].append(i)
        for k in sorted(ents.strong | ents.phrases):
            index["S" + k].append(i)
        for k in sorted(ents.names):
            index["N" + k].append(i)
        for k in sorted(ents.figures):
            index["F" + k].append(i)
    pairs: set[tuple[int, int]] = set()
    for k, bucket in index.items():
        if len(bucket) < 2 or len(bucket) > (
                FIGURE_BUCKET if k[0] == "F" else NAME_BUCKET if k[0] == "N" else 10**9):
            continue
        pairs.update(_bucket_pairs(bucket))
    sigs = minhash_signatures([feats[i] for i in active])
    row_of = {i: row for row, i in enumerate(active)}
    banded = _banded(sigs, np.array(active, dtype=np.int64),
                     np.array([len(feats[i].shingles) > 0 for i in active], dtype=bool))
    only = sorted(banded - pairs)
    for begin in range(0, len(only), PRIME_BLOCK):  # blocks bound the (pairs x 64) arrays
        part = only[begin : begin + PRIME_BLOCK]
        left = np.array([row_of[i] for i, _ in part])
        right = np.array([row_of[j] for _, j in part])
        similar = (sigs[left] == sigs[right]).mean(axis=1) >= LSH_MIN
        pairs.update(p for p, keep in zip(part, similar, strict=True) if keep)
    return pairs


def _banded(sigs: np.ndarray, ids: np.ndarray, usable: np.ndarray) -> set[tuple[int, int]]:
    """Pairs of posts whose signatures agree on all rows of some band (LSH): per band, rows
    sorted by the band's values; runs of equal values are buckets (in post order)."""
    found: set[tuple[int, int]] = set()
    rows = np.flatnonzero(usable)
    for band in range(BANDS):
        block = sigs[rows, band * ROWS : (band + 1) * ROWS]
        order = np.lexsort(block.T[::-1])
        ordered = block[order]
        change = np.any(ordered[1:] != ordered[:-1], axis=1)
        edges = np.flatnonzero(np.concatenate(([True], change, [True])))
        shared = np.diff(edges) > 1  # runs of two or more posts
        for begin, end in zip(edges[:-1][shared].tolist(), edges[1:][shared].tolist(),
                              strict=True):
            members = np.sort(rows[order[begin:end]])
            found.update(_bucket_pairs(ids[members].tolist()))
    return found


def score_window(
    feats: Sequence[Features], embeddings: Mapping[str, Sequence[float] | np.ndarray] | None,
    model: PairModel | None = None, verdicts: Verdicts | None = None,
) -> tuple[Scored, list[int], set[tuple[int, int]]]:
    """The scoring state of a window, its original (non-repost) posts and candidate pairs."""
    active = [i for i, f in enumerate(feats) if not f.post.is_repost]
    vectors = {
        i: np.asarray(embeddings[f.id], dtype=np.float32)
        for i, f in enumerate(feats) if embeddings and f.id in embeddings
    }
    by_id = {feats[i].id: v for i, v in vectors.items()}
    scored = Scored(feats, window_stats([feats[i] for i in active], by_id), vectors,
                    model or default_model(), verdicts or {})
    return scored, active, candidates(feats, active)


class _AverageLink:
    """Average link as groups grow: the mean log-odds over the cross pairs of two groups
    (originals only, the first :data:`GROUP_SAMPLE` of each side), each capped at
    :data:`GROUP_CAP` so one very sure pair cannot outvote a clearly different one (A–B sure,
    B–C sure, A–C unrelated: C does not join A and B). Pairs not scored yet are scored in
    batches together with those the next edges will likely ask about."""

    def __init__(self, scored: Scored, comps: _Components,
                 edges: list[tuple[float, int, int]]) -> None:
        self.scored, self.comps, self.edges = scored, comps, edges
        self.heads: dict[int, list[int]] = {}
        self.merges = [0] * len(scored.feats)  # per root: merges into it so far
        self.scored_groups: set[int] = set()  # groups (tags) whose cross pairs are all scored

    def _tag(self, ra: int, rb: int) -> int:
        """Two groups as they stand now (their roots and how often each has grown), as one
        number (a set of them stays small at 100k posts)."""
        if ra > rb:
            ra, rb = rb, ra
        n = len(self.merges)
        return ((ra * n + self.merges[ra]) * n + rb) * n + self.merges[rb]

    def _head(self, root: int) -> list[int]:
        found = self.heads.get(root)
        if found is None:
            feats = self.scored.feats
            originals = (i for i in self.comps.members[root] if not feats[i].post.is_repost)
            found = self.heads[root] = list(islice(originals, GROUP_SAMPLE))
        return found

    def keys(self, ra: int, rb: int) -> list[tuple[int, int]]:
        right = self._head(rb)
        return [(i, j) if i < j else (j, i) for i in self._head(ra) for j in right]

    def mean(self, at: int, ra: int, rb: int) -> float:
        """The average link of the groups ``ra`` and ``rb`` (joined by edge ``at``)."""
        keys = self.keys(ra, rb)
        if not keys:
            return CLIP_HIGH
        cache, tag = self.scored.cache, self._tag(ra, rb)
        if tag not in self.scored_groups and not all(k in cache for k in keys):
            self.scored.prime(chain(keys, self._ahead(at)))
        self.scored_groups.add(tag)
        total = sum(min(GROUP_CAP, cache[k]) for k in keys)  # prime left them all in the cache
        return total / len(keys)

    def _ahead(self, at: int) -> Iterator[tuple[int, int]]:
        """Unscored cross pairs of the edges after ``at`` as the groups stand now, up to
        about :data:`PRIME_BLOCK` (a merge in between may change what is asked: such pairs
        are scored when asked; the numbers are the same either way)."""
        comps, cache, found, done = self.comps, self.scored.cache, 0, self.scored_groups
        find, members, merges, n = comps.find, comps.members, self.merges, len(self.merges)
        for _neg, i, j in self.edges[at + 1 : at + 1 + AHEAD_EDGES]:  # hot: _tag inlined
            ra, rb = find(i), find(j)
            if ra == rb or (len(members[ra]) == 1 and len(members[rb]) == 1):
                continue
            if ra > rb:
                ra, rb = rb, ra
            tag = ((ra * n + merges[ra]) * n + rb) * n + merges[rb]
            if tag in done:
                continue
            done.add(tag)  # scored in the batch this feeds
            new = [k for k in self.keys(ra, rb) if k not in cache]
            yield from new
            found += len(new)
            if found >= PRIME_BLOCK:
                return

    def merge(self, ra: int, rb: int, reason: tuple[int, int]) -> None:
        self.comps.union(ra, rb, reason)
        for root in (ra, rb):
            self.heads.pop(root, None)
            self.merges[root] += 1


def group_posts(
    feats: Sequence[Features],
    embeddings: Mapping[str, Sequence[float] | np.ndarray] | None = None,
    model: PairModel | None = None,
    verdicts: Verdicts | None = None,
) -> list[Group]:
    """Groups of indices into ``feats`` (which must be in ``(created_at, id)`` order)."""
    comps = _Components(len(feats))
    _structural(feats, comps)
    scored, _active, pairs = score_window(feats, embeddings, model, verdicts)
    link = scored.model.link_logit
    scored.prime(pairs)
    edges = sorted((-s, i, j) for i, j in pairs if (s := scored.score(i, j)) >= link)
    scored.prime(_reachable_pairs(feats, edges))
    average = _AverageLink(scored, comps, edges)
    for at, (neg, i, j) in enumerate(edges):
        ra, rb = comps.find(i), comps.find(j)
        if ra == rb:
            continue
        if len(comps.members[ra]) == 1 and len(comps.members[rb]) == 1:
            mean = min(GROUP_CAP, -neg)  # two lone posts: the mean is this pair's own score
        else:
            mean = average.mean(at, ra, rb)
        if mean < scored.model.group_threshold:
            continue
        average.merge(ra, rb, (i, j))  # explained below, only where a story shows it
    del average
    scored.cache.clear()  # the pair scores are done (most of the memory at 100k posts)
    shown = {root: comps.reasons.get(root, [])[:REASONS] for root in comps.members}
    explained = scored.explain_many(r for rs in shown.values() for r in rs if isinstance(r, tuple))
    scored.release()  # the batch arrays are done
    groups = [Group(sorted(members), [_say(scored, r, explained) for r in shown[root]])
              for root, members in comps.members.items()]
    return sorted(groups, key=lambda g: g.members[0])


def _reachable_pairs(feats: Sequence[Features], edges: list[tuple[float, int, int]],
                     limit: int = 64) -> list[tuple[int, int]]:
    """Every pair average link may ask about, so they are scored in one batch: groups only
    grow along structural joins and linked pairs, so both posts of such a pair lie in one
    component of that graph (components over ``limit`` posts are left to be scored on demand)."""
    reach = _Components(len(feats))
    _structural(feats, reach)
    for _neg, i, j in edges:
        reach.union(i, j, "")
    found: list[tuple[int, int]] = []
    for members in reach.members.values():
        originals = sorted(i for i in members if not feats[i].post.is_repost)
        if 2 < len(originals) <= limit:
            found.extend((a, b) for x, a in enumerate(originals) for b in originals[x + 1 :])
    return found


def _say(scored: Scored, reason: str | tuple[int, int],
         explained: Mapping[tuple[int, int], str]) -> str:
    if isinstance(reason, str):
        return reason
    i, j = reason
    pa, pb = scored.feats[i].post, scored.feats[j].post
    return f"@{pa.author.handle} / @{pb.author.handle} {explained[reason]}"


def borderline(
    feats: Sequence[Features],
    embeddings: Mapping[str, Sequence[float] | np.ndarray] | None = None,
    model: PairModel | None = None,
    band: float = 2.0,
    limit: int = 20,
) -> list[tuple[str, str, float]]:
    """Candidate pairs scored just under the link threshold (within ``band`` log-odds), best
    first, at most ``limit``: the pairs an LLM may be asked about."""
    scored, _active, pairs = score_window(feats, embeddings, model)
    link = scored.model.link_logit
    scored.prime(pairs)
    found = []
    for i, j in sorted(pairs):
        s = scored.score(i, j)
        if link - band <= s < link:
            found.append((feats[i].id, feats[j].id, s))
    return sorted(found, key=lambda t: (-t[2], t[0], t[1]))[:limit]
