"""Hostile content through the whole pipeline: the published digest stays valid, with one
link per item pointing to the item's own post and no HTML from post text or author names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from aidigest.config import config_from_dict
from aidigest.pipeline import RunOptions, run_slot
from aidigest.publish import init_site
from aidigest.slots import parse_slot
from aidigest.store import open_store

SLOT = parse_slot("2025-12-07T08")
UNESCAPED_LINK = re.compile(r"(?:^|[^\\])(?:\\\\)*\]\(([^)]*)\)", re.M)
UNESCAPED_TAG = re.compile(r"(?:^|[^\\])(?:\\\\)*<[a-zA-Z/!]", re.M)

HOSTILE = [
    ("evil1", "](javascript:alert(1))", "OpenAI GPT-9 launch: [click](javascript:alert(1)) "
     "<script>alert('x')</script> <img src=x onerror=alert(1)> model release today"),
    ("evil2", "<b>Bold</b>", "<script>" * 200 + " Claude 9 model released with agents"),
    ("zw", "zero\u200bwidth\u202e", "Gemini\u200b 4 \u202emodel\u202c release with \u2066bidi\u2069 "
     "controls and zero\u200dwidth joiners in the AI announcement"),
    ("huge", "Huge Poster", "DeepSeek V9 model release. " + "長文本 AI model benchmark 測試 " * 8000),
    ("ru", "Иван", "Новая модель ИИ Sber GigaChat 3 выпущена сегодня, open weights on Hugging Face"),
    ("emoji", "😀😀", "🤖🚀🔥💯🎉🤖🚀🔥💯🎉"),
    ("md", "# Heading", "---\ntitle: pwned\n---\n# AI model Heading\n\n* list\n> quote Llama 5 released"),
]


def _posts() -> list[dict[str, object]]:
    rows = []
    for n, (handle, name, text) in enumerate(HOSTILE):
        pid = str(1997000000000000000 + 10_000_000 + n)
        rows.append({"id": pid, "url": f"https://x.com/{handle}/status/{pid}",
                     "author": {"handle": handle, "name": name, "followers": 10},
                     "created_at": f"2025-12-06T2{n % 4}:1{n}:00Z", "text": text,
                     "metrics": {"likes": 100000, "reposts": 5000}})
    return rows


def test_hostile_posts_cannot_break_the_digest(tmp_path: Path) -> None:
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in _posts()) + "\n", "utf-8")
    init_site(tmp_path / "site")
    cfg = config_from_dict({"sources": [{"name": "h", "kind": "jsonl", "path": str(path)}],
                            "digest": {"items": {"min": 1, "max": 12}},
                            "publish": {"build": False}}, tmp_path)
    with open_store(cfg.store_path) as store:
        result = run_slot(cfg, store, RunOptions(SLOT, fetch=True))
    assert result.report.outcome == "published", result.report
    text = result.path.read_text(encoding="utf-8")  # type: ignore[union-attr]
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert set(meta) == {"title", "date", "categories"} and meta["title"].startswith("2025.12.07.08")
    blocks = body.strip("\n").split("\n\n")
    heads = blocks[::2]
    written = [i for i in result.report.items if i.outcome != "rejected"]
    assert len(heads) == len(written) >= 2  # the quality gate refuses what cannot be cleaned
    assert all("quality gate" in i.notes[0] for i in result.report.items if i.outcome == "rejected")
    own = {f"https://x.com/{h}/status/" for h, _n, _t in HOSTILE}
    for head, summary in zip(heads, blocks[1::2], strict=True):
        links = UNESCAPED_LINK.findall(head + "\n" + summary)
        assert len(links) == 1 and any(links[0].startswith(o) for o in own), head
        assert not UNESCAPED_TAG.search(head + summary)
        assert "javascript:" not in links[0]
        assert not re.search("[\u200b-\u200f\u202a-\u202e\u2066-\u2069]", head + summary)
        assert len(summary) < 400
