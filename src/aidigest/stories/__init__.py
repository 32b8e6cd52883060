"""The ``stories`` stage: posts in, ranked stories out (pure; no I/O).

:func:`build_stories` normalises posts, joins threads, quotes and reposts, clusters posts
about one event across authors and languages, drops off-topic and already-published stories
(saying why), and ranks the rest with a readable score. :func:`select_stories` picks the
digest's items. :func:`aidigest.stories.embed.embeddings_for` (the only I/O) computes and caches
embeddings for the caller to pass in. Does NOT fetch, write or publish anything.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from aidigest.config import StoriesSection
from aidigest.models import Post, Slot, Story
from aidigest.stories.cluster import group_posts
from aidigest.stories.features import Features, featurize
from aidigest.stories.novelty import prepare
from aidigest.stories.rank import Context, fallback_baseline, make_story
from aidigest.stories.relevance import Relevance
from aidigest.stories.select import select_stories

__all__ = ["build_stories", "select_stories"]


def _context(
    posts: Sequence[Post], slot: Slot | None, settings: StoriesSection,
    history: Sequence[Mapping[str, Any]], baselines: Mapping[str, float] | None,
    source_weights: Mapping[str, float] | None,
) -> Context:
    relevance = Relevance.build(settings.keywords, settings.entities, settings.exclude_keywords,
                                settings.default_keywords)
    return Context(
        start=slot.start_utc if slot else None,
        end=slot.end_utc if slot else None,
        relevance=relevance,
        baselines=dict(baselines or {}),
        fallback_baseline=fallback_baseline(posts),
        source_weights=dict(source_weights or {}),
        published=prepare(history),
        min_score=settings.min_score,
    )


def _core(members: Sequence[Features]) -> frozenset[str]:
    counts: Counter[str] = Counter()
    for f in members:
        if not f.post.is_repost:
            counts.update(f.ents.strong)
    need = max(1, math.ceil(sum(1 for f in members if not f.post.is_repost) / 3))
    return frozenset(e for e, n in counts.items() if n >= need)


def build_stories(
    posts: Sequence[Post],
    *,
    slot: Slot | None = None,
    settings: StoriesSection | None = None,
    history: Sequence[Mapping[str, Any]] = (),
    baselines: Mapping[str, float] | None = None,
    source_weights: Mapping[str, float] | None = None,
    embeddings: Mapping[str, Sequence[float] | np.ndarray] | None = None,
) -> list[Story]:
    """Every story with at least one post inside ``slot`` (all stories when no slot),
    filtered ones included, best first (unfiltered before filtered, then by score)."""
    settings = settings or StoriesSection()
    unique = {p.id: p for p in posts}
    ordered = sorted(unique.values(), key=lambda p: (p.created_at, p.id))
    feats = [featurize(p) for p in ordered]
    ctx = _context(ordered, slot, settings, history, baselines, source_weights)
    stories = []
    for group in group_posts(feats, embeddings):
        members = [feats[i] for i in group.members]
        if not any(ctx.inside(f.post) for f in members):
            continue
        stories.append(make_story(members, group.reasons, _core(members), ctx))
    return sorted(stories, key=lambda s: (s.filtered is not None, -s.score, s.id))
