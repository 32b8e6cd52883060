"""The ``stories`` stage: posts in, ranked stories out (pure; no I/O).

:func:`build_stories` normalises posts, joins threads, quotes and reposts, clusters posts
about one event across authors and languages, drops off-topic and already-published stories
(saying why), and ranks the rest with a readable score. :func:`select_stories` picks the
digest's items. Embeddings, history, mined aliases and LLM verdicts come in as arguments (the
pipeline reads them from the store: :func:`aidigest.pipeline.stories_between`). Does NOT
fetch, store, write or publish anything.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from aidigest.config import StoriesSection
from aidigest.models import Post, Slot, Story
from aidigest.stories.cluster import Verdicts, group_posts
from aidigest.stories.continuity import Continuity, prepare
from aidigest.stories.entities import Lexicon
from aidigest.stories.features import Features, collector_paused, featurize_many
from aidigest.stories.rank import Context, fallback_baseline, make_story
from aidigest.stories.relevance import Relevance
from aidigest.stories.scorer import PairModel
from aidigest.stories.select import select_stories
from aidigest.stories.versions import resolve_window

__all__ = ["build_stories", "featurize_posts", "select_stories"]


def _context(
    posts: Sequence[Post], window: tuple[datetime, datetime] | None, settings: StoriesSection,
    baselines: Mapping[str, float] | None, source_weights: Mapping[str, float] | None,
    continuity: Continuity | None,
) -> Context:
    relevance = Relevance.build(settings.keywords, settings.entities, settings.exclude_keywords,
                                settings.default_keywords)
    return Context(
        start=window[0] if window else None,
        end=window[1] if window else None,
        relevance=relevance,
        baselines=dict(baselines or {}),
        fallback_baseline=fallback_baseline(posts),
        source_weights=dict(source_weights or {}),
        continuity=continuity,
        min_score=settings.min_score,
    )


def _core(members: Sequence[Features]) -> frozenset[str]:
    counts: Counter[str] = Counter()
    for f in members:
        if not f.post.is_repost:
            counts.update(f.ents.strong)
    need = max(1, math.ceil(sum(1 for f in members if not f.post.is_repost) / 3))
    return frozenset(e for e, n in counts.items() if n >= need)


@collector_paused()
def featurize_posts(posts: Sequence[Post], aliases: Mapping[str, str] | None = None) -> list[Features]:
    """The matching features of ``posts`` (duplicates dropped, in ``(created_at, id)`` order)
    with the package's aliases plus ``aliases``: what :func:`build_stories` and
    :func:`~.cluster.borderline` work on, computed once when both need it. The cyclic garbage
    collector is paused meanwhile (:func:`~.features.collector_paused`)."""
    ordered = sorted({p.id: p for p in posts}.values(), key=lambda p: (p.created_at, p.id))
    return resolve_window(featurize_many(ordered, Lexicon.build(aliases) if aliases else None))


@collector_paused()
def build_stories(
    posts: Sequence[Post],
    *,
    slot: Slot | None = None,
    settings: StoriesSection | None = None,
    history: Sequence[Mapping[str, Any]] = (),
    baselines: Mapping[str, float] | None = None,
    source_weights: Mapping[str, float] | None = None,
    embeddings: Mapping[str, Sequence[float] | np.ndarray] | None = None,
    window: tuple[datetime, datetime] | None = None,
    aliases: Mapping[str, str] | None = None,
    model: PairModel | None = None,
    verdicts: Verdicts | None = None,
    features: Sequence[Features] | None = None,
) -> list[Story]:
    """Every story with at least one post inside the window (``slot`` or ``window`` =
    ``(start, end)`` in UTC; all stories when neither), filtered ones included, best first
    (unfiltered before filtered, then by score). ``aliases``: extra spellings → name key
    (configured and mined); ``verdicts``: LLM answers for pairs (same event or not);
    ``features``: :func:`featurize_posts` of these posts and aliases, when already computed.
    Python's cyclic garbage collector is paused while it runs
    (:func:`~.features.collector_paused`)."""
    settings = settings or StoriesSection()
    if window is None and slot is not None:
        window = (slot.start_utc, slot.end_utc)
    feats = list(features) if features is not None else featurize_posts(posts, aliases)
    ordered = [f.post for f in feats]
    groups = group_posts(feats, embeddings, model, verdicts)
    published = prepare(history, Lexicon.build(aliases) if aliases else None) if history else []
    continuity = (Continuity.build(published, feats, [g.members for g in groups], embeddings,
                                   model) if published else None)
    ctx = _context(ordered, window, settings, baselines, source_weights, continuity)
    stories = []
    for group in groups:
        members = [feats[i] for i in group.members]
        if not any(ctx.inside(f.post) for f in members):
            continue
        stories.append(make_story(members, group.reasons, _core(members), ctx))
    return sorted(stories, key=lambda s: (s.filtered is not None, -s.score, s.id))
