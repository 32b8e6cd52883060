"""``aidigest store copy --to URL``: copy one store into another (a SQLite file into
PostgreSQL, typically), table by table, then compare each table's row count and checksum.

Rows are upserted by primary key, so a rerun is harmless (it rewrites the same values) and
an interrupted copy is finished by running it again. The source is only read. The checksum
of a table is order-independent (SQLite and PostgreSQL sort text differently): the SHA-256
of the sorted SHA-256s of its rows, values normalised (numbers, text, bytes, NULL).

Does NOT copy slot claims (they belong to running workers) or the schema version (each
store is migrated by its own backend before the copy).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aidigest.errors import StoreError
from aidigest.store.sql import SqlStore

__all__ = ["TableCopy", "checksum", "copy_store"]

BATCH = 1000
SKIP = frozenset({"slot_claims", "schema_version", "sqlite_sequence"})
#: parents first (foreign keys): the rest follow in name order
FIRST = ("authors", "posts", "digests")


@dataclass(frozen=True)
class TableCopy:
    """One table after the copy: rows and checksums on both sides."""

    table: str
    copied: int
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def ok(self) -> bool:
        return (self.source_rows, self.source_checksum) == (self.target_rows, self.target_checksum)


def _value(value: Any) -> bytes:
    if value is None:
        return b"\x00N"
    if isinstance(value, bool):
        return b"i" + str(int(value)).encode()
    if isinstance(value, int):
        return b"i" + str(value).encode()
    if isinstance(value, float):
        return b"f" + repr(value).encode()
    if isinstance(value, bytes | bytearray | memoryview):
        return b"b" + bytes(value)
    return b"s" + str(value).encode("utf-8", "surrogatepass")


def checksum(rows: Iterable[Sequence[Any]]) -> tuple[int, str]:
    """(row count, order-independent SHA-256) of ``rows``."""
    digests = []
    for row in rows:
        h = hashlib.sha256()
        for value in row:
            part = _value(value)
            h.update(len(part).to_bytes(8, "big"))
            h.update(part)
        digests.append(h.digest())
    digests.sort()
    total = hashlib.sha256()
    for d in digests:
        total.update(d)
    return len(digests), total.hexdigest()


def _order(tables: Iterable[str]) -> list[str]:
    names = sorted(set(tables) - SKIP)
    return [t for t in FIRST if t in names] + [t for t in names if t not in FIRST]


def copy_store(source: SqlStore, target: SqlStore,
               progress: Callable[[str], None] | None = None) -> list[TableCopy]:
    """Copy every table of ``source`` into ``target`` and compare them. Both must be open
    and migrated to the same schema version."""
    say = progress or (lambda _m: None)
    if source.schema_version() != target.schema_version():
        raise StoreError(f"the stores have different schema versions ({source.schema_version()} "
                         f"and {target.schema_version()}); upgrade aidigest on both sides first")
    missing = set(source.table_names()) - SKIP - set(target.table_names())
    if missing:
        raise StoreError(f"{target.location} lacks the tables {', '.join(sorted(missing))}")
    results = []
    for table in _order(source.table_names()):
        columns, key = source.table_columns(table)
        copied = 0
        batch: list[tuple[Any, ...]] = []
        for row in source.table_rows(table, columns):
            batch.append(row)
            if len(batch) >= BATCH:
                copied += target.upsert_rows(table, columns, key, batch)
                batch = []
        if batch:
            copied += target.upsert_rows(table, columns, key, batch)
        target.after_copy(table)
        src = checksum(source.table_rows(table, columns))
        dst = checksum(target.table_rows(table, columns))
        results.append(TableCopy(table, copied, src[0], dst[0], src[1], dst[1]))
        say(f"copy: {table}: {copied} rows copied; source {src[0]}, target {dst[0]} rows, "
            f"checksums {'equal' if results[-1].ok else 'DIFFER'}")
    return results
