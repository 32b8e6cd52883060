"""Domain types shared by every stage: posts in, digests out.

Plain frozen dataclasses: they carry data and tiny derived properties, no I/O and no policy.
``Slot`` lives in :mod:`aidigest.slots` and is re-exported here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from aidigest.slots import Slot

__all__ = [
    "Author",
    "Continuation",
    "Digest",
    "DigestItem",
    "ItemProgress",
    "ItemReport",
    "Metrics",
    "Post",
    "RunReport",
    "Slot",
    "SourceReport",
    "Story",
]

METRIC_NAMES = ("likes", "reposts", "replies", "quotes", "bookmarks", "views")


@dataclass(frozen=True)
class Author:
    """An account that posts. ``handle`` is the stable key (without ``@``, case kept)."""

    handle: str
    name: str = ""
    followers: int | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.handle


@dataclass(frozen=True)
class Metrics:
    """Public engagement counts at fetch time (they change; re-ingesting updates them)."""

    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    bookmarks: int = 0
    views: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Metrics:
        data = data or {}
        values: dict[str, int] = {}
        for name in METRIC_NAMES:
            raw = data.get(name)
            try:
                values[name] = max(0, int(raw)) if raw is not None else 0
            except (TypeError, ValueError, OverflowError):  # None-like, text, inf
                values[name] = 0
        return cls(**values)

    def to_dict(self) -> dict[str, int]:
        return {"likes": self.likes, "reposts": self.reposts, "replies": self.replies,
                "quotes": self.quotes, "bookmarks": self.bookmarks, "views": self.views}

    @property
    def engagement(self) -> float:
        """One number for ranking: weighted interactions (views count little)."""
        return (
            self.likes
            + 2.0 * self.reposts
            + 1.5 * self.quotes
            + 1.0 * self.replies
            + 1.0 * self.bookmarks
            + self.views / 1000.0
        )


@dataclass(frozen=True)
class Post:
    """One post (a tweet, a feed entry) in the interchange shape of DESIGN.md.

    ``created_at`` is always timezone-aware (UTC). ``raw`` is the upstream payload as JSON
    text, kept by the store; it is not part of the interchange format.
    """

    id: str
    url: str
    author: Author
    created_at: datetime
    text: str
    platform: str = "x"
    lang: str | None = None
    links: tuple[str, ...] = ()
    reply_to: str | None = None
    quote_of: str | None = None
    repost_of: str | None = None
    conversation_id: str | None = None
    metrics: Metrics = field(default_factory=Metrics)
    source: str = ""
    raw: str | None = None

    @property
    def is_repost(self) -> bool:
        return self.repost_of is not None


@dataclass(frozen=True)
class Continuation:
    """A story's link to an item of an earlier digest that reported the same event.

    ``kind``: ``repeat`` (nothing new: the story is dropped) or ``update`` (``new_facts``
    occur in the story's new posts and in none of the item's posts). ``slot``/``label``: the
    earlier digest (``2026-02-18T08`` / ``2026.02.18.08``); ``title``, ``summary``,
    ``post_id``, ``url``: the published item; ``evidence``: why the two are one event.
    """

    kind: str
    slot: str
    label: str
    title: str
    summary: str
    post_id: str
    url: str
    evidence: str
    score: float = 0.0
    new_facts: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        where = f"{self.slot}: {self.title}"
        if self.kind == "repeat":
            return f"already published in {where} ({self.evidence})"
        return f"update of {where} (new: {', '.join(self.new_facts[:4])})"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "new_facts": list(self.new_facts)}


@dataclass(frozen=True)
class Story:
    """Posts about one event, with a transparent score.

    ``reasons`` says in words why the story scored as it did or why it was filtered;
    ``filtered`` is set (to a short reason) when the story must not reach the digest.
    """

    id: str
    posts: tuple[Post, ...]
    representative: Post
    score: float = 0.0
    score_parts: dict[str, float] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    filtered: str | None = None
    continues: Continuation | None = None  # the earlier item it repeats or updates

    @property
    def post_ids(self) -> list[str]:
        return [p.id for p in self.posts]

    @property
    def authors(self) -> list[str]:
        seen: dict[str, None] = {}
        for p in self.posts:
            seen.setdefault(p.author.handle, None)
        return list(seen)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "posts": self.post_ids,
            "representative": self.representative.id,
            "score": round(self.score, 4),
            "score_parts": {k: round(v, 4) for k, v in self.score_parts.items()},
            "reasons": list(self.reasons),
            "filtered": self.filtered,
            "authors": self.authors,
            "url": self.representative.url,
            "text": self.representative.text[:200],
            "continues": self.continues.to_json() if self.continues else None,
        }


@dataclass(frozen=True)
class DigestItem:
    """One numbered item: a headline (without the author suffix), a summary and its link."""

    title: str
    summary: str
    url: str
    author_name: str
    story_id: str
    post_id: str
    key_terms: tuple[str, ...] = ()
    writer: str = "offline"
    provider: str | None = None  # the LLM provider that wrote it; None for the offline writer


@dataclass(frozen=True)
class Digest:
    """A finished digest for one slot, ready to render."""

    slot: Slot
    made_at: datetime
    categories: tuple[str, ...]
    items: tuple[DigestItem, ...]
    series: str = "过去4小时全球AI发生了什么？"

    @property
    def title(self) -> str:
        return f"{self.slot.label} {self.series}"


@dataclass
class SourceReport:
    """What one source did in one fetch."""

    name: str
    kind: str
    ok: bool = True
    new: int = 0
    updated: int = 0
    pages: int = 0
    http_status: int | None = None
    duration_s: float = 0.0
    error: str | None = None
    stale: bool = False
    newest_at: str | None = None
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    reads: int = 0  # posts the source returned (the X API bills each read)


@dataclass
class ItemReport:
    """How one digest item was written.

    ``outcome``: ok | cached | repaired | regenerated | fallback (offline writer used) |
    failed (no item: ``fallback_reason`` says why). ``attempts`` counts HTTP attempts.
    """

    story_id: str
    writer: str
    outcome: str = "ok"
    notes: list[str] = field(default_factory=list)
    provider: str | None = None
    attempts: int = 0
    fallback_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class ItemProgress:
    """One step of the write stage, for a progress display: item ``n`` of ``total`` ended
    with ``outcome`` after ``seconds`` (``provider`` None: not written by an LLM)."""

    n: int
    total: int
    story_id: str
    outcome: str
    provider: str | None
    seconds: float
    title: str = ""


@dataclass
class RunReport:
    """Everything a run did, per source and per item; stored as JSON in ``runs``.

    ``outcome``: running | published | published-with-warnings | skipped | empty | dry-run |
    draft (review mode) | held (the LLM could not write enough items) | stopped |
    interrupted | failed | claimed (another worker holds the slot; this one left it).
    (Stores written before 0.2 also hold ``published-with-errors``.)

    ``errors`` are what ended the run (outcome failed or interrupted); a problem that did not
    stop it (a failed source, the Hugo build, a git push, a notification, items written
    offline) is one of ``warnings``: shown as ``warning:`` on stderr, by ``status`` and
    ``report``, and sent in the notification's ``"warning"``.
    """

    slot: str
    started_at: str
    finished_at: str | None = None
    outcome: str = "running"
    sources: list[SourceReport] = field(default_factory=list)
    items: list[ItemReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # did not stop the run; shown everywhere
    stories: int = 0
    posts_in_window: int = 0
    published_path: str | None = None
    llm: dict[str, float] = field(default_factory=dict)
    pid: int | None = None  # the process that ran it (status: a dead pid is never "running")

    def note(self, message: str) -> None:
        self.notes.append(message)

    def error(self, message: str) -> None:
        """A problem that ended the run (its outcome is failed or interrupted)."""
        self.errors.append(message)

    def warn(self, message: str) -> None:
        """A problem the run went on past (it still published, held or found nothing)."""
        self.warnings.append(message)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], slot: str = "", started_at: str = "") -> RunReport:
        """A stored report back as a RunReport; missing keys (a run still going stores only
        its pid) take their defaults, unknown keys are ignored."""
        known = {f.name for f in fields(cls)} - {"sources", "items"}
        values = {k: v for k, v in data.items() if k in known}
        values.setdefault("slot", slot)
        values.setdefault("started_at", started_at)
        return cls(
            **values,
            sources=[_known(SourceReport, s) for s in data.get("sources") or []],
            items=[_known(ItemReport, i) for i in data.get("items") or []],
        )


def _known(kind: Any, data: dict[str, Any]) -> Any:
    """``kind(**data)`` with only the fields ``kind`` has (older or newer stored reports)."""
    names = {f.name for f in fields(kind)}
    return kind(**{k: v for k, v in data.items() if k in names})
