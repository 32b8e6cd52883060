"""The typed records the store takes and returns (frozen dataclasses; no dicts cross the
store's boundary). Posts come back as :class:`aidigest.models.Post` and run reports as
:class:`aidigest.models.RunReport`; everything else the store keeps has a record here.

Times are kept as the ISO 8601 text the store holds (UTC for instants the store stamps,
the digest's zone for ``made_at``), so a record prints and compares exactly as stored.
Does NOT query anything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from aidigest.models import RunReport

__all__ = [
    "AliasCount",
    "AliasEvidence",
    "Claim",
    "ClaimAttempt",
    "DigestItemRecord",
    "DigestRecord",
    "DigestSummary",
    "LlmCall",
    "LlmTotals",
    "PrepareRecord",
    "RunRecord",
    "SlotLatency",
    "SourceHealth",
    "SourceReads",
    "StoryLink",
    "StoryRecord",
]


@dataclass(frozen=True)
class DigestItemRecord:
    """One stored item of a digest (``post_ids``: every post of its story)."""

    slot: str
    position: int
    story_id: str
    post_id: str
    post_ids: tuple[str, ...]
    url: str
    title: str
    summary: str
    key_terms: tuple[str, ...]
    writer: str
    provider: str | None = None
    made_at: str | None = None  # the digest's made_at (filled by published_items_since)

    def to_dict(self) -> dict[str, Any]:
        """As the pure stories stage takes history (``aidigest.stories.novelty.prepare``)."""
        return asdict(self)


@dataclass(frozen=True)
class DigestRecord:
    """A stored digest with its items. ``state``: published | draft | held | rejected."""

    slot: str
    title: str
    made_at: str
    categories: tuple[str, ...]
    path: str | None
    published_at: str | None
    state: str
    reason: str | None
    markdown: str | None
    items: tuple[DigestItemRecord, ...] = ()


@dataclass(frozen=True)
class DigestSummary:
    """A digest as lists show it: no markdown, ``items`` is the item count."""

    slot: str
    title: str
    state: str
    reason: str | None
    path: str | None
    made_at: str
    published_at: str | None
    items: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RunRecord:
    """One recorded run. ``report`` is the stored run report (while the run is going, only
    its ``pid`` is set); ``outcome`` is as stored (see :func:`aidigest.status.run_outcome`)."""

    id: int
    slot: str
    command: str
    started_at: str
    finished_at: str | None
    outcome: str
    report: RunReport


@dataclass(frozen=True)
class StoryRecord:
    """A story of a slot as its last run saved it (no posts: ids only)."""

    slot: str
    story_id: str
    rank: int
    post_ids: tuple[str, ...]
    representative: str
    score: float
    reasons: tuple[str, ...]
    filtered: str | None
    score_parts: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class StoryLink:
    """A story of ``slot`` that continues an item of the earlier digest ``earlier_slot``:
    ``kind`` repeat (dropped) or update (published with the update mark), the new facts, and
    the evidence that the two are one event."""

    slot: str
    story_id: str
    kind: str
    earlier_slot: str
    earlier_post_id: str
    earlier_title: str
    earlier_url: str
    evidence: str
    score: float
    new_facts: tuple[str, ...]
    post_ids: tuple[str, ...]


@dataclass(frozen=True)
class SourceHealth:
    """A source's latest fetch, its skipped count and warnings, and its last success."""

    id: int
    source: str
    kind: str
    started_at: str
    ok: bool
    new: int
    updated: int
    pages: int
    http_status: int | None
    duration_s: float
    error: str | None
    stale: bool
    newest_at: str | None
    skipped: int = 0
    warnings: tuple[str, ...] = ()
    last_ok_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["warnings"] = list(self.warnings)
        return data


@dataclass(frozen=True)
class LlmCall:
    """One LLM request (failed attempts included), for accounting."""

    provider: str
    model: str
    outcome: str
    purpose: str = "item"
    run_id: int | None = None
    slot: str | None = None
    story_id: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cost: float = 0.0
    created_at: str | None = None  # stamped by the store when None


@dataclass(frozen=True)
class LlmTotals:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class AliasEvidence(NamedTuple):
    """A post writing ``spelling`` beside ``name``; ``kind``: paren (名字（Name）) | beside."""

    spelling: str
    name: str
    post_id: str
    kind: str


class AliasCount(NamedTuple):
    """How many posts wrote ``spelling`` for ``name``, in brackets and side by side."""

    spelling: str
    name: str
    paren: int
    beside: int


@dataclass(frozen=True)
class Claim:
    """Who holds a slot: ``owner`` (unique per worker process), its host and pid, and how
    many seconds of its lease are left by the store's clock (negative: expired)."""

    slot: str
    owner: str
    host: str
    pid: int
    claimed_at: str
    expires_in: float


@dataclass(frozen=True)
class ClaimAttempt:
    """The answer to a claim: ``acquired`` or not, and the claim that now stands."""

    acquired: bool
    claim: Claim | None


@dataclass(frozen=True)
class PrepareRecord:
    """What ``aidigest prepare`` did for one slot: how often it ran, the LLM calls all its runs
    spent, and the last run's outcome (prepared | failed | interrupted), counts and note."""

    slot: str
    runs: int
    calls: int
    stories: int
    written: int
    outcome: str
    note: str | None
    first_at: str
    last_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SourceReads:
    """Posts one source returned while one slot was open (``rereads``: already stored)."""

    slot: str
    source: str
    polls: int
    reads: int
    rereads: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SlotLatency:
    """A published slot: seconds from the slot's end to its built page, and how many items
    written ahead by ``prepare`` were published (``used``) or not (``wasted``)."""

    slot: str
    slot_end: str
    built_at: str
    seconds: float
    command: str
    used: int = 0
    wasted: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
