"""Cross-language story grouping on a real-data set built by ``../shared/stories-eval/``.

    python benchmarks/bench_crosslang.py /tmp/crosslang-dev [--no-embeddings]

With ``make bench CROSSLANG=DIR`` (or ``$AIDIGEST_CROSSLANG_SET``) its rows join the benchmark
table. Imports the set's posts into a store beside the set (``DIR/aidigest-bench.db``, kept so
embeddings are computed once; its mined aliases are cleared first, so a measurement does not
see aliases a previous one mined from later windows), builds each window's stories through the one path every
caller uses (:func:`aidigest.pipeline.stories_between`, as ``aidigest stories --since --until``
does) and scores them as ``stories-eval/score.py`` does: cross-language recall (an English and a
Chinese post of one event end in one story) and the false-merge rate (two posts of different
events end in one story), each with its 95 % Wilson score interval (35 positive pairs are few:
30/35 = 0.857 is anywhere from about 0.71 to 0.94). The recall bound is checked on the point
estimate. The set is evaluation data that is never committed; without a path
(or with a missing one) the benchmark says so and reports nothing.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from aidigest.config import config_from_dict
from aidigest.sources.jsonl import read_lines
from aidigest.store import open_store
from aidigest.timeutil import parse_instant
from aidigest.window import stories_between

BOUND_RECALL, BOUND_FALSE = 0.85, 0.005


def wilson(hits: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of ``hits / total`` (95 % for the default ``z``)."""
    if not total:
        return 0.0, 1.0
    p = hits / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def score(gold: dict[str, Any], story_of: dict[tuple[int, str], str]) -> tuple[int, int, int, int]:
    """(hits, positives, merged negatives, negatives) as ``score.py`` counts them."""
    windows = range(len(gold["windows"]))

    def same(k: int, a: str, b: str) -> bool:
        return (k, a) in story_of and story_of.get((k, a)) == story_of.get((k, b))

    pos = hit = neg = merged = 0
    for a, b in gold["positive"]:
        ks = [k for k in windows if (k, a) in story_of or (k, b) in story_of]
        if ks:
            pos += 1
            hit += any(same(k, a, b) for k in ks)
    for a, b in gold["negative"]:
        ks = [k for k in windows if (k, a) in story_of and (k, b) in story_of]
        if ks:
            neg += 1
            merged += any(same(k, a, b) for k in ks)
    return hit, pos, merged, neg


def measure(data: Path, embeddings: bool = True, verbose: bool = False) -> dict[str, Any]:
    gold = json.loads((data / "gold.json").read_text(encoding="utf-8"))
    cfg = config_from_dict({"stories": {"embeddings": embeddings}}, data)
    begin = time.perf_counter()
    with open_store(data / "aidigest-bench.db") as store:
        # a fresh start for mined aliases (the cached embeddings stay): each window learns only
        # from itself and the windows before it, as in a store that ran them in order
        with store.conn:
            store.conn.execute("DELETE FROM alias_evidence")
        with (data / "posts.jsonl").open(encoding="utf-8") as lines:
            store.upsert_posts(p for p in read_lines(lines, "dev", "posts.jsonl")
                               if not isinstance(p, Exception))
        story_of: dict[tuple[int, str], str] = {}
        for k, w in enumerate(gold["windows"]):
            found = stories_between(cfg, store, parse_instant(w["since"]), parse_instant(w["until"]))
            for s in found:
                for pid in s.post_ids:
                    story_of.setdefault((k, pid), s.id)
            if verbose:
                print(f"window {w['date']}: {len(found)} stories", file=sys.stderr)
    hit, pos, merged, neg = score(gold, story_of)
    return {"recall": hit / max(pos, 1), "hits": hit, "positives": pos,
            "false_merges": merged / max(neg, 1), "merged": merged, "negatives": neg,
            "windows": len(gold["windows"]), "seconds": time.perf_counter() - begin}


def run(quick: bool) -> list[dict[str, Any]]:
    """Rows for ``benchmarks/run.py``: the set named by ``$AIDIGEST_CROSSLANG_SET`` (``make
    bench CROSSLANG=DIR`` sets it), with and without embeddings; none without a set."""
    data = os.environ.get("AIDIGEST_CROSSLANG_SET")
    if not data:
        print("crosslang: no set given (make bench CROSSLANG=DIR); skipped", file=sys.stderr)
        return []
    return rows(Path(data)) + ([] if quick else rows(Path(data), embeddings=False))


def rows(data: Path | None, embeddings: bool = True) -> list[dict[str, Any]]:
    """Benchmark rows for one set (none without the set)."""
    if data is None or not (data / "gold.json").exists():
        return []
    r = measure(data, embeddings)
    tag = "with" if embeddings else "without"
    low, high = wilson(r["hits"], r["positives"])
    recall: dict[str, Any] = {
        "figure": f"stories: real-data cross-language recall ({r['windows']} windows, {tag} "
                  "embeddings)", "median": round(r["recall"], 3), "unit": "",
        "bound": f">= {BOUND_RECALL}",
        "ratio": f"{r['hits']}/{r['positives']}, 95 % CI {low:.3f}–{high:.3f} (Wilson)",
        "ok": r["recall"] >= BOUND_RECALL}
    if not embeddings:  # the fallback mode: reported, the bound is for the default
        recall["bound"] = "- (fallback mode: reported, no bound)"
        del recall["ok"]
    return [
        recall,
        {"figure": f"stories: real-data false-merge rate ({tag} embeddings)",
         "median": round(r["false_merges"], 4),
         "unit": "", "bound": f"<= {BOUND_FALSE}",
         "ratio": "{}/{}, 95 % CI {:.4f}–{:.4f} (Wilson)".format(
             r["merged"], r["negatives"], *wilson(r["merged"], r["negatives"])),
         "ok": r["false_merges"] <= BOUND_FALSE},
    ]


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args or not (Path(args[0]) / "gold.json").exists():
        sys.exit("usage: bench_crosslang.py SET_DIR  (a set built by ../shared/stories-eval/"
                 "build_dev_set.py; never committed)")
    result = measure(Path(args[0]), "--no-embeddings" not in sys.argv, "--verbose" in sys.argv)
    r_low, r_high = wilson(result["hits"], result["positives"])
    f_low, f_high = wilson(result["merged"], result["negatives"])
    print(f"cross-language recall {result['recall']:.3f} ({result['hits']}/{result['positives']}, "
          f"95 % CI {r_low:.3f}–{r_high:.3f}); false merges {result['false_merges']:.4f} "
          f"({result['merged']}/{result['negatives']}, 95 % CI {f_low:.4f}–{f_high:.4f}); "
          f"{result['seconds']:.1f} s")
    recall_ok = result["recall"] >= BOUND_RECALL or "--no-embeddings" in sys.argv  # fallback: no bound
    sys.exit(0 if recall_ok and result["false_merges"] <= BOUND_FALSE else 1)
