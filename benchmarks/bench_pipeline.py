"""End-to-end: the bundled sample window through stories, the offline writer, render and
publish (Hugo build excluded and, separately, included)."""

from __future__ import annotations

import statistics
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

from aidigest.config import config_from_dict
from aidigest.pipeline import RunOptions, run_slot
from aidigest.publish import find_hugo, init_site
from aidigest.slots import parse_slot
from aidigest.store import open_store

BOUND_S = 10.0  # a digest of the sample window must take well under this


def _once(root: Path, build: bool) -> float:
    sample = resources.files("aidigest").joinpath("data", "sample_posts.jsonl")
    (root / "sample_posts.jsonl").write_text(sample.read_text("utf-8"), encoding="utf-8")
    init_site(root / "site")
    cfg = config_from_dict(
        {"sources": [{"name": "sample", "kind": "jsonl", "path": "sample_posts.jsonl"}],
         "publish": {"build": build}}, root)
    with open_store(cfg.store_path) as store:
        started = time.perf_counter()
        result = run_slot(cfg, store, RunOptions(parse_slot("2025-12-07T08"), fetch=True,
                                                 offline=True, force=True, command="bench"))
        elapsed = time.perf_counter() - started
    if not result.path:
        raise RuntimeError(f"sample run did not publish: {result.report.outcome} {result.report.errors}")
    return elapsed


def _median(build: bool, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            times.append(_once(Path(tmp), build))
    return statistics.median(times)


def run(quick: bool) -> list[dict[str, Any]]:
    repeats = 3 if quick else 7
    rows = []
    no_build = _median(False, repeats)
    rows.append({"figure": "sample window e2e, fetch+stories+write+publish (offline)",
                 "median": no_build, "unit": "s", "bound": f"< {BOUND_S:g} s",
                 "ratio": f"{no_build / BOUND_S:.2f}", "ok": no_build < BOUND_S})
    if find_hugo():
        with_build = _median(True, repeats)
        rows.append({"figure": "same, plus Hugo site build", "median": with_build, "unit": "s",
                     "bound": f"< {BOUND_S:g} s", "ratio": f"{with_build / BOUND_S:.2f}",
                     "ok": with_build < BOUND_S})
    return rows


if __name__ == "__main__":
    for row in run(quick=True):
        print(row)
