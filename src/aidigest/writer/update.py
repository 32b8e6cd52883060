"""Updates of stories published in an earlier slot, as both writers and the gate see them.

An item whose story is an update (:class:`~aidigest.models.Continuation` kind ``update``) has a
headline that starts with ``[render] update_prefix`` (``更新：``) and a summary that leads with
what is new and names the earlier digest by its slot label (``2026.02.18.08``). The gate checks
that the summary names at least one of the update's new facts, that each named new fact occurs
in the story's posts, and that it does not repeat the earlier item's summary.

Pure. Does NOT decide what is an update (see :mod:`aidigest.stories.continuity`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aidigest.models import Continuation, Story
from aidigest.stories.entities import extract
from aidigest.stories.normalize import clean_text, to_simplified

__all__ = ["DEFAULT_PREFIX", "Update", "mark", "named_facts", "update_of", "without_mark"]

DEFAULT_PREFIX = "更新："


def update_of(story: Story) -> Continuation | None:
    """The story's update link, or None (a new story, or a repeat)."""
    link = story.continues
    return link if link is not None and link.kind == "update" else None


def mark(title: str, prefix: str = DEFAULT_PREFIX) -> str:
    """``title`` with the update prefix (once)."""
    return prefix + without_mark(title, prefix)


def without_mark(title: str, prefix: str = DEFAULT_PREFIX) -> str:
    stripped = title.strip()
    return stripped[len(prefix):].lstrip() if prefix and stripped.startswith(prefix) else stripped


def lead(label: str) -> str:
    """The words that open an update's summary in the offline writer: they name the earlier
    digest (the new facts follow)."""
    return f"{label} 期报道后的新进展："


def _keys(text: str) -> set[str]:
    e = extract(clean_text(to_simplified(text.replace("**", ""))))
    return set(e.strong | e.phrases | e.names | e.figures)


def named_facts(text: str, facts: Sequence[str]) -> list[str]:
    """The new facts that ``text`` names (as entity keys, whatever their spelling)."""
    found = _keys(text)
    return [f for f in facts if f in found]


@dataclass(frozen=True)
class Update:
    """What the gate checks an update item against."""

    prefix: str
    label: str
    earlier_summary: str
    new_facts: tuple[str, ...]
    marked: bool  # the headline carried the prefix
    require_mark: bool = True  # False: the writer adds the prefix after the gate (LLM answers)

    @classmethod
    def of(cls, story: Story, title: str, prefix: str = DEFAULT_PREFIX,
           require_mark: bool = True) -> Update | None:
        link = update_of(story)
        if link is None:
            return None
        return cls(prefix, link.label, link.summary, link.new_facts,
                   title.strip().startswith(prefix), require_mark)


def check(update: Update, summary: str, posts: Sequence[str],
          near_same: float = 0.6) -> list[tuple[str, str]]:
    """(rule, message) for each update rule ``summary`` breaks."""
    found: list[tuple[str, str]] = []
    if update.require_mark and not update.marked:
        found.append(("update-mark", f"the headline of an update must start with "
                                     f"“{update.prefix}”"))
    if update.label not in summary:
        found.append(("update-mark", f"the summary of an update must name the earlier digest "
                                     f"({update.label})"))
    named = named_facts(summary, update.new_facts)
    in_posts = set().union(*(_keys(p) for p in posts)) if posts else set()
    if not named:
        shown = "、".join(update.new_facts[:4])
        found.append(("update-news", f"the summary of an update must say what is new (one of: "
                                     f"{shown})"))
    elif missing := [f for f in named if f not in in_posts]:
        found.append(("update-news", f"new facts not in the new posts: {', '.join(missing)}"))
    if update.earlier_summary and _repeats(summary, update.earlier_summary, near_same):
        found.append(("update-repeat", "the summary repeats the earlier digest's summary; "
                                       "lead with what is new"))
    return found


def _grams(text: str) -> set[str]:
    norm = "".join(ch for ch in text.replace("**", "").casefold() if ch.isalnum())
    return {norm[i:i + 3] for i in range(max(0, len(norm) - 2))}


def _repeats(summary: str, earlier: str, near_same: float) -> bool:
    """Most of the summary's character trigrams are the earlier summary's."""
    mine, theirs = _grams(summary), _grams(earlier)
    return bool(mine) and len(mine & theirs) / len(mine) >= near_same
