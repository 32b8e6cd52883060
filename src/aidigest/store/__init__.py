"""The SQLite store: the only state shared between stages.

See :class:`aidigest.store.db.Store`. It persists and answers queries; it holds no
business logic (no ranking, no writing, no rendering).
"""

from aidigest.store.db import Store, open_store

__all__ = ["Store", "open_store"]
