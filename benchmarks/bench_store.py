"""The store on both backends: importing 20,000 posts into SQLite and into PostgreSQL, and the
stories stage reading and building a 10,000-post window from each (bound: PostgreSQL at most
2x SQLite), measured back to back, alternating, medians of repeats.

PostgreSQL is a throwaway local cluster (tests/pg_server.py, Debian's server binaries);
without them or without psycopg the rows say so. Standalone:
``python benchmarks/bench_store.py [--quick]``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

IMPORT_POSTS = 20_000
WINDOW_POSTS = 10_000
RATIO_BOUND = 2.0


def _row(figure: str, median: Any, unit: str, bound: str, ratio: str = "") -> dict[str, Any]:
    return {"figure": figure, "median": median, "unit": unit, "bound": bound, "ratio": ratio}


def _timed_import(target: str, posts: list[Any]) -> float:
    from aidigest.store import open_store

    with open_store(target) as store:
        t0 = time.perf_counter()
        new, _updated = store.upsert_posts(posts)
        elapsed = time.perf_counter() - t0
    assert new == len(posts)
    return elapsed


def _timed_stories(target: str, root: Path) -> float:
    from aidigest.config import config_from_dict
    from aidigest.slots import parse_slot
    from aidigest.store import open_store
    from aidigest.window import stories_between

    cfg = config_from_dict({"digest": {"store": target}, "stories": {"embeddings": False}}, root)
    slot = parse_slot("2025-12-07T08")
    with open_store(cfg.store_target) as store:
        t0 = time.perf_counter()
        stories = stories_between(cfg, store, slot.start_utc, slot.end_utc)
        elapsed = time.perf_counter() - t0
    assert stories
    return elapsed


def run(quick: bool) -> list[dict[str, Any]]:
    from bench_stories import synthetic_posts

    try:
        import psycopg  # noqa: F401

        from pg_server import cluster, fresh_database
    except ImportError:
        return [_row("store: PostgreSQL rows", "n/a", "", "psycopg not installed (aidigest[postgres])")]
    repeats = 1 if quick else 3
    n_import, n_window = (2_000, 1_000) if quick else (IMPORT_POSTS, WINDOW_POSTS)
    root = Path(tempfile.mkdtemp(prefix="aidigest-bench-store-"))
    try:
        with cluster() as admin:
            posts = synthetic_posts(n_import)
            times: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
            for i in range(repeats):  # alternate: the shared machine's speed drifts
                times["sqlite"].append(_timed_import(str(root / f"import{i}.db"), posts))
                times["postgresql"].append(_timed_import(fresh_database(admin), posts))
            window = synthetic_posts(n_window)
            sqlite_db, pg_db = str(root / "window.db"), fresh_database(admin)
            _timed_import(sqlite_db, window)
            _timed_import(pg_db, window)
            reads: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
            for _ in range(repeats):
                reads["sqlite"].append(_timed_stories(sqlite_db, root))
                reads["postgresql"].append(_timed_stories(pg_db, root))
    except FileNotFoundError as exc:
        return [_row("store: PostgreSQL rows", "n/a", "", str(exc))]
    imp = {k: statistics.median(v) for k, v in times.items()}
    st = {k: statistics.median(v) for k, v in reads.items()}
    ratio = st["postgresql"] / st["sqlite"]
    rows = [
        _row(f"store: import {n_import // 1000}k posts, SQLite", imp["sqlite"], "s", "- (informational)",
             f"{n_import / imp['sqlite']:.0f} posts/s"),
        _row(f"store: import {n_import // 1000}k posts, PostgreSQL", imp["postgresql"], "s",
             "- (informational)", f"{imp['postgresql'] / imp['sqlite']:.2f}x SQLite"),
        _row(f"store: stories of a {n_window // 1000}k-post window, SQLite", st["sqlite"], "s", "-"),
        _row(f"store: stories of a {n_window // 1000}k-post window, PostgreSQL", st["postgresql"], "s",
             f"≤ {RATIO_BOUND:g}x SQLite (back to back)", f"{ratio:.2f}x SQLite"),
    ]
    rows[-1]["ok"] = ratio <= RATIO_BOUND
    return rows


if __name__ == "__main__":
    for line in run("--quick" in sys.argv):
        print(line)
