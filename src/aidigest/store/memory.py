"""What the stories stage learns and keeps between runs: alias evidence mined from posts and
the LLM's verdicts on pairs of posts (tables of migration 0003), as functions over any
:class:`~aidigest.store.protocol.Store` (the queries are the store's own methods).

No decisions here (which aliases count is :func:`aidigest.stories.aliases.accepted`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aidigest.store.protocol import Store
from aidigest.store.records import AliasCount

__all__ = ["add_alias_evidence", "alias_counts", "get_verdicts", "put_verdicts"]


def add_alias_evidence(store: Store, rows: Iterable[tuple[str, str, str, str]]) -> int:
    """Store (spelling, name, post id, kind) evidence; returns how many rows were new."""
    return store.add_alias_evidence(rows)


def alias_counts(store: Store) -> list[AliasCount]:
    """(spelling, name, posts in brackets, posts side by side) over all evidence."""
    return store.alias_counts()


def get_verdicts(store: Store, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], bool]:
    """Cached verdicts for ``(a, b)`` pairs with ``a < b``."""
    return store.get_verdicts(pairs)


def put_verdicts(store: Store, verdicts: dict[tuple[str, str], bool], model: str) -> None:
    store.put_verdicts(verdicts, model)
