"""What the stories stage learns and keeps between runs: alias evidence mined from posts and
the LLM's verdicts on pairs of posts (tables of migration 0003).

Plain reads and upserts over a :class:`~aidigest.store.db.Store`; no decisions (which aliases
count is :func:`aidigest.stories.aliases.accepted`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aidigest.store.db import Store
from aidigest.timeutil import iso_utc, now_utc

__all__ = ["add_alias_evidence", "alias_counts", "get_verdicts", "put_verdicts"]


def add_alias_evidence(store: Store, rows: Iterable[tuple[str, str, str, str]]) -> int:
    """Store (spelling, name, post id, kind) evidence; returns how many rows were new."""
    stamp = iso_utc(now_utc())
    before = store.conn.total_changes
    with store._tx():
        store.conn.executemany(
            "INSERT OR IGNORE INTO alias_evidence VALUES (?,?,?,?,?)",
            [(s, n, p, k, stamp) for s, n, p, k in rows],
        )
    return store.conn.total_changes - before


def alias_counts(store: Store) -> list[tuple[str, str, int, int]]:
    """(spelling, name, posts in brackets, posts side by side) over all evidence."""
    rows = store.conn.execute(
        """SELECT spelling, name,
                  COUNT(DISTINCT CASE WHEN kind = 'paren' THEN post_id END),
                  COUNT(DISTINCT CASE WHEN kind = 'beside' THEN post_id END)
           FROM alias_evidence GROUP BY spelling, name ORDER BY spelling, name"""
    )
    return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


def get_verdicts(store: Store, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], bool]:
    """Cached verdicts for ``(a, b)`` pairs with ``a < b``."""
    found: dict[tuple[str, str], bool] = {}
    for a, b in pairs:
        row = store.conn.execute(
            "SELECT same FROM pair_verdicts WHERE post_a = ? AND post_b = ?", (a, b)
        ).fetchone()
        if row is not None:
            found[(a, b)] = bool(row[0])
    return found


def put_verdicts(store: Store, verdicts: dict[tuple[str, str], bool], model: str) -> None:
    stamp = iso_utc(now_utc())
    with store._tx():
        store.conn.executemany(
            "INSERT OR REPLACE INTO pair_verdicts VALUES (?,?,?,?,?)",
            [(a, b, int(same), model, stamp) for (a, b), same in verdicts.items()],
        )
