"""Story building at 10k posts, this tree against an older commit, measured back to back.

    python benchmarks/compare_stories.py [REV] [--rounds N] [--posts N]

The machines here are shared: one build of 10k posts took 7.2 s on one day and 11 s on another
with the same code. An absolute bound therefore says more about the machine than the code, so
this script checks out ``REV`` (default 9425512, the stories stage before the fitted scorer)
into a temporary git worktree and times ``build_stories`` on the same synthetic posts
(``bench_stories.synthetic_posts``), old and new alternately, each build in a fresh process.
It prints both medians and their ratio; ``make bench`` keeps the absolute row.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = "9425512"
_TIMER = """
import sys, time
sys.path.insert(0, {bench!r})
from bench_stories import synthetic_posts
from aidigest.stories import build_stories
posts = synthetic_posts({n})
begin = time.perf_counter()
build_stories(posts)
print(time.perf_counter() - begin)
"""


def _time(src: Path, posts: int) -> float:
    """Seconds of one build with the package at ``src``, in a fresh interpreter."""
    code = _TIMER.format(bench=str(ROOT / "benchmarks"), n=posts)
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def compare(rev: str = BASE, rounds: int = 3, posts: int = 10_000) -> dict[str, list[float]]:
    """Build times of ``rev`` ("old") and this tree ("new"), alternately, fresh processes."""
    with tempfile.TemporaryDirectory(prefix="aidigest-compare-") as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(old),
                        rev], check=True)
        try:
            times: dict[str, list[float]] = {"old": [], "new": []}
            for k in range(rounds):
                for name, src in (("old", old / "src"), ("new", ROOT / "src")):
                    times[name].append(_time(src, posts))
                    print(f"round {k + 1}: {name} {times[name][-1]:.2f} s", file=sys.stderr)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                           check=False)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("rev", nargs="?", default=BASE, help=f"the older commit (default {BASE})")
    ap.add_argument("--rounds", type=int, default=3, help="builds per tree (default 3)")
    ap.add_argument("--posts", type=int, default=10_000, help="posts per build (default 10000)")
    args = ap.parse_args()
    times = compare(args.rev, args.rounds, args.posts)
    old_s, new_s = statistics.median(times["old"]), statistics.median(times["new"])
    print(f"| tree | median of {args.rounds} | builds |\n|---|---|---|")
    for name, rev, value in (("old", args.rev, old_s), ("new", "this tree", new_s)):
        runs = " / ".join(f"{t:.2f}" for t in times[name])
        print(f"| {name} ({rev}) | {value:.2f} s | {runs} |")
    print(f"\nnew / old = {new_s / old_s:.2f} ({args.posts} posts, embeddings excluded)")


if __name__ == "__main__":
    main()
