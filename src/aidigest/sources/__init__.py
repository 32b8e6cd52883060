"""Sources: each speaks one upstream protocol and yields pages of :class:`Post`.

A source does NOT store, rank or filter. :func:`aidigest.sources.runner.fetch_all` stores each
page as it arrives (so a later failure never loses an earlier page), records per-source health
and goes on when one source fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from aidigest.models import Post, SourceReport


class Cursors(Protocol):
    """Per-source persistent key/value state (``since_id``, ETag, …)."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...


class Source(Protocol):
    """One configured source."""

    name: str
    kind: str

    def fetch(self, cursors: Cursors, report: SourceReport) -> Iterable[list[Post]]:
        """Yield pages of posts. Cursors set after a ``yield`` are saved only once that page
        is stored. Fill ``report`` (pages, http_status, notes); raise SourceError on failure.
        """
        ...
