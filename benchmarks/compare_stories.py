"""Story building at 10k posts, this tree against an older commit, measured back to back; and
``--identity``: the same stories, exactly, from both trees.

    python benchmarks/compare_stories.py [REV] [--rounds N] [--posts N] [--wall]
    python benchmarks/compare_stories.py [REV] --identity [--crosslang DIR] [--big]

The machines here are shared: one build of 10k posts took 7.2 s on one day and 11 s on another
with the same code. An absolute bound therefore says more about the machine than the code, so
this script unpacks ``REV`` (default c6c5758, the code when issue 18 asked for 1.5 s; ``git
archive``, no worktree is registered) into a temporary folder and times ``build_stories`` on
the same synthetic posts (``bench_stories.synthetic_posts``), old and new alternately, each
build in a fresh process. The ratio is of CPU time (``--wall``: wall time), which other work
on a shared machine disturbs far less than the clock.

``--identity`` runs ``stories_fingerprint.py`` with each tree and compares every story (ids,
members in order, representative, exact score and parts, reasons, filter) per data set.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = "c6c5758"
_TIMER = """
import sys, time
sys.path.insert(0, {bench!r})
from bench_stories import synthetic_posts
from aidigest.stories import build_stories
posts = synthetic_posts({n})
begin, cpu = time.perf_counter(), time.process_time()
build_stories(posts)
print(time.perf_counter() - begin, time.process_time() - cpu)
"""


def _time(src: Path, posts: int) -> tuple[float, float]:
    """(wall, CPU) seconds of one build with the package at ``src``, in a fresh interpreter."""
    code = _TIMER.format(bench=str(ROOT / "benchmarks"), n=posts)
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True)
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def compare(rev: str = BASE, rounds: int = 3, posts: int = 10_000
            ) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) build times of ``rev`` ("old") and this tree ("new"), alternately, each
    in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="aidigest-compare-") as tmp:
        old = checkout(rev, Path(tmp))
        _time(ROOT / "src", min(posts, 100))  # fills the disk cache of derived tables once
        times: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
        for k in range(rounds):
            for name, src in (("old", old / "src"), ("new", ROOT / "src")):
                times[name].append(_time(src, posts))
                wall, cpu = times[name][-1]
                print(f"round {k + 1}: {name} {wall:.2f} s wall, {cpu:.2f} s CPU", file=sys.stderr)
    return times


def medians(times: dict[str, list[tuple[float, float]]], wall: bool = False) -> tuple[float, float]:
    """(old, new) medians of CPU time (``wall``: of wall time)."""
    k = 0 if wall else 1
    return (statistics.median(t[k] for t in times["old"]),
            statistics.median(t[k] for t in times["new"]))


def checkout(rev: str, into: Path) -> Path:
    """The ``src`` tree of ``rev`` unpacked under ``into`` (``git archive``: no worktree is
    registered, so nothing is left behind in the repository)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def identity(rev: str, extra: list[str]) -> list[str]:
    """The data sets whose stories differ between ``rev`` and this tree (empty: identical)."""
    with tempfile.TemporaryDirectory(prefix="aidigest-identity-") as tmp:
        old = checkout(rev, Path(tmp))
        found = {}
        for name, src in (("old", old / "src"), ("new", ROOT / "src")):
            out = Path(tmp) / f"{name}.json"
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "stories_fingerprint.py"),
                            str(out), *extra], env={**os.environ, "PYTHONPATH": str(src)},
                           check=True)
            found[name] = json.loads(out.read_text(encoding="utf-8"))["sha256"]
    for name in found["new"]:
        same = found["old"].get(name) == found["new"][name]
        print(f"{name}: {'identical' if same else 'DIFFERENT'} ({found['new'][name][:16]})")
    return [k for k in found["new"] if found["old"].get(k) != found["new"][k]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("rev", nargs="?", default=BASE, help=f"the older commit (default {BASE})")
    ap.add_argument("--rounds", type=int, default=3, help="builds per tree (default 3)")
    ap.add_argument("--posts", type=int, default=10_000, help="posts per build (default 10000)")
    ap.add_argument("--wall", action="store_true", help="the ratio of wall time, not CPU time")
    ap.add_argument("--identity", action="store_true",
                    help="compare the stories themselves (stories_fingerprint.py), not times")
    ap.add_argument("--crosslang", default=None, help="with --identity: a real-data set too")
    ap.add_argument("--big", action="store_true", help="with --identity: 100k posts too")
    args = ap.parse_args()
    if args.identity:
        extra = [*(["--crosslang", args.crosslang] if args.crosslang else []),
                 *(["--big"] if args.big else [])]
        sys.exit(1 if identity(args.rev, extra) else 0)
    times = compare(args.rev, args.rounds, args.posts)
    print("| tree | median wall | median CPU | builds (wall / CPU) |\n|---|---|---|---|")
    for name, rev in (("old", args.rev), ("new", "this tree")):
        runs = " ; ".join(f"{w:.2f}/{c:.2f}" for w, c in times[name])
        wall = statistics.median(t[0] for t in times[name])
        cpu = statistics.median(t[1] for t in times[name])
        print(f"| {name} ({rev}) | {wall:.2f} s | {cpu:.2f} s | {runs} |")
    old_s, new_s = medians(times, args.wall)
    print(f"\nnew / old = {new_s / old_s:.2f} ({'wall' if args.wall else 'CPU'} time, "
          f"{args.posts} posts, embeddings excluded)")


if __name__ == "__main__":
    main()
