"""The JSONL interchange format: required fields, bad lines named and skipped, round trip."""

from __future__ import annotations

import io
import json

from aidigest.errors import InputError
from aidigest.models import Post
from aidigest.sources.jsonl import post_to_dict, read_lines, write_posts

GOOD = {
    "id": "1997387913022038248", "platform": "x",
    "url": "https://x.com/dotey/status/1997387913022038248",
    "author": {"handle": "dotey", "name": "宝玉", "followers": 120000},
    "created_at": "2025-12-07T02:15:00Z", "lang": "zh", "text": "full text, links expanded",
    "links": ["https://example.com/a"], "reply_to": None, "quote_of": None, "repost_of": None,
    "conversation_id": "1997387913022038248",
    "metrics": {"likes": 120, "reposts": 30, "replies": 5, "quotes": 2, "bookmarks": 40, "views": 20000},
}


def test_design_example_round_trips() -> None:
    (post,) = list(read_lines([json.dumps(GOOD, ensure_ascii=False)]))
    assert isinstance(post, Post)
    assert post.author.name == "宝玉" and post.metrics.views == 20000
    assert post_to_dict(post) == GOOD
    out = io.StringIO()
    assert write_posts([post], out) == 1
    assert json.loads(out.getvalue()) == GOOD


def test_bad_lines_are_named_and_the_rest_is_read() -> None:
    minimal = {"id": "2", "url": "https://x.com/a/status/2", "author": {"handle": "@a"},
               "created_at": "2025-12-07T02:15:00+08:00", "text": "t\x00ext"}
    lines = [
        json.dumps(GOOD), "{not json", "", json.dumps({"id": "1"}), json.dumps([1]),
        json.dumps({**GOOD, "created_at": "yesterday"}), json.dumps(minimal),
        json.dumps({**minimal, "id": "3", "text": "x\ud800"}),
    ]
    items = list(read_lines(lines, "imp", "posts.jsonl"))
    errors = [i for i in items if isinstance(i, InputError)]
    posts = [i for i in items if isinstance(i, Post)]
    assert [p.id for p in posts] == ["1997387913022038248", "2"]
    assert len(errors) == 5
    assert "line 8: holds a lone surrogate" in str(errors[4])  # invalid Unicode: named, skipped
    assert "posts.jsonl line 2" in str(errors[0]) and "not valid JSON" in str(errors[0])
    assert "line 4" in str(errors[1]) and "url" in str(errors[1]) and "author.handle" in str(errors[1])
    assert "created_at" in str(errors[3])
    assert posts[1].author.handle == "a" and posts[1].text == "text"
    assert posts[1].created_at.isoformat() == "2025-12-06T18:15:00+00:00"
    assert posts[1].metrics.likes == 0 and posts[1].source == "imp"
