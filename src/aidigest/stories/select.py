"""Choose the digest's items from ranked stories: best first, at most ``items_max``, no more
than ``per_author_cap`` items whose representative has the same author, and varied topics
(a story naming the same specific thing as a chosen one waits). Constraints are relaxed in
that order (topics, then authors) only when too few stories qualify. Pure; does NOT score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from aidigest.models import Story
from aidigest.stories.entities import extract
from aidigest.stories.normalize import clean_text, to_simplified

__all__ = ["select_stories", "topic_keys"]


def topic_keys(story: Story) -> frozenset[str]:
    """What a story is about: the subject of its representative (versioned names first)."""
    ents = extract(clean_text(to_simplified(story.representative.text)))
    return (ents.primary & ents.strong) or ents.primary


def _pick(
    stories: Sequence[Story], chosen: list[Story], limit: int, cap: int | None, diverse: bool
) -> None:
    authors = Counter(s.representative.author.handle.lower() for s in chosen)
    topics = [topic_keys(s) for s in chosen]
    for story in stories:
        if len(chosen) >= limit:
            return
        if story in chosen:
            continue
        author = story.representative.author.handle.lower()
        if cap is not None and authors[author] >= cap:
            continue
        keys = topic_keys(story)
        if diverse and keys and any(keys & t for t in topics):
            continue
        chosen.append(story)
        authors[author] += 1
        topics.append(keys)


def select_stories(
    stories: Sequence[Story], items_min: int = 8, items_max: int = 12, per_author_cap: int = 3
) -> list[Story]:
    """The final ordered selection (best first), never a filtered story: up to ``items_max``
    under both constraints; the topic rule gives way to reach ``items_max``, the author cap
    only to reach ``items_min``."""
    ranked = sorted((s for s in stories if not s.filtered), key=lambda s: (-s.score, s.id))
    chosen: list[Story] = []
    _pick(ranked, chosen, items_max, per_author_cap, diverse=True)
    if len(chosen) < items_max:
        _pick(ranked, chosen, items_max, per_author_cap, diverse=False)
    if len(chosen) < items_min:
        _pick(ranked, chosen, items_min, None, diverse=False)
    order = {s.id: i for i, s in enumerate(ranked)}
    return sorted(chosen, key=lambda s: order[s.id])
