"""The store: the only state shared between stages, behind one typed protocol
(:class:`aidigest.store.protocol.Store`) with two backends: SQLite (a file, the default) and
PostgreSQL (a ``postgresql://`` URL; several hosts share it). It persists and answers
queries; it holds no business logic (no ranking, no writing, no rendering).
"""

from __future__ import annotations

from pathlib import Path

from aidigest.store.protocol import Store
from aidigest.store.records import (
    AliasCount,
    AliasEvidence,
    Claim,
    ClaimAttempt,
    DigestItemRecord,
    DigestRecord,
    DigestSummary,
    LlmCall,
    LlmTotals,
    PrepareRecord,
    RunRecord,
    SlotLatency,
    SourceHealth,
    SourceReads,
    StoryRecord,
)

__all__ = [
    "AliasCount", "AliasEvidence", "Claim", "ClaimAttempt", "DigestItemRecord", "DigestRecord",
    "DigestSummary", "LlmCall", "LlmTotals", "PrepareRecord", "RunRecord", "SlotLatency",
    "SourceHealth", "SourceReads", "Store", "StoryRecord", "open_store",
]


def open_store(target: str | Path, busy_timeout: float = 15.0) -> Store:
    """Open (creating and migrating as needed) the store at ``target``: a ``postgresql://``
    URL, else a SQLite file path. ``busy_timeout``: how long a SQLite writer waits for
    another process's lock before a StoreError says the store is locked."""
    from aidigest.store.postgres import PostgresStore, is_postgres_url

    if is_postgres_url(target):
        return PostgresStore(str(target))
    from aidigest.store.db import SqliteStore

    return SqliteStore(Path(target), busy_timeout)
