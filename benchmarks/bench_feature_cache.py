"""The stories step at the close with the schedule process's per-post features cache, against
the same step cold (issue 18: "per-post features computed when a post is stored"), back to
back, on the bundled sample window and on a 10,000-post synthetic window
(``bench_stories.synthetic_posts``); embeddings off in both.

The step is :func:`aidigest.window.stories_between` on a SQLite store holding the window, as
the close runs it. "With the cache": the cache was filled by the polls (``warm_features``)
with every post created up to :data:`~aidigest.live.plan.FINAL_LEAD_SECONDS` before the end;
the posts of that last minute arrive with the close's fetch and are featurised there. Each
repetition gets its own copy of the filled cache. Both runs must build the same stories.

Run standalone: ``python benchmarks/bench_feature_cache.py [--quick]`` (quick: the sample
window only).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections import OrderedDict
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from aidigest.config import Config, config_from_dict  # noqa: E402
from aidigest.live.plan import FINAL_LEAD_SECONDS  # noqa: E402
from aidigest.models import Post, RunReport  # noqa: E402
from aidigest.slots import parse_slot  # noqa: E402
from aidigest.sources.jsonl import post_from_dict  # noqa: E402
from aidigest.store import Store, open_store  # noqa: E402
from aidigest.stories.feature_cache import FeatureCache  # noqa: E402
from aidigest.window import stories_between, warm_features  # noqa: E402
from bench_stories import synthetic_posts  # noqa: E402

SLOT = parse_slot("2025-12-07T08")  # 2025-12-06 20:00 - 24:00 UTC: both windows
RATIO_BOUND_10K = 0.85  # the cached close's stories step over the cold one at 10k posts


def _sample() -> list[Post]:
    text = resources.files("aidigest").joinpath("data", "sample_posts.jsonl").read_text("utf-8")
    return [post_from_dict(json.loads(line)) for line in text.splitlines() if line.strip()]


def _copy(cache: FeatureCache) -> FeatureCache:
    clone = FeatureCache(cache.max_posts)
    clone.fingerprint, clone.entries = cache.fingerprint, OrderedDict(cache.entries)
    clone.mined_for, clone.mined = cache.mined_for, set(cache.mined)
    return clone


def _step(cfg: Config, store: Store, cache: FeatureCache | None) -> tuple[float, list[Any]]:
    report = RunReport(slot=SLOT.key, started_at="")
    began = time.perf_counter()
    stories = stories_between(cfg, store, SLOT.start_utc, SLOT.end_utc, report, features=cache)
    return time.perf_counter() - began, [(s.id, s.post_ids, s.score) for s in stories]


def measure(posts: list[Post], reps: int, root: Path) -> dict[str, Any]:
    """Median seconds of the step with a filled cache and cold, alternating, and the hits."""
    cfg = config_from_dict({"stories": {"embeddings": False}}, root)
    cut = SLOT.end_utc - timedelta(seconds=FINAL_LEAD_SECONDS)
    warm = FeatureCache()
    with open_store(cfg.store_path) as store:
        store.upsert_posts([p for p in posts if p.created_at < cut])
        warm_features(cfg, store, SLOT.start_utc, SLOT.end_utc, warm)  # the polls
        store.upsert_posts([p for p in posts if p.created_at >= cut])  # the close's fetch
        _step(cfg, store, None)  # load dictionaries and lexicons once, outside the timing
        cached, cold, hits = [], [], []
        for _ in range(reps):
            cache = _copy(warm)
            seconds, with_cache = _step(cfg, store, cache)
            cached.append(seconds)
            hits.append((cache.last.hits, cache.last.hits + cache.last.misses, cache.stats.resets))
            seconds, without = _step(cfg, store, None)
            cold.append(seconds)
            if with_cache != without:
                raise SystemExit("bench_feature_cache: the cached close built other stories")
    return {"cached": statistics.median(cached), "cold": statistics.median(cold), "hits": hits[0],
            "stories": len(without)}


def run(quick: bool) -> list[dict[str, Any]]:
    rows = []
    sizes = [("sample window", _sample(), 5)]
    if not quick:
        sizes.append(("10,000 posts", synthetic_posts(10_000), 3))
    for label, posts, reps in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            got = measure(posts, reps, Path(tmp))
        hits, total, resets = got["hits"]
        ratio = got["cached"] / got["cold"]
        rows.append({"figure": f"stories at the close, {label}, features cache filled by the polls "
                     f"({hits}/{total} posts hit, {resets} reset(s); {got['stories']} stories, "
                     "the same as cold)", "median": got["cached"], "unit": "s",
                     "bound": f"<= {RATIO_BOUND_10K}x cold" if total >= 10_000 else "- (informational)",
                     "ratio": round(ratio, 3),
                     **({"ok": ratio <= RATIO_BOUND_10K} if total >= 10_000 else {})})
        rows.append({"figure": f"stories at the close, {label}, cold (informational)",
                     "median": got["cold"], "unit": "s", "bound": "- (informational)", "ratio": ""})
    return rows


if __name__ == "__main__":
    for row in run("--quick" in sys.argv):
        print(f"{row['figure']}: {row['median']:.3f} {row['unit']}  ratio {row['ratio']}  "
              f"bound {row['bound']}  kept {row.get('ok', '-')}")
