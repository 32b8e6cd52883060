"""Fetch every enabled source into the store, one page at a time, recording health.

One failing source never stops the others. Staleness: a source whose newest stored post is
older than its ``stale_after_hours`` is marked stale even when it answered 200.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from aidigest.config import Config, FeedSource, JsonlSource, XApiSource
from aidigest.errors import AidigestError, ConfigError
from aidigest.models import SourceReport
from aidigest.sources import Source
from aidigest.sources.jsonl import JsonlSource as JsonlReader
from aidigest.store import Store
from aidigest.timeutil import iso_utc, now_utc

Progress = Callable[[str, SourceReport], None]


class StoreCursors:
    """Cursors of one source, kept in the store."""

    def __init__(self, store: Store, source: str) -> None:
        self.store, self.source = store, source
        self.pending: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        if key in self.pending:
            return self.pending[key]
        return self.store.get_cursor(self.source, key)

    def set(self, key: str, value: str) -> None:
        self.pending[key] = value

    def commit(self) -> None:
        for key, value in self.pending.items():
            self.store.set_cursor(self.source, key, value)
        self.pending.clear()


def build_source(cfg: Config, entry: XApiSource | FeedSource | JsonlSource) -> Source:
    """The Source object for one ``[[sources]]`` table."""
    if isinstance(entry, JsonlSource):
        return JsonlReader(entry.name, cfg.resolve(entry.path))
    if isinstance(entry, FeedSource):
        from aidigest.sources.feed import FeedReader

        return FeedReader(entry)
    if isinstance(entry, XApiSource):
        from aidigest.sources.x_api import XApiReader

        return XApiReader(entry)
    raise ConfigError(f"unknown source kind for {entry!r}")  # pragma: no cover


def fetch_all(
    cfg: Config, store: Store, progress: Progress | None = None, only: set[str] | None = None
) -> list[SourceReport]:
    """Fetch each enabled source (or those named in ``only``); one report per source."""
    reports = []
    for entry in cfg.sources:
        if not entry.enabled or (only and entry.name not in only):
            continue
        report = fetch_one(cfg, store, entry, progress)
        reports.append(report)
    return reports


def fetch_one(
    cfg: Config,
    store: Store,
    entry: XApiSource | FeedSource | JsonlSource,
    progress: Progress | None = None,
) -> SourceReport:
    report = SourceReport(name=entry.name, kind=entry.kind)
    started = now_utc()
    clock = time.monotonic()
    cursors = StoreCursors(store, entry.name)
    if progress:
        progress("start", report)
    try:
        source = build_source(cfg, entry)
        for page in source.fetch(cursors, report):
            new, updated = store.upsert_posts(page)
            report.reads += len(page)
            report.new += new
            report.updated += updated
            cursors.commit()
            if progress:
                progress("page", report)
        cursors.commit()
    except AidigestError as exc:
        report.ok, report.error = False, str(exc)
    except Exception as exc:  # a bug or an unforeseen upstream shape: record, go on
        report.ok, report.error = False, f"{type(exc).__name__}: {exc}"
    report.duration_s = round(time.monotonic() - clock, 3)
    newest = store.newest_post_at(entry.name)
    report.newest_at = iso_utc(newest) if newest else None
    if report.ok and entry.kind != "jsonl" and (
        newest is None or now_utc() - newest > timedelta(hours=entry.stale_after_hours)
    ):
        report.stale = True
    store.record_fetch(report, started)
    if progress:
        progress("done", report)
    return report
