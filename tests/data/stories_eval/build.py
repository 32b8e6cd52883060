"""Build ``posts.jsonl`` (interchange format) and ``gold.json`` from ``events.txt``.

Run from anywhere: ``python tests/data/stories_eval/build.py``. Deterministic: ids, times and
metrics derive from positions and a fixed seed. Texts are written for this project from public
news; engagement numbers are synthetic (per-author level times log-normal noise, independent
of the gold labels) so ranking tests cannot read the answer from the metrics.
"""

from __future__ import annotations

import json
import random
import re
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
START = datetime(2025, 12, 6, 20, 0, tzinfo=UTC)  # slot 2025-12-07T08 (+08:00) starts here
BASE_ID = 1997000000000000000


def _lang(text: str) -> str:
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    return "zh" if cjk * 8 >= len(re.findall(r"[A-Za-z]", text)) and cjk else "en"


def _parse(lines: list[str]) -> list[tuple[str, bool, list[dict[str, str]]]]:
    stories: dict[str, tuple[str, bool, list[dict[str, str]]]] = {}
    current = None
    for line in lines:
        line = line.rstrip()
        if not line or line.startswith("# "):
            continue
        if line.startswith("## "):
            name, _, mark = line[3:].partition(" ")
            current = stories.setdefault(name, (name, mark.strip() == "!", []))
            continue
        assert current is not None, line
        handle, text, *opts = [part.strip() for part in line.split(" | ")]
        spec = {"handle": handle, "text": text}
        for opt in opts:
            for item in opt.split():
                k, _, v = item.partition("=")
                spec.setdefault(k, v) if k != "link" else spec.update(
                    link=(spec.get("link", "") + " " + v).strip())
        current[2].append(spec)
    return list(stories.values())


def _metrics(handle: str, rng: random.Random) -> dict[str, int]:
    level = 20 + zlib.crc32(handle.encode()) % 2000
    likes = int(level * rng.lognormvariate(0, 0.6))
    return {"likes": likes, "reposts": likes // 8, "replies": likes // 20, "quotes": likes // 40,
            "bookmarks": likes // 5, "views": likes * 60}


def build() -> tuple[list[dict[str, object]], dict[str, object]]:
    rng = random.Random(20251207)
    stories = _parse((HERE / "events.txt").read_text(encoding="utf-8").splitlines())
    posts: list[dict[str, object]] = []
    gold: dict[str, dict[str, object]] = {}
    for name, important, specs in stories:
        ids: list[str] = []
        for spec in specs:
            pid = str(BASE_ID + len(posts) * 7919)
            handle = spec["handle"]
            minute = (len(posts) * 37) % 235
            created = START + timedelta(minutes=minute, seconds=len(posts) % 60)
            ref = {k: ids[int(spec[k])] for k in ("repost", "quote", "reply") if k in spec}
            if ref:
                target = next(p for p in posts if p["id"] == next(iter(ref.values())))
                created = datetime.fromisoformat(str(target["created_at"])) + timedelta(minutes=3)
            text = spec["text"]
            if "repost" in ref:
                original = next(p for p in posts if p["id"] == ref["repost"])
                author = original["author"]["handle"]  # type: ignore[index]
                text = f"RT @{author}: {str(original['text'])[:110]}"
            conversation = ref.get("reply", pid)
            links = spec.get("link", "").split()
            posts.append({
                "id": pid, "platform": "x", "url": f"https://x.com/{handle}/status/{pid}",
                "author": {"handle": handle, "name": handle.strip("_"),
                           "followers": 1000 + zlib.crc32(handle.encode()) % 500000},
                "created_at": created.isoformat().replace("+00:00", "Z"), "lang": _lang(text),
                "text": text + ("" if not links else " " + links[0]), "links": links,
                "reply_to": ref.get("reply"), "quote_of": ref.get("quote"),
                "repost_of": ref.get("repost"), "conversation_id": conversation,
                "metrics": _metrics(handle, rng) if "repost" not in ref else {},
            })
            ids.append(pid)
        gold[name] = {"important": important, "posts": ids}
    return posts, {"stories": gold}


if __name__ == "__main__":
    rows, labels = build()
    with open(HERE / "posts.jsonl", "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (HERE / "gold.json").write_text(json.dumps(labels, ensure_ascii=False, indent=1) + "\n",
                                    encoding="utf-8")
    stories = labels["stories"]
    assert isinstance(stories, dict)
    print(f"{len(rows)} posts, {len(stories)} stories, "
          f"{sum(1 for s in stories.values() if len(s['posts']) == 1)} singletons")
