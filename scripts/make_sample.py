"""Regenerate the bundled sample window ``src/aidigest/data/sample_posts.jsonl`` from
``scripts/sample_events.txt`` with the same builder as the stories evaluation set.

Usage: ``python scripts/make_sample.py``. Deterministic.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "scripts" / "sample_events.txt"
OUT = ROOT / "src" / "aidigest" / "data" / "sample_posts.jsonl"
START = datetime(2025, 12, 6, 20, 0, tzinfo=UTC)
END = datetime(2025, 12, 7, 0, 0, tzinfo=UTC)


def _builder() -> object:
    path = ROOT / "tests" / "data" / "stories_eval" / "build.py"
    spec = importlib.util.spec_from_file_location("stories_eval_build", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    posts, _gold = _builder().build(EVENTS, START)  # type: ignore[attr-defined]
    with OUT.open("w", encoding="utf-8") as handle:
        for post in posts:
            handle.write(json.dumps(post, ensure_ascii=False) + "\n")
    inside = [p for p in posts if START <= datetime.fromisoformat(p["created_at"]) < END]
    kinds = Counter(k for p in posts for k in ("reply_to", "quote_of", "repost_of") if p[k])
    print(f"{len(posts)} posts ({len(inside)} in the window), "
          f"{len({p['author']['handle'] for p in posts})} authors, {dict(kinds)} -> {OUT}")


if __name__ == "__main__":
    main()
