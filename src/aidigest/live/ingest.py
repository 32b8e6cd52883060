"""Continuous ingest: one poll of the sources while a slot is open, its reads counted per slot
(the X API bills every post it returns; with ``since_id`` cursors each post is returned once),
and the embeddings of the window's new posts computed at once, so the close finds them cached.

Does NOT build stories or write anything (see :mod:`aidigest.live.prepare`).
"""

from __future__ import annotations

from collections.abc import Sequence

from aidigest.config import Config
from aidigest.embeddings import embeddings_for
from aidigest.models import SourceReport
from aidigest.slots import Slot
from aidigest.sources.runner import fetch_all
from aidigest.store import Store
from aidigest.stories.feature_cache import FeatureCache
from aidigest.window import warm_features, window_posts

__all__ = ["poll", "record_reads"]


def record_reads(store: Store, slot_key: str, reports: Sequence[SourceReport]) -> None:
    """Count one fetch's reads under ``slot_key``: posts each source returned, and how many of
    those were already stored (a re-read: for X, a read billed twice)."""
    for report in reports:
        store.add_source_reads(slot_key, report.name, report.reads, report.updated)


def poll(cfg: Config, store: Store, slot: Slot, features: FeatureCache | None = None
         ) -> list[SourceReport]:
    """Fetch every enabled source once (with their cursors), count the reads under ``slot``,
    embed the window's posts not embedded yet and, with a ``features`` cache, featurise those
    not featurised yet. A failing source is in its report."""
    reports = fetch_all(cfg, store)
    record_reads(store, slot.key, reports)
    if cfg.stories.embeddings:
        embeddings_for(window_posts(store, slot.start_utc, slot.end_utc), store, enabled=True)
    if features is not None:
        warm_features(cfg, store, slot.start_utc, slot.end_utc, features)
    return reports
