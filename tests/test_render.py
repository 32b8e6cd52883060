"""The renderer reproduces the reference digest's layout byte for byte, and post text cannot
break out of it (no extra links, no HTML, valid YAML front matter)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from aidigest.models import Digest, DigestItem
from aidigest.render import render_digest
from aidigest.slots import parse_slot

ITEM = re.compile(r"^(\d+)\.\s+\[(.*)\]\((\S+)\)\n\n    (.*)$", re.M)


def _items_of(reference: str) -> list[DigestItem]:
    items = []
    for _n, title, url, summary in ITEM.findall(reference):
        head, _, author = title.rpartition("-")
        items.append(DigestItem(head, summary, url, author, f"s-{url[-6:]}", url.rsplit("/", 1)[-1]))
    return items


def test_reference_digest_is_reproduced_byte_for_byte(shared_data: Path) -> None:
    reference = (shared_data.parent / "reference" / "003_4f7d36df7cd6d7b3.txt").read_text("utf-8")
    front = yaml.safe_load(reference.split("---")[1])
    items = _items_of(reference)
    assert len(items) == 12
    digest = Digest(
        slot=parse_slot("2025.12.07.08"),
        made_at=datetime.fromisoformat("2025-12-07T08:00:08+08:00"),
        categories=tuple(front["categories"]),
        items=tuple(items),
    )
    assert render_digest(digest).rstrip("\n") == reference


def _digest(title: str, summary: str, author: str = "宝玉", url: str = "https://x.com/a/status/1") -> Digest:
    item = DigestItem(title, summary, url, author, "s-1", "1")
    return Digest(parse_slot("2025-12-07T08"), datetime.fromisoformat("2025-12-07T08:00:08+08:00"),
                  ("AI进展", "大模型", "AI应用"), (item,) * 10)


def test_markers_pad_text_to_column_five() -> None:
    text = render_digest(_digest("标题", "摘要 **Qwen3-TTS** 发布"))
    lines = text.splitlines()
    assert "1.  [标题-宝玉](https://x.com/a/status/1)" in lines
    assert "10. [标题-宝玉](https://x.com/a/status/1)" in lines
    assert "    摘要 **Qwen3-TTS** 发布" in lines


@pytest.mark.parametrize(
    "title,summary,author",
    [
        ("](javascript:alert(1))", "see [here](https://evil.example) <script>alert(1)</script>", "x"),
        ("a\nb\r\n---\ntitle: pwned", "line\n\n1. [x](y)", "](javascript:alert(1))"),
        ("![img](https://e.com/a.png)", "`code` <b>bold</b> ~~s~~ https://evil.example/x", "<i>"),
        ("\u202etxt\u200b", "**ok** **[link](http://e.com)**", 'a"b\\'),
    ],
)
def test_hostile_text_cannot_add_links_html_or_front_matter(title: str, summary: str, author: str) -> None:
    text = render_digest(_digest(title, summary, author))
    front, body = text.split("---\n", 2)[1:]
    meta = yaml.safe_load(front)
    assert set(meta) == {"title", "date", "categories"}
    links = re.findall(r"(?:^|[^\\])(?:\\\\)*\]\(", body, re.M)
    assert len(links) == 10 and body.count("](https://x.com/a/status/1)") == 10
    assert not re.search(r"(?:^|[^\\])(?:\\\\)*<[a-zA-Z/]", body, re.M)
    assert "http://e.com" not in body and "https://evil.example" not in body
    assert "\u202e" not in body and "\u200b" not in body


def test_only_http_links_are_published() -> None:
    with pytest.raises(ValueError):
        render_digest(_digest("t", "s", url="javascript:alert(1)"))
