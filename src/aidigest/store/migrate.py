"""Numbered, append-only schema migrations: ``migrations/NNNN_name.sql`` for SQLite and
``migrations_pg/NNNN_name.sql`` for PostgreSQL, with the same numbers (a test checks).

SQLite's applied version is its ``user_version``; PostgreSQL's is kept in ``schema_version``
(:mod:`aidigest.store.postgres`). Each migration runs in one transaction, so a crash leaves
the store at the previous version, never half-migrated.
"""

from __future__ import annotations

import re
import sqlite3
from importlib import resources

from aidigest.errors import StoreError

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


FOLDERS = {"sqlite": "migrations", "postgresql": "migrations_pg"}
#: numbers reserved for a migration merged from another line of work (0006: issue 21's
#: continuity tables); the numbering may skip these, and only these
RESERVED = frozenset({6})


def migrations(dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """``(version, name, sql)`` for every bundled migration of ``dialect``, in order."""
    found = []
    for entry in resources.files("aidigest.store").joinpath(FOLDERS[dialect]).iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    expected = 1
    for version, name, _ in found:
        while expected in RESERVED and version > expected:  # a number another branch brings
            expected += 1
        if version != expected:
            raise StoreError(f"migration numbering gap at {name}: expected {expected:04d}")
        expected += 1
    return found


def current_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Apply pending migrations up to ``target`` (default: all). Returns the new version."""
    available = migrations()
    latest = available[-1][0] if available else 0
    version = current_version(conn)
    if version > latest:
        raise StoreError(
            f"the store has schema version {version}, newer than this aidigest knows "
            f"({latest}); upgrade aidigest"
        )
    goal = latest if target is None else target
    for number, name, sql in available:
        if number <= version or number > goal:
            continue
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statement in statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise StoreError(f"migration {name} failed: {exc}") from exc
        version = number
    return version


def statements(sql: str) -> list[str]:
    """Split a migration into statements (our migrations hold no ';' inside literals)."""
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]
