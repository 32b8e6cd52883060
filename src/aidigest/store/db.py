"""The SQLite backend (the default): one file in WAL mode, the queries of
:mod:`aidigest.store.sql`, SQLite's ``user_version`` as the schema version.

A writer waits ``busy_timeout`` seconds for another process's write lock, then fails with a
StoreError saying the store is locked. Does NOT coordinate hosts (see the PostgreSQL backend).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from aidigest.errors import StoreError
from aidigest.store.migrate import migrate
from aidigest.store.protocol import Store
from aidigest.store.sql import DIGEST_STATES, Row, SqlStore
from aidigest.store.tables import quoted

__all__ = ["DIGEST_STATES", "SqliteStore", "Store", "newest_post_at", "open_sqlite", "open_store"]

BUSY_TIMEOUT_MS = 15000


def open_sqlite(path: str | Path, busy_timeout: float = BUSY_TIMEOUT_MS / 1000) -> SqliteStore:
    """Open (creating and migrating as needed) the SQLite store at ``path``."""
    return SqliteStore(Path(path), busy_timeout)


def open_store(target: str | Path, busy_timeout: float = BUSY_TIMEOUT_MS / 1000) -> Store:
    """Open the store at ``target``: a SQLite path or a ``postgresql://`` URL (see
    :func:`aidigest.store.open_store`)."""
    from aidigest.store import open_store as open_any

    return open_any(target, busy_timeout=busy_timeout)


class SqliteStore(SqlStore):
    """One connection to the SQLite file. Use as a context manager or call :meth:`close`."""

    backend = "sqlite"
    now_epoch = "((julianday('now') - 2440587.5) * 86400.0)"

    def __init__(self, path: Path, busy_timeout: float = BUSY_TIMEOUT_MS / 1000) -> None:
        self.path = path
        self.location = str(path)
        self.busy_timeout = busy_timeout
        if path != Path(":memory:"):
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None,
                                        check_same_thread=False)
            self.conn.row_factory = sqlite3.Row  # by name (shared queries) and by index
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            migrate(self.conn)
        except sqlite3.DatabaseError as exc:
            raise StoreError(_explain(path, exc, busy_timeout)) from exc

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def _tx(self) -> _Transaction:
        return _Transaction(self.conn, self.path, self.busy_timeout)

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        try:
            return self.conn.execute(sql, tuple(args)).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(_explain(self.path, exc, self.busy_timeout)) from exc

    def _stream(self, sql: str, args: Sequence[Any] = ()) -> Iterator[Row]:
        try:
            yield from self.conn.execute(sql, tuple(args))
        except sqlite3.Error as exc:
            raise StoreError(_explain(self.path, exc, self.busy_timeout)) from exc

    def _run(self, sql: str, args: Sequence[Any] = ()) -> int:
        return int(self.conn.execute(sql, tuple(args)).rowcount)

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.conn.executemany(sql, rows)

    # -- whole tables (store copy) ------------------------------------------------------------
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def table_names(self) -> list[str]:
        rows = self._rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                          "'sqlite_%' ORDER BY name")
        return [r["name"] for r in rows]

    def table_columns(self, table: str) -> tuple[list[str], list[str]]:
        info = self.conn.execute(f"PRAGMA table_info({quoted(table)})").fetchall()
        key = [r["name"] for r in sorted(info, key=lambda r: r["pk"]) if r["pk"]]
        return [r["name"] for r in info], key


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error), errors as StoreError."""

    def __init__(self, conn: sqlite3.Connection, path: Path, timeout: float) -> None:
        self.conn, self.path, self.timeout = conn, path, timeout

    def __enter__(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(_explain(self.path, exc, self.timeout)) from exc

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as err:
                self.conn.execute("ROLLBACK")
                raise StoreError(_explain(self.path, err, self.timeout)) from err
        else:
            self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(_explain(self.path, exc, self.timeout)) from exc


def _explain(path: Path, exc: BaseException, timeout: float = BUSY_TIMEOUT_MS / 1000) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return (f"the store {path} is locked by another process (waited "
                f"{timeout:g}s); try again when it has finished")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (f"the store {path} is not a readable SQLite database ({text}); it was left "
                "untouched: restore it from a backup, or move it aside to start a new one")
    return f"store {path}: {text}"


def newest_post_at(store: Store, source: str) -> datetime | None:
    """Creation time of the newest stored post that came from ``source``."""
    return store.newest_post_at(source)
