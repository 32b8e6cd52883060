"""Writers turn selected stories into digest items (headline, summary, key terms) and pick
the digest's categories.

Two implementations: the offline extractive writer (:mod:`aidigest.writer.offline`, the
default and the fallback) and the LLM writer (:mod:`aidigest.writer.llm`). A writer does NOT
render or publish, and never returns an item that fails the quality gate
(:mod:`aidigest.writer.gate`): an item it could not write is ``None`` (the pipeline's failure
policy decides what replaces it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from aidigest.models import DigestItem, RunReport, Story


class Writer(Protocol):
    """What the pipeline needs from a writer."""

    name: str

    def edit(
        self, candidates: Sequence[Story], items_min: int, items_max: int, report: RunReport
    ) -> list[Story]:
        """Pick and order the final stories (an editor pass); may return ``candidates[:max]``."""
        ...

    def write_items(
        self, stories: Sequence[Story], report: RunReport
    ) -> Sequence[DigestItem | None]:
        """As many entries as ``stories``, in order: an item past the quality gate, or None
        where the item could not be written (its ``report.items`` entry says why: outcome
        "failed" or "rejected" and a ``fallback_reason``)."""
        ...

    def categories(
        self, items: Sequence[DigestItem], previous: Sequence[str], report: RunReport
    ) -> list[str]:
        """3–5 short Chinese tags, preferring ``previous`` (tags earlier digests used)."""
        ...
