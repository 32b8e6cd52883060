"""Build the continuity DEV set: consecutive daily windows of real posts nobody here wrote.

    python benchmarks/continuity_set.py AINEWS_GIT_DIR JUYA_GIT_DIR OUT_DIR

Each day of the dev months (before 2026-03-28, the held-out cut of ``../shared/stories-eval``)
is one window: that day's 橘鸦AI早报 items and AINews recap bullets, read with the
functions of ``../shared/stories-eval/build_dev_set.py`` (imported from that folder at run
time, never copied). Links are removed and URLs are synthetic, so a match between days must
come from the text. The ground truth is what each post cites: the X status ids of its links,
kept apart from the posts in ``gold.json``. Two posts of different days that cite one status
report one event.

Writes OUT_DIR/posts.jsonl and OUT_DIR/gold.json ``{"windows": [{date, since, until, n}],
"cites": {post id: [status id, …]}}``. Evaluation data for this machine only: the archives'
texts are not ours (juya is CC BY-NC 4.0, AINews carries no licence); never commit the output.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

EVAL_TOOLS = Path(__file__).resolve().parents[1] / ".." / "shared" / "stories-eval"
FIRST_DAY = "2026-02-01"


def _tools() -> Any:
    """``build_dev_set`` from ``../shared/stories-eval`` (its functions, imported at run time)."""
    sys.path.insert(0, str(EVAL_TOOLS.resolve()))
    import build_dev_set  # type: ignore[import-not-found]

    return build_dev_set


def _day_of_issue(issue: str) -> str:
    """``26-02-18-not-much`` → ``2026-02-18``."""
    return "20" + issue[:8]


def _post(pid: str, handle: str, name: str, lang: str, when: dt.datetime, text: str,
          serial: int) -> dict[str, Any]:
    return {"id": pid, "platform": "x", "url": f"https://x.com/{handle}/status/7{serial:09d}",
            "author": {"handle": handle, "name": name}, "lang": lang,
            "created_at": when.isoformat().replace("+00:00", "Z"), "text": text}


def build(ainews: str, juya: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The posts of every dev day and the gold file."""
    tools = _tools()
    bullets = collections.defaultdict(list)
    for b in tools.ainews_bullets(ainews):
        bullets[_day_of_issue(b["issue"])].append(b)
    items = collections.defaultdict(list)
    for it in tools.juya_items(juya):
        items[it["date"]].append(it)
    days = sorted(d for d in set(bullets) | set(items) if FIRST_DAY <= d < tools.CUTOFF)
    days = [d for d in days if items.get(d)]  # days the Chinese digest covers
    posts: list[dict[str, Any]] = []
    cites: dict[str, list[str]] = {}
    windows = []
    for d in days:
        start = dt.datetime.combine(dt.date.fromisoformat(d), dt.time(), dt.UTC)
        n = 0
        for k, it in enumerate(items[d]):
            pid = f"zh-{d}-{k:02d}"
            text = tools.strip_md(it["title"] + "。" + it["summary"])
            posts.append(_post(pid, "zh_daily", "橘鸦", "zh",
                               start + dt.timedelta(hours=8, minutes=k), text, len(posts)))
            cites[pid] = sorted(tools.status_ids([it["url"], *it["related"]]))
            n += 1
        for k, b in enumerate(bullets.get(d, [])):
            pid = f"en-{d}-{k:03d}"
            user = b["tweets"][0]["user"] if b["tweets"] else "ainews"
            text = tools.strip_md(b["title"] + ": " + b["text"])[:1200]
            posts.append(_post(pid, user, user, "en", start + dt.timedelta(hours=12, minutes=k),
                               text, len(posts)))
            cites[pid] = sorted({t["id"] for t in b["tweets"]})
            n += 1
        windows.append({"date": d, "since": start.isoformat(),
                        "until": (start + dt.timedelta(days=1)).isoformat(), "n": n})
    return posts, {"windows": windows, "cites": cites}


def main(argv: list[str]) -> None:
    if len(argv) != 3:
        sys.exit(__doc__)
    posts, gold = build(argv[0], argv[1])
    out = Path(argv[2])
    out.mkdir(parents=True, exist_ok=True)
    with (out / "posts.jsonl").open("w", encoding="utf-8") as f:
        for p in posts:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    (out / "gold.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    print(f"continuity dev set: {len(gold['windows'])} daily windows "
          f"({gold['windows'][0]['date']} .. {gold['windows'][-1]['date']}), {len(posts)} posts "
          f"-> {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
