"""Turn a group of posts into a :class:`Story` with a score a person can read.

score = source_weight × (engagement + authors + recency + content) × novelty, where

- engagement: log2(1 + sum over posts of engagement / the author's usual level), at most 5,
- authors: 1.5 × log2(distinct authors), reposts by other accounts included,
- recency: 1 for a post at the window's end, 0 at its start (newest in-window post),
- content: up to 0.5 for an informative representative (length, named things),
- novelty: 1, or 0.7 for an update of a published story (repeats are filtered; see
  :mod:`.continuity`).

Every part is kept in ``score_parts`` and explained in ``reasons``. Pure; does NOT cluster or
select (see :mod:`.cluster`, :mod:`.select`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aidigest.models import Post, Story
from aidigest.stories.continuity import Continuity
from aidigest.stories.features import Features
from aidigest.stories.relevance import Relevance

__all__ = ["Context", "make_story", "representative"]

UPDATE = 0.7


@dataclass(frozen=True)
class Context:
    """Everything ranking needs besides the group itself."""

    start: datetime | None
    end: datetime | None
    relevance: Relevance
    baselines: Mapping[str, float] = field(default_factory=dict)
    fallback_baseline: float = 1.0
    source_weights: Mapping[str, float] = field(default_factory=dict)
    continuity: Continuity | None = None
    min_score: float = 0.0

    def inside(self, post: Post) -> bool:
        if self.start is None or self.end is None:
            return True
        return self.start <= post.created_at < self.end


def fallback_baseline(posts: Sequence[Post]) -> float:
    """The median engagement of the window's original posts (for authors without history)."""
    values = [p.metrics.engagement for p in posts if not p.is_repost]
    return max(1.0, statistics.median(values)) if values else 1.0


def _info(f: Features) -> float:
    ents = f.ents
    return min(len(f.text), 280) / 280 + 0.2 * min(len(ents.strong | ents.phrases), 3)


def representative(members: Sequence[Features], ctx: Context) -> Features:
    """An original post (never a repost): preferably inside the window, not a reply or quote,
    informative and engaged; ties go to the earliest post."""
    originals = [f for f in members if not f.post.is_repost] or list(members)

    def rank(f: Features) -> tuple[float, datetime, str]:
        p = f.post
        base = (2.0 if ctx.inside(p) else 0.0) + (0.0 if p.quote_of or p.reply_to else 0.6)
        eng = math.log2(1 + p.metrics.engagement / max(self_baseline(p, ctx), 1.0))
        return (-(base + _info(f) + 0.5 * eng), p.created_at, p.id)

    return min(originals, key=rank)


def self_baseline(post: Post, ctx: Context) -> float:
    return ctx.baselines.get(post.author.handle, ctx.fallback_baseline)


def _engagement(members: Sequence[Features], ctx: Context) -> tuple[float, str]:
    """log2(1 + summed engagement ratios of the original posts); the reason names the best."""
    best, who, total = 0.0, "", 0.0
    for f in members:
        if f.post.is_repost:
            continue
        ratio = f.post.metrics.engagement / max(self_baseline(f.post, ctx), 1.0)
        total += ratio
        if ratio > best:
            best, who = ratio, f.post.author.handle
    reason = f"engagement {best:.1f}x @{who}'s usual" if who else ""
    return min(5.0, math.log2(1 + total)), reason


def _recency(members: Sequence[Features], ctx: Context) -> float:
    inside = [f.post.created_at for f in members if ctx.inside(f.post)]
    newest = max(inside or [f.post.created_at for f in members])
    end = ctx.end or max(f.post.created_at for f in members)
    span = (ctx.end - ctx.start) if ctx.start and ctx.end else timedelta(hours=4)
    return max(0.0, min(1.0, 1 - (end - newest) / span))


def _parts(members: Sequence[Features], rep: Features, ctx: Context) -> tuple[dict[str, float],
                                                                                 list[str]]:
    eng, eng_reason = _engagement(members, ctx)
    authors = sorted({f.post.author.handle for f in members})
    weight = max((ctx.source_weights.get(f.post.source, 1.0) for f in members), default=1.0)
    parts = {
        "engagement": round(eng, 4),
        "authors": round(1.5 * math.log2(len(authors)), 4),
        "recency": round(_recency(members, ctx), 4),
        "content": round(min(0.5, _info(rep) / 2.4), 4),
        "source_weight": weight,
        "novelty": 1.0,
    }
    reasons = [f"{len(authors)} author{'s' * (len(authors) > 1)}: "
               + ", ".join("@" + a for a in authors[:5]) + ("…" if len(authors) > 5 else "")]
    if eng_reason:
        reasons.append(eng_reason)
    if weight != 1.0:
        reasons.append(f"source weight {weight:g}")
    return parts, reasons


def _total(parts: Mapping[str, float]) -> float:
    base = parts["engagement"] + parts["authors"] + parts["recency"] + parts["content"]
    return parts["source_weight"] * base * parts["novelty"]


def _filter(members: Sequence[Features], rep: Features, ctx: Context) -> tuple[str | None, str]:
    if rep.post.is_repost:
        return "original missing", "only reposts; the original post is not available"
    topics = [t for t in (ctx.relevance.why(f) for f in members if not f.post.is_repost) if t]
    if not topics:
        return "off-topic", "no post mentions an AI keyword or entity"
    return None, f"on topic: {sorted(set(topics))[0]}"


def make_story(members: Sequence[Features], join_reasons: Sequence[str], core: frozenset[str],
               ctx: Context) -> Story:
    """The story of one group: representative, score parts, reasons, filter verdict."""
    rep = representative(members, ctx)
    parts, reasons = _parts(members, rep, ctx)
    filtered, topic = _filter(members, rep, ctx)
    reasons.append(topic)
    fresh = [f for f in members if ctx.inside(f.post) and not f.post.is_repost]
    link = (ctx.continuity.check(members, fresh)
            if filtered is None and ctx.continuity is not None else None)
    if link is not None:
        reasons.append(link.reason)
        if link.kind == "repeat":
            filtered = "already published"
        else:
            parts["novelty"] = UPDATE
            facts = set(link.new_facts)
            carriers = [f for f in fresh if facts & (f.ents.strong | f.ents.phrases | f.ents.figures)]
            rep = representative(carriers, ctx) if carriers else rep
    score = _total(parts)
    if filtered is None and score < ctx.min_score:
        filtered = "low score"
        reasons.append(f"score {score:.2f} below min_score {ctx.min_score:g}")
    reasons.extend(join_reasons[:4])
    posts = tuple(f.post for f in members)
    return Story(id=f"s-{rep.post.id}", posts=posts, representative=rep.post, score=score,
                 score_parts=parts, reasons=tuple(reasons), filtered=filtered,
                 continues=link)
