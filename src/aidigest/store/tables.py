"""Whole-table access for moving a store (:mod:`aidigest.store.copy`): list tables and their
columns, stream rows, upsert rows by primary key. The introspection is per backend; reading
and upserting are shared. Does NOT interpret rows (the typed methods of the store do that).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from aidigest.store.plumbing import SqlPlumbing

__all__ = ["LIVE_TABLES", "TableAccess"]

#: the tables of migration 0007 (live at the close); ``aidigest store copy`` carries them with
#: every other table it lists (tests/test_live_store.py checks they are copied)
LIVE_TABLES = ("prepares", "prepared_items", "source_reads", "slot_latency")


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class TableAccess(SqlPlumbing):
    """Mixed into :class:`aidigest.store.sql.SqlStore`."""




    def schema_version(self) -> int:
        raise NotImplementedError

    def table_names(self) -> list[str]:
        raise NotImplementedError

    def table_columns(self, table: str) -> tuple[list[str], list[str]]:
        """(column names in order, primary-key column names)."""
        raise NotImplementedError

    def after_copy(self, table: str) -> None:
        """Bring counters up to date after rows were inserted with their ids (PostgreSQL's
        identity sequences); nothing for SQLite."""

    def table_rows(self, table: str, columns: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        cols = ", ".join(quoted(c) for c in columns)
        for row in self._stream(f"SELECT {cols} FROM {quoted(table)}"):
            yield tuple(row[c] for c in columns)

    def upsert_rows(self, table: str, columns: Sequence[str], key: Sequence[str],
                    rows: Sequence[Sequence[Any]]) -> int:
        """Insert ``rows``; a row whose key exists is overwritten. Returns len(rows)."""
        cols = ", ".join(quoted(c) for c in columns)
        marks = ", ".join("?" for _ in columns)
        rest = [c for c in columns if c not in key]
        conflict = ", ".join(quoted(c) for c in key or columns)
        action = ("DO UPDATE SET " + ", ".join(f"{quoted(c)} = excluded.{quoted(c)}" for c in rest)
                  if rest and key else "DO NOTHING")
        with self._tx():
            self._many(f"INSERT INTO {quoted(table)} ({cols}) VALUES ({marks}) "
                       f"ON CONFLICT ({conflict}) {action}", rows)
        return len(rows)
