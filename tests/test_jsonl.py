"""The JSONL interchange format: required fields, bad lines named and skipped, round trip;
a url that is not http(s) skips its line and a link that is not is dropped, each named
(issue 17, item 8)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from click.testing import CliRunner

from aidigest.cli import main
from aidigest.errors import InputError
from aidigest.models import Post
from aidigest.sources.jsonl import post_to_dict, read_lines, write_posts
from aidigest.store import open_store

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


def _line(n: int, url: str, links: list[str] | None = None) -> str:
    return json.dumps({"id": str(n), "url": url, "author": {"handle": "a"}, "links": links or [],
                       "created_at": "2025-12-07T01:00:00Z", "text": "OpenAI ships a model"})


NOT_WEB = ["javascript:alert(document.cookie)", "JavaScript:alert(1)", "data:text/html,<b>x</b>",
           "file:///etc/passwd", "x.com/a/status/4", "https://"]


def test_a_url_that_is_not_http_is_named_and_its_line_skipped(
    project: Path, runner: CliRunner
) -> None:
    lines = [_line(n, url) for n, url in enumerate(NOT_WEB, 1)]
    lines.append(_line(9, "https://x.com/a/status/9",
                       ["javascript:alert(2)", "https://example.com/ok", "vbscript:msgbox"]))
    (project / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["import", "in.jsonl"])
    assert result.exit_code == 0, result.output
    for n, url in enumerate(NOT_WEB, 1):
        assert (f"skipped: in.jsonl line {n}: url {url!r} is not an http(s) address; the line is "
                "skipped") in result.stderr, url
    assert ("note: in.jsonl line 7: link 'javascript:alert(2)' is not an http(s) address; "
            "dropped from its links (the post is kept)") in result.stderr
    assert "line 7: link 'vbscript:msgbox'" in result.stderr
    assert f"imported 1 posts (1 new, 0 updated), skipped {len(NOT_WEB)}" in result.stdout
    with open_store(project / "aidigest.db") as store:
        (post,) = list(store.iter_posts())
    assert post.url == "https://x.com/a/status/9" and post.links == ("https://example.com/ok",)


def test_the_jsonl_source_says_the_same_in_its_report(project: Path, runner: CliRunner) -> None:
    (project / "sample_posts.jsonl").write_text(
        _line(1, "javascript:alert(1)") + "\n" + _line(2, "https://x.com/a/status/2", ["data:x"])
        + "\n", encoding="utf-8")
    fetched = runner.invoke(main, ["fetch"])
    assert fetched.exit_code == 0, fetched.output
    with open_store(project / "aidigest.db") as store:
        health = store.source_health()["sample"]
        (post,) = list(store.iter_posts())
    assert health.skipped == 1 and post.links == ()
    problems = " ".join(health.warnings)
    assert "line 1: url 'javascript:alert(1)' is not an http(s) address" in problems
    assert "line 2: link 'data:x' is not an http(s) address; dropped" in problems


def test_clean_text_drops_exactly_the_control_and_surrogate_code_points() -> None:
    """The one-regex clean_text drops what a per-character Unicode category test drops
    (Cc and Cs, newline and tab kept), checked over every code point."""
    import sys
    import unicodedata

    from aidigest.sources.jsonl import clean_text

    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    expected = "".join(ch for ch in everything
                       if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    assert clean_text(everything) == expected
    assert clean_text("a\x00b\r\nc\td\x85e\ud800f") == "ab\nc\tdef"


def test_is_web_url_agrees_with_urlsplit_on_many_shapes() -> None:
    """The regex fast path of is_web_url answers as urlsplit does (or raises as it does)."""
    import random
    import string
    from urllib.parse import urlsplit

    from aidigest.sources.jsonl import is_web_url

    def slow(url: str) -> bool | str:
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            return "raises"
        return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)

    def fast(url: str) -> bool | str:
        try:
            return is_web_url(url)
        except ValueError:
            return "raises"

    rng = random.Random(7)
    alphabet = string.printable + "[]@:/?#é中．℀ \t\r\n\x00"
    starts = ["http://", "https://", "HTTP://", "hTTps://", "http:/", "http:", "ftp://",
              "https:///", "//", "", "javascript:", "http://[", "https://@", "http://:80"]
    for _ in range(30000):
        url = rng.choice(starts) + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert fast(url) == slow(url), url
