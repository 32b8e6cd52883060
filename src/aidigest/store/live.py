"""The store's queries for being live at the close (migration 0007), shared by both backends:
what ``aidigest prepare`` did per slot, the items it wrote ahead (by story content hash), the
posts each source read per slot and the latency from a slot's end to its built page.

Mixed into :class:`aidigest.store.sql.SqlStore`. Does NOT decide anything (see
:mod:`aidigest.live`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from aidigest.store.plumbing import SqlPlumbing
from aidigest.store.records import PrepareRecord, SlotLatency, SourceReads
from aidigest.timeutil import iso_utc, now_utc

__all__ = ["LiveQueries"]

_PREPARE = """INSERT INTO prepares (slot, runs, calls, stories, written, outcome, note, first_at,
                                    last_at)
    VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (slot) DO UPDATE SET runs = prepares.runs + 1,
      calls = prepares.calls + excluded.calls, stories = excluded.stories,
      written = excluded.written, outcome = excluded.outcome, note = excluded.note,
      last_at = excluded.last_at"""

_READS = """INSERT INTO source_reads (slot, source, polls, reads, rereads) VALUES (?, ?, 1, ?, ?)
    ON CONFLICT (slot, source) DO UPDATE SET polls = source_reads.polls + 1,
      reads = source_reads.reads + excluded.reads,
      rereads = source_reads.rereads + excluded.rereads"""

# the first publication's latency is the one readers saw: a later rewrite keeps it
_LATENCY = """INSERT INTO slot_latency (slot, slot_end, built_at, seconds, command, used, wasted)
    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (slot) DO NOTHING"""


class LiveQueries(SqlPlumbing):
    """Mixed into the SQL store; relies on its ``_tx``, ``_run`` and ``_rows`` plumbing."""





    def record_prepare(self, slot_key: str, outcome: str, calls: int, stories: int,
                       written: int, note: str | None = None) -> None:
        """Count one prepare of ``slot_key`` (its LLM ``calls`` add up over runs)."""
        stamp = iso_utc(now_utc())
        with self._tx():
            self._run(_PREPARE, (slot_key, int(calls), int(stories), int(written), outcome,
                                 note, stamp, stamp))

    def get_prepare(self, slot_key: str) -> PrepareRecord | None:
        rows = self._rows("SELECT * FROM prepares WHERE slot = ?", (slot_key,))
        return _prepare(rows[0]) if rows else None

    def recent_prepares(self, limit: int = 10) -> list[PrepareRecord]:
        rows = self._rows("SELECT * FROM prepares ORDER BY slot DESC LIMIT ?", (int(limit),))
        return [_prepare(r) for r in rows]

    def add_prepared_items(self, slot_key: str, rows: Iterable[tuple[str, str]]) -> None:
        """Items written ahead for ``slot_key``: ``(content_hash, story_id)`` pairs."""
        stamp = iso_utc(now_utc())
        batch = [(slot_key, content, story, stamp) for content, story in rows]
        if not batch:
            return
        with self._tx():
            self._many("""INSERT INTO prepared_items (slot, content_hash, story_id, prepared_at)
                          VALUES (?, ?, ?, ?) ON CONFLICT (slot, content_hash) DO NOTHING""", batch)

    def prepared_items(self, slot_key: str) -> dict[str, str]:
        """content hash → story id of every item written ahead for ``slot_key``."""
        rows = self._rows("SELECT content_hash, story_id FROM prepared_items WHERE slot = ? "
                          "ORDER BY prepared_at, content_hash", (slot_key,))
        return {str(r["content_hash"]): str(r["story_id"]) for r in rows}

    def add_source_reads(self, slot_key: str, source: str, reads: int, rereads: int) -> None:
        """One poll of ``source`` while ``slot_key`` was open: posts read, already stored."""
        with self._tx():
            self._run(_READS, (slot_key, source, int(reads), int(rereads)))

    def source_reads(self, slot_keys: Sequence[str]) -> list[SourceReads]:
        if not slot_keys:
            return []
        marks = ", ".join("?" for _ in slot_keys)
        rows = self._rows(f"SELECT * FROM source_reads WHERE slot IN ({marks}) "
                          "ORDER BY slot DESC, source", tuple(slot_keys))
        return [SourceReads(str(r["slot"]), str(r["source"]), int(r["polls"]), int(r["reads"]),
                            int(r["rereads"])) for r in rows]

    def record_latency(self, latency: SlotLatency) -> None:
        """The first publication of a slot: slot end → built page (a rewrite keeps it)."""
        with self._tx():
            self._run(_LATENCY, (latency.slot, latency.slot_end, latency.built_at,
                                 float(latency.seconds), latency.command, int(latency.used),
                                 int(latency.wasted)))

    def recent_latencies(self, limit: int = 10) -> list[SlotLatency]:
        rows = self._rows("SELECT * FROM slot_latency ORDER BY slot DESC LIMIT ?", (int(limit),))
        return list(_latencies(rows))


def _prepare(row: Any) -> PrepareRecord:
    return PrepareRecord(
        slot=str(row["slot"]), runs=int(row["runs"]), calls=int(row["calls"]),
        stories=int(row["stories"]), written=int(row["written"]), outcome=str(row["outcome"]),
        note=row["note"], first_at=str(row["first_at"]), last_at=str(row["last_at"]))


def _latencies(rows: Iterable[Any]) -> Iterator[SlotLatency]:
    for r in rows:
        yield SlotLatency(str(r["slot"]), str(r["slot_end"]), str(r["built_at"]),
                          float(r["seconds"]), str(r["command"]), int(r["used"]), int(r["wasted"]))
