"""The plumbing each SQL backend provides (:mod:`.db` for SQLite, :mod:`.postgres`), declared
once for :class:`aidigest.store.sql.SqlStore` and the query mixins it is made of
(:mod:`.tables`, :mod:`.links`, :mod:`.live`). Does NOT run any SQL itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

__all__ = ["SqlPlumbing"]


class SqlPlumbing:
    """Statements with ``?`` placeholders, run by the backend's connection."""

    def _tx(self) -> AbstractContextManager[None]:
        """One transaction: committed on leaving, rolled back on an error."""
        raise NotImplementedError

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    def _stream(self, sql: str, args: Sequence[Any] = ()) -> Iterator[Any]:
        raise NotImplementedError

    def _run(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Execute one statement; the number of rows it changed."""
        raise NotImplementedError

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError
