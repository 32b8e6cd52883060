"""The grouping and story part of story building at 10k posts (``group_posts`` + ``make_story``),
this tree against an older commit, back to back: CPU seconds, fresh process per build.

    python benchmarks/compare_grouping.py [REV] [--rounds N] [--posts N]

Like ``compare_stories.py`` (whose ``checkout`` it uses) but timing only what follows
featurisation; the features' lazily computed parts (words, named entities) are computed
before the clock starts, so the figure is the grouping and ranking code's own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from compare_stories import ROOT, checkout

_TIMER = """
import sys, time
sys.path.insert(0, {bench!r})
from bench_stories import synthetic_posts
from aidigest.config import StoriesSection
from aidigest.stories import _context, _core, featurize_posts
from aidigest.stories.cluster import group_posts
from aidigest.stories.rank import make_story
feats = featurize_posts(synthetic_posts({n}))
for f in feats:
    f.words, f.named
begin = time.process_time()
groups = group_posts(feats)
middle = time.process_time()
ctx = _context([f.post for f in feats], None, StoriesSection(), None, None, None)
for g in groups:
    members = [feats[i] for i in g.members]
    make_story(members, g.reasons, _core(members), ctx)
print(middle - begin, time.process_time() - middle)
"""


def _time(src: Path, posts: int) -> tuple[float, float]:
    """(group_posts, make_story) CPU seconds with the package at ``src``, in a new process."""
    code = _TIMER.format(bench=str(ROOT / "benchmarks"), n=posts)
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(src)},
                         check=True, capture_output=True, text=True)
    group, story = out.stdout.strip().splitlines()[-1].split()
    return float(group), float(story)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("rev", nargs="?", default="8528358", help="the older commit (default 8528358)")
    ap.add_argument("--rounds", type=int, default=3, help="builds per tree (default 3)")
    ap.add_argument("--posts", type=int, default=10_000, help="posts per build (default 10000)")
    args = ap.parse_args()
    times: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory(prefix="aidigest-grouping-") as tmp:
        old = checkout(args.rev, Path(tmp))
        for k in range(args.rounds):
            for name, src in (("old", old / "src"), ("new", ROOT / "src")):
                times[name].append(_time(src, args.posts))
                group, story = times[name][-1]
                print(f"round {k + 1}: {name} group_posts {group:.2f} s, make_story {story:.2f} s",
                      file=sys.stderr)
    med = {name: [statistics.median(t[k] for t in runs) for k in (0, 1)]
           for name, runs in times.items()}
    for name, rev in (("old", args.rev), ("new", "this tree")):
        print(f"{name} ({rev}): group_posts {med[name][0]:.2f} s + make_story {med[name][1]:.2f} s"
              f" = {sum(med[name]):.2f} s CPU (medians)")
    print(f"new / old: group_posts {med['new'][0] / med['old'][0]:.2f}, both "
          f"{sum(med['new']) / sum(med['old']):.2f} ({args.posts} posts)")


if __name__ == "__main__":
    main()
