"""What the close records about being live: how many items written ahead by ``prepare`` the
digest used and how many were wasted (into the run report), and the latency from the slot's
end to its built page (into the store, shown by ``status``). Called by the pipeline; does NOT
write or publish anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aidigest.live.plan import prepared_use
from aidigest.models import RunReport, Slot, Story
from aidigest.store import SlotLatency, Store
from aidigest.timeutil import iso_utc
from aidigest.writer import prompt as pr

__all__ = ["account_prepared", "record_latency"]


def account_prepared(store: Store, slot: Slot, stories: Sequence[Story], report: RunReport) -> None:
    """Items written ahead for ``slot`` that the digest's ``stories`` use (same content) and
    the rest (wasted), in ``report.llm`` (``prepared_used``, ``prepared_wasted``) and a note.
    Nothing when the slot was never prepared."""
    prepared = store.prepared_items(slot.key)
    if not prepared:
        return
    used, wasted = prepared_use([pr.content_hash(s) for s in stories], prepared)
    report.llm["prepared_used"] = used
    report.llm["prepared_wasted"] = wasted
    report.note(f"written ahead by prepare: {used} item(s) used, {wasted} wasted (their story "
                "changed or was not chosen)")


def record_latency(store: Store, slot: Slot, built_at: datetime, command: str,
                   report: RunReport) -> float:
    """Record (once per slot) the seconds from the slot's end to ``built_at``; returns them."""
    seconds = round((built_at - slot.end_utc).total_seconds(), 3)
    store.record_latency(SlotLatency(
        slot.key, iso_utc(slot.end_utc), iso_utc(built_at), seconds, command,
        int(report.llm.get("prepared_used", 0)), int(report.llm.get("prepared_wasted", 0))))
    report.llm["latency_s"] = seconds
    return seconds
