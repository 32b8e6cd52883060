"""The store on both backends: importing 20,000 posts into SQLite and into PostgreSQL, and the
stories stage reading and building a 10,000-post window from each (bound: PostgreSQL at most
2x SQLite), measured back to back, alternating, medians of repeats.

Ingest (no PostgreSQL needed): ``aidigest import`` of a 20,000-line JSONL file into a new
SQLite store, run in this process as a user runs it (the click command: read, validate, upsert),
against the floor for the same work: ``json.loads`` of each line and ONE ``executemany`` of
the same post upsert into a new WAL SQLite file with the same posts table and indexes (no
validation, no authors). Alternating, medians of CPU time (what a busy shared machine disturbs
least; wall time beside it); bound: import at most 3x the floor.

PostgreSQL is a throwaway local cluster (tests/pg_server.py, Debian's server binaries);
without them or without psycopg the rows say so. Standalone:
``python benchmarks/bench_store.py [--quick]``.
"""

from __future__ import annotations

import json
import sqlite3
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
IMPORT_BOUND = 3.0  # aidigest import / bare json.loads + one executemany


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


def _jsonl(path: Path, n: int) -> None:
    from aidigest.sources.jsonl import write_posts
    from bench_stories import synthetic_posts

    with path.open("w", encoding="utf-8") as out:
        write_posts(synthetic_posts(n), out)


def _timed_cli_import(jsonl: Path, db: Path) -> tuple[float, float]:
    """``aidigest import FILE`` into a new store at ``db``, in this process (click command)."""
    from aidigest.cli import main

    db.parent.mkdir(parents=True, exist_ok=True)
    (db.parent / "aidigest.toml").write_text(f'[digest]\nstore = "{db.name}"\n',
                                             encoding="utf-8")
    t0, c0 = time.perf_counter(), time.process_time()
    main.main(["import", str(jsonl), "--config", str(db.parent / "aidigest.toml")],
              standalone_mode=False)
    return time.perf_counter() - t0, time.process_time() - c0


def _posts_ddl() -> list[str]:
    """The store's posts table and its indexes (without the authors reference)."""
    from aidigest.store import open_store

    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "s.db") as store:
        rows = store.conn.execute(  # type: ignore[attr-defined]
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'posts' AND sql IS NOT NULL "
            "ORDER BY type DESC").fetchall()
    return [r[0].replace(" REFERENCES authors(handle)", "") for r in rows]


def _timed_floor(jsonl: Path, db: Path, ddl: list[str]) -> tuple[float, float]:
    """``json.loads`` per line + one ``executemany`` upsert into a new WAL SQLite file."""
    from aidigest.store.sql import _UPSERT_POST

    t0, c0 = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    for statement in ddl:
        conn.execute(statement)
    stamp = "2026-12-01T00:00:00+00:00"
    with jsonl.open(encoding="utf-8") as lines:
        rows = [(d["id"], d["platform"], d["url"], d["author"]["handle"], d["created_at"],
                 d["lang"], d["text"], json.dumps(d["links"]), d["reply_to"], d["quote_of"],
                 d["repost_of"], d["conversation_id"], json.dumps(d["metrics"]), "import",
                 line, stamp, stamp) for line in lines if (d := json.loads(line))]
    conn.execute("BEGIN")
    conn.executemany(_UPSERT_POST, rows)
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - t0, time.process_time() - c0


def import_rows(quick: bool) -> list[dict[str, Any]]:
    """``aidigest import`` against the bare floor, alternating (see the module docstring)."""
    from aidigest.cli import main  # imported before the clock starts

    assert main is not None
    n, repeats = IMPORT_POSTS, 5  # the same in the quick run: the floor is short, medians steady it
    with tempfile.TemporaryDirectory(prefix="aidigest-bench-import-") as tmp:
        root = Path(tmp)
        jsonl = root / "posts.jsonl"
        _jsonl(jsonl, n)
        ddl = _posts_ddl()
        times: dict[str, list[tuple[float, float]]] = {"import": [], "floor": []}
        for i in range(repeats):
            times["import"].append(_timed_cli_import(jsonl, root / f"cli{i}" / "store.db"))
            times["floor"].append(_timed_floor(jsonl, root / f"floor{i}.db", ddl))
    cpu = {k: statistics.median(t[1] for t in v) for k, v in times.items()}
    wall = {k: statistics.median(t[0] for t in v) for k, v in times.items()}
    ratio = cpu["import"] / cpu["floor"]
    # the quick (CI) run reports it: here it measured 2.19-2.82x (once 3.16x), too near the
    # bound to gate CI on; the full run checks it
    bound = "- (informational in the quick run; the full run checks <= 3x)" if quick else (
        f"<= {IMPORT_BOUND:g}x")
    row = _row(f"store: aidigest import of {n // 1000}k posts / json.loads + one executemany "
               "(CPU time, back to back)", round(ratio, 2), "x", bound,
               f"CPU {cpu['import']:.2f} s vs {cpu['floor']:.2f} s; wall {wall['import']:.2f} s "
               f"vs {wall['floor']:.2f} s ({wall['import'] / wall['floor']:.2f}x); medians of "
               f"{repeats}")
    if not quick:
        row["ok"] = ratio <= IMPORT_BOUND
    return [row]


def run(quick: bool) -> list[dict[str, Any]]:
    return import_rows(quick) + backend_rows(quick)


def backend_rows(quick: bool) -> list[dict[str, Any]]:
    from bench_stories import synthetic_posts

    try:
        import psycopg  # noqa: F401

        from pg_server import cluster, fresh_database
    except ImportError:
        return [_row("store: PostgreSQL rows", "n/a", "", "- (not measured)",
                     "psycopg not installed (aidigest[postgres])")]
    repeats = 3  # medians of 3 in the quick run too: one sample of a 1k window swung 0.6x-2x
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
        return [_row("store: PostgreSQL rows", "n/a", "", "- (not measured)", str(exc))]
    imp = {k: statistics.median(v) for k, v in times.items()}
    st = {k: statistics.median(v) for k, v in reads.items()}
    ratio = st["postgresql"] / st["sqlite"]
    rows = [
        _row(f"store: import {n_import // 1000}k posts, SQLite", imp["sqlite"], "s", "- (informational)",
             f"{n_import / imp['sqlite']:.0f} posts/s"),
        _row(f"store: import {n_import // 1000}k posts, PostgreSQL", imp["postgresql"], "s",
             "- (informational)", f"{imp['postgresql'] / imp['sqlite']:.2f}x SQLite"),
        _row(f"store: stories of a {n_window // 1000}k-post window, SQLite", st["sqlite"], "s",
             "- (informational)"),
        _row(f"store: stories of a {n_window // 1000}k-post window, PostgreSQL", st["postgresql"], "s",
             f"≤ {RATIO_BOUND:g}x SQLite (back to back)", f"{ratio:.2f}x SQLite"),
    ]
    rows[-1]["ok"] = ratio <= RATIO_BOUND
    return rows


if __name__ == "__main__":
    for line in run("--quick" in sys.argv):
        print(line)
