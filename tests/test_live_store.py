"""Migration 0007's store methods (prepares, items written ahead, reads per slot, latency) on
both backends (SQLite and a real PostgreSQL server), and ``aidigest store copy`` carrying the
four tables into PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from aidigest.store import PrepareRecord, SlotLatency, SourceReads, Store, open_store
from aidigest.store.copy import copy_store
from aidigest.store.migrate import migrations
from aidigest.store.tables import LIVE_TABLES


def test_prepares_add_up_and_keep_the_last_outcome(any_store: Store) -> None:
    assert any_store.get_prepare("2025-12-07T08") is None
    any_store.record_prepare("2025-12-07T08", "prepared", calls=9, stories=40, written=9)
    any_store.record_prepare("2025-12-07T08", "interrupted", calls=2, stories=41, written=10,
                             note="interrupted; the items already written are kept")
    any_store.record_prepare("2025-12-07T04", "failed", calls=0, stories=0, written=0,
                             note="cannot read x")
    got = any_store.get_prepare("2025-12-07T08")
    assert isinstance(got, PrepareRecord)
    assert (got.runs, got.calls, got.stories, got.written, got.outcome) == (
        2, 11, 41, 10, "interrupted")
    assert got.note and "kept" in got.note and got.first_at <= got.last_at
    assert [p.slot for p in any_store.recent_prepares(5)] == ["2025-12-07T08", "2025-12-07T04"]


def test_prepared_items_are_kept_once_per_content(any_store: Store) -> None:
    any_store.add_prepared_items("S1", [("h1", "s1"), ("h2", "s2")])
    any_store.add_prepared_items("S1", [("h1", "s1"), ("h3", "s1")])  # s1 grew: a new hash
    any_store.add_prepared_items("S2", [])
    assert any_store.prepared_items("S1") == {"h1": "s1", "h2": "s2", "h3": "s1"}
    assert any_store.prepared_items("S2") == {}


def test_source_reads_add_up_per_slot_and_source(any_store: Store) -> None:
    any_store.add_source_reads("S1", "x", reads=10, rereads=0)
    any_store.add_source_reads("S1", "x", reads=3, rereads=1)
    any_store.add_source_reads("S1", "feed", reads=5, rereads=5)
    any_store.add_source_reads("S2", "x", reads=7, rereads=0)
    assert any_store.source_reads(["S1"]) == [
        SourceReads("S1", "feed", 1, 5, 5), SourceReads("S1", "x", 2, 13, 1)]
    assert [r.slot for r in any_store.source_reads(["S1", "S2"])] == ["S2", "S1", "S1"]
    assert any_store.source_reads([]) == []


def test_latency_keeps_the_first_publication(any_store: Store) -> None:
    first = SlotLatency("S1", "2025-12-07T00:00:00Z", "2025-12-07T00:00:07Z", 7.25, "schedule",
                        used=9, wasted=2)
    any_store.record_latency(first)
    any_store.record_latency(SlotLatency("S1", "2025-12-07T00:00:00Z", "2025-12-08T00:00:00Z",
                                         86400.0, "digest"))  # a --force rewrite a day later
    any_store.record_latency(SlotLatency("S2", "2025-12-07T04:00:00Z", "2025-12-07T04:00:30Z",
                                         30.0, "schedule"))
    assert any_store.recent_latencies(5) == [
        SlotLatency("S2", "2025-12-07T04:00:00Z", "2025-12-07T04:00:30Z", 30.0, "schedule"), first]


def test_migration_0007_exists_for_both_backends_and_0006_stays_reserved() -> None:
    for dialect in ("sqlite", "postgresql"):
        numbers = [n for n, _name, _sql in migrations(dialect)]
        assert 7 in numbers and numbers == sorted(numbers)
        sql = next(s for n, _name, s in migrations(dialect) if n == 7)
        assert all(f"CREATE TABLE {t} " in sql for t in LIVE_TABLES)


def test_store_copy_carries_the_live_tables(tmp_path: Path, pg_url: str) -> None:
    with open_store(tmp_path / "s.db") as src:
        src.record_prepare("S1", "prepared", 4, 30, 4)
        src.add_prepared_items("S1", [("h1", "s1")])
        src.add_source_reads("S1", "x", 12, 0)
        src.record_latency(SlotLatency("S1", "a", "b", 6.5, "schedule", 4, 0))
    with open_store(tmp_path / "s.db") as src, open_store(pg_url) as dst:
        copied = {t.table: t for t in copy_store(src, dst)}  # type: ignore[arg-type]
        assert all(copied[t].ok and copied[t].target_rows == 1 for t in LIVE_TABLES)
        assert dst.get_prepare("S1") == src.get_prepare("S1")
        assert dst.prepared_items("S1") == {"h1": "s1"}
        assert dst.source_reads(["S1"]) == src.source_reads(["S1"])
        assert dst.recent_latencies() == src.recent_latencies()
