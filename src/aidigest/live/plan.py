"""Pure decisions of being live at the close: which stories ``prepare`` writes ahead within its
budget, when the scheduler polls and prepares while a window is open, and how many items
written ahead a published digest used or wasted.

The budget. A cold run makes ``chosen + 1`` calls (one per item, one for the categories). A
close after prepares pays only for what changed, so all prepares plus the close cost the cold
calls plus the speculative calls that were never used. ``prepare`` keeps that waste within
:data:`SPECULATION_SHARE` of the cold calls: once its calls not backed by a still-valid item
reach that share, it writes nothing more for the slot and the close writes the rest.

Does NOT call anything, read the store or the clock.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aidigest.models import Story

__all__ = ["CLOSE_WINDOW_SECONDS", "FINAL_LEAD_SECONDS", "MARGIN", "RESERVE", "SPECULATION_SHARE",
           "Plan", "WorkDue", "at_close", "plan_writes", "prepared_use", "work_due"]

#: stories written ahead beyond the chosen ones (for a late change of the selection), at most
MARGIN = 2
#: speculative calls the final prepare keeps free before it asks for the categories or writes
#: any margin: three items changed after it (a story that gains a post, one that a new story
#: pushes out, one whose borderline post the new posts move), what the issue's test wastes
RESERVE = 3
#: speculative calls allowed on top of a cold run's (the issue's bound: ≤ 1.3× cold)
SPECULATION_SHARE = 0.3
#: the last prepare starts this long before the close (it takes ~10 s with a 4 s model)
FINAL_LEAD_SECONDS = 60.0
#: a run that starts within this long after its slot's end is the slot's close: its latency
#: (slot end -> built page) is recorded; a later one (a catch-up, a manual ``digest`` of an
#: old slot) is not
CLOSE_WINDOW_SECONDS = 3600.0


def at_close(slot_end: datetime, started: datetime, window: float = CLOSE_WINDOW_SECONDS) -> bool:
    """Whether a run that ``started`` publishes its slot at the close: it began after the
    slot's end and within ``window`` seconds of it."""
    return 0 <= (started - slot_end).total_seconds() <= window


@dataclass(frozen=True)
class Plan:
    """What one prepare writes: ``write`` (best first), whether it asks for the categories,
    and the figures it decided on (shown by ``prepare`` and kept in its note)."""

    write: list[Story] = field(default_factory=list)
    categories: bool = False
    budget: int = 0
    waste: int = 0
    valid: int = 0
    held_back: int = 0  # chosen stories not written ahead (a periodic prepare, or the budget)

    def describe(self) -> str:
        return (f"{len(self.write)} to write ahead, {self.valid} already written and unchanged, "
                f"speculative calls not used so far {self.waste} of {self.budget} allowed"
                + (f", {self.held_back} held back" if self.held_back else ""))


def plan_writes(
    chosen: Sequence[Story], margin: Sequence[Story], hashes: dict[str, str],
    prepared: Collection[str], cached: Collection[str], spent: int, *, final: bool,
    at_end: bool = False,
) -> Plan:
    """Which stories to write ahead now.

    ``hashes``: story id → content hash; ``prepared``: hashes written ahead for this slot;
    ``cached``: hashes whose item is in the LLM cache; ``spent``: LLM calls of all earlier
    prepares of the slot. A periodic prepare (not ``final``) writes nothing: early in a
    window the top stories still grow and change rank (on the sample window, three of the
    four stories a periodic prepare wrote 30 minutes before the close changed by then). The
    final prepare writes every chosen story not cached and, with what the budget holds beyond
    :data:`RESERVE`, asks for the categories and writes up to :data:`MARGIN` more stories;
    nothing once the waste reached the budget.

    ``at_end``: the prepare at the window's end, during ``delay_seconds``. Only posts that
    arrive in that delay can still change the digest, so it keeps no :data:`RESERVE` and
    asks for the categories whenever the budget has room for one call; it writes no margin
    (the selection is as good as final).
    """
    budget = math.floor(SPECULATION_SHARE * (len(chosen) + 1))
    valid = sum(1 for s in chosen if hashes[s.id] in prepared)
    waste = max(0, spent - valid)
    room = budget - waste
    missing = [s for s in chosen if hashes[s.id] not in cached]
    if not final or room <= 0:
        return Plan([], False, budget, waste, valid, held_back=len(missing))
    if at_end:
        return Plan(missing, True, budget, waste, valid)
    spare = max(0, room - RESERVE)  # beyond RESERVE: the categories first, then the margin
    extra = [s for s in margin if hashes[s.id] not in cached][:min(MARGIN, max(0, spare - 1))]
    return Plan([*missing, *extra], spare >= 1, budget, waste, valid)


def prepared_use(published: Sequence[str], prepared: Collection[str]) -> tuple[int, int]:
    """(used, wasted): items written ahead that the digest published (by content hash), and
    the rest of what was written ahead."""
    used = len(set(published) & set(prepared))
    return used, len(set(prepared)) - used


@dataclass(frozen=True)
class WorkDue:
    """What the scheduler does now while a slot is open, and when it looks again."""

    action: str | None  # "poll" | "prepare" | "final" | "end" | None
    next_at: datetime | None


def work_due(
    now: datetime, slot_end: datetime, last_poll: datetime | None,
    last_prepare: datetime | None, final_done: bool, poll_minutes: float,
    prepare_minutes: float, final_lead: float = FINAL_LEAD_SECONDS, end_done: bool = True,
) -> WorkDue:
    """The next piece of work while the window ending at ``slot_end`` is open: the final
    prepare once ``final_lead`` seconds are left, a prepare every ``prepare_minutes`` (it
    fetches too), a poll every ``poll_minutes``. At the end, unless ``end_done``: the end
    prepare (the close's work done during ``delay_seconds``, see :func:`plan_writes`); then
    nothing (the close is due)."""
    if now >= slot_end:
        return WorkDue(None if end_done else "end", None)
    final_at = slot_end - timedelta(seconds=final_lead)
    if now >= final_at:
        return WorkDue(None, slot_end) if final_done else WorkDue("final", None)
    poll_every, prepare_every = timedelta(minutes=poll_minutes), timedelta(minutes=prepare_minutes)
    if last_prepare is None or now - last_prepare >= prepare_every:
        return WorkDue("prepare", None)
    if last_poll is None or now - last_poll >= poll_every:
        return WorkDue("poll", None)
    nxt = min(last_poll + poll_every, last_prepare + prepare_every, final_at)
    return WorkDue(None, nxt)
