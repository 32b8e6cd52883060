"""End-to-end: the bundled sample window through stories, the offline writer, render and
publish (Hugo build excluded and, separately, included).

The 10 s bound is on CPU time (this process and its children, e.g. Hugo): on the shared
machine the wall time follows the load (40 s at a load of 8 for what takes 7 s at a load of 2),
the CPU time much less. The wall time is reported beside it."""

from __future__ import annotations

import resource
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


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _once(root: Path, build: bool) -> tuple[float, float]:
    sample = resources.files("aidigest").joinpath("data", "sample_posts.jsonl")
    (root / "sample_posts.jsonl").write_text(sample.read_text("utf-8"), encoding="utf-8")
    init_site(root / "site")
    cfg = config_from_dict(
        {"sources": [{"name": "sample", "kind": "jsonl", "path": "sample_posts.jsonl"}],
         "publish": {"build": build}}, root)
    with open_store(cfg.store_path) as store:
        started, cpu = time.perf_counter(), _cpu()
        result = run_slot(cfg, store, RunOptions(parse_slot("2025-12-07T08"), fetch=True,
                                                 offline=True, force=True, command="bench"))
        elapsed, used = time.perf_counter() - started, _cpu() - cpu
    if not result.path:
        raise RuntimeError(f"sample run did not publish: {result.report.outcome} {result.report.errors}")
    return elapsed, used


def _median(build: bool, repeats: int) -> tuple[float, float]:
    """(wall, CPU) medians."""
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            times.append(_once(Path(tmp), build))
    return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)


def _row(figure: str, wall: float, cpu: float) -> dict[str, Any]:
    return {"figure": figure, "median": round(cpu, 2), "unit": "s CPU", "bound": f"< {BOUND_S:g} s CPU",
            "ratio": f"{cpu / BOUND_S:.2f}; wall {wall:.2f} s", "ok": cpu < BOUND_S}


def run(quick: bool) -> list[dict[str, Any]]:
    repeats = 3 if quick else 7
    rows = [_row("sample window e2e, fetch+stories+write+publish (offline)",
                 *_median(False, repeats))]
    if find_hugo():
        rows.append(_row("same, plus Hugo site build", *_median(True, repeats)))
    return rows


if __name__ == "__main__":
    for row in run(quick=True):
        print(row)
