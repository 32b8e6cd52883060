"""Fuzzing (hypothesis, 2,000 examples each): the JSONL reader ends in a post or a recorded
error; the renderer's output always has valid YAML front matter, exactly one link per item
pointing to the item's own post, and no raw HTML."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidigest.errors import InputError
from aidigest.models import Digest, DigestItem, Post
from aidigest.render import render_digest
from aidigest.slots import parse_slot
from aidigest.sources.jsonl import read_lines

FUZZ = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UNESCAPED_LINK = re.compile(r"(?:^|[^\\])(?:\\\\)*\]\(([^)\n]*)\)", re.M)
UNESCAPED_TAG = re.compile(r"(?:^|[^\\])(?:\\\\)*<[a-zA-Z/!?]", re.M)
NASTY = st.sampled_from(["](", "[", "]", "<script>", "</b>", "**", "*", "_", "`", "\n", "\r\n",
                         "---", "#", "\u202e", "\u200b", "\x00", "\ud800", "javascript:", "http://e.co",
                         "&lt;", "\\", '"', "'", ":", "{{", "}}", "|", "!", "~~"])
TEXT = st.lists(st.one_of(st.text(max_size=30), NASTY), max_size=12).map("".join)

json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(TEXT, kids, max_size=4),
    max_leaves=12,
)
post_like = st.fixed_dictionaries(
    {},
    optional={"id": json_value | TEXT, "url": json_value | TEXT,
              "author": st.fixed_dictionaries({}, optional={"handle": json_value | TEXT,
                                                            "name": json_value, "followers": json_value}),
              "created_at": json_value | st.just("2025-12-07T02:15:00Z"), "text": json_value | TEXT,
              "links": json_value, "metrics": json_value, "reply_to": json_value, "lang": json_value},
)


@FUZZ
@given(st.lists(st.one_of(post_like.map(json.dumps), TEXT), min_size=1, max_size=5))
def test_jsonl_reader_yields_a_post_or_a_named_error_per_line(lines: list[str]) -> None:
    results = list(read_lines(lines, "fuzz", "fuzz.jsonl"))
    assert len(results) <= len(lines)
    for item in results:
        assert isinstance(item, Post | InputError)
        if isinstance(item, InputError):
            assert "fuzz.jsonl line" in str(item)
        else:
            assert item.id and item.url and item.author.handle and item.created_at.tzinfo
            assert "\x00" not in item.text


def _item(title: str, summary: str, author: str, n: int) -> DigestItem:
    return DigestItem(title, summary, f"https://x.com/a{n}/status/{1000 + n}", author, f"s{n}", str(n))


@FUZZ
@given(st.lists(st.tuples(TEXT, TEXT, TEXT), min_size=1, max_size=12), st.lists(TEXT, max_size=5))
def test_renderer_output_is_always_well_formed(items: list[tuple[str, str, str]], cats: list[str]) -> None:
    digest = Digest(parse_slot("2025-12-07T08"), datetime(2025, 12, 7, tzinfo=UTC), tuple(cats),
                    tuple(_item(t, s, a, n) for n, (t, s, a) in enumerate(items)))
    text = render_digest(digest)
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert meta["title"] == digest.title and len(meta["categories"]) == len(cats)
    heads = [line for line in body.split("\n") if re.match(r"^\d{1,2}\.\s{1,2}\[", line)]
    assert len(heads) == len(items)
    links = UNESCAPED_LINK.findall(body)
    assert links == [f"https://x.com/a{n}/status/{1000 + n}" for n in range(len(items))]
    assert not UNESCAPED_TAG.search(body)
    assert "\x00" not in body and "\u202e" not in body
