"""The JSONL interchange format of DESIGN.md: one post a line (import, export, sample data).

A bad line becomes an :class:`InputError` naming the line and the fix; readers skip it and go
on. Addresses must be http(s): a post whose ``url`` is anything else (``javascript:``,
``data:``, ``file:``, no scheme) is such a bad line and is skipped, since its url is the item's
link; an entry of ``links`` that is not http(s) is dropped from the post, and a note says so.
Does NOT touch the store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from aidigest.errors import InputError, SourceError
from aidigest.models import Author, Metrics, Post, SourceReport
from aidigest.sources import Cursors
from aidigest.timeutil import iso_utc, parse_instant

REQUIRED = ("id", "url", "author.handle", "created_at", "text")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
PAGE_SIZE = 500
_TO_JSON = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(x, ensure_ascii=False),
# without building an encoder for every post


# Unicode's control (Cc: U+0000–U+001F, U+007F–U+009F) and surrogate (Cs) code points, except
# newline and tab: one regex pass instead of a category lookup per character (the same result,
# checked over every code point in tests/test_jsonl.py)
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Drop NUL/control characters and lone surrogates; keep newlines and tabs."""
    return _UNWANTED.sub("", text)


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return None if value in (None, "") else clean_text(str(value))


# An ASCII http(s) address whose host part has no brackets, spaces or controls: urlsplit would
# find that scheme and a non-empty netloc, so it is not called (the common case, at import)
_PLAIN_WEB_URL = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~%!$&'()*+,;=:@-]+(?:[/?#]|$)")


def is_web_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) address (the only kind a digest links to)."""
    url = url.strip()
    if _PLAIN_WEB_URL.match(url):
        return True
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _web_links(links: list[Any], where: str, notes: list[str] | None) -> tuple[str, ...]:
    kept: list[str] = []
    for raw in links:
        link = clean_text(str(raw)).strip() if raw else ""
        if not link:
            continue
        if is_web_url(link):
            kept.append(link)
        elif notes is not None:
            notes.append(f"{where}: link {link[:80]!r} is not an http(s) address; dropped from "
                         "its links (the post is kept)")
    return tuple(kept)


def post_from_dict(
    data: Any, source: str = "", where: str = "post", notes: list[str] | None = None
) -> Post:
    """Validate one interchange object into a Post (InputError names what is wrong); a
    dropped link is described in ``notes``."""
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(data).__name__}")
    author = data.get("author")
    missing = [
        key for key in REQUIRED
        if (key == "author.handle" and not (isinstance(author, dict) and author.get("handle")))
        or (key != "author.handle" and data.get(key) in (None, ""))
    ]
    if missing:
        raise InputError(f"{where}: missing required field(s) {', '.join(missing)}")
    assert isinstance(author, dict)
    url = clean_text(str(data["url"])).strip()
    if not is_web_url(url):
        raise InputError(f"{where}: url {url[:80]!r} is not an http(s) address; the line is "
                         "skipped (write the post's https:// address)")
    if not isinstance(data["text"], str):
        raise InputError(f"{where}: 'text' must be a string")
    links = data.get("links") or []
    if not isinstance(links, list):
        raise InputError(f"{where}: 'links' must be a list of URLs")
    followers = author.get("followers")
    try:
        followers = int(followers) if followers is not None else None
    except (TypeError, ValueError):
        raise InputError(f"{where}: author.followers must be a number") from None
    metrics = data.get("metrics")
    raw = _TO_JSON(data)
    if _LONE_SURROGATE.search(raw):
        raise InputError(
            f"{where}: holds a lone surrogate (an invalid \\ud800–\\udfff escape), which is "
            "not valid Unicode; fix the encoding where the file was produced")
    return Post(
        id=clean_text(str(data["id"])).strip(),
        url=url,
        author=Author(
            handle=clean_text(str(author["handle"])).lstrip("@").strip(),
            name=clean_text(str(author.get("name") or "")),
            followers=followers,
        ),
        created_at=parse_instant(str(data["created_at"]), f"{where}: created_at"),
        text=clean_text(data["text"]),
        platform=str(data.get("platform") or "x"),
        lang=_opt_str(data, "lang"),
        links=_web_links(links, where, notes),
        reply_to=_opt_str(data, "reply_to"),
        quote_of=_opt_str(data, "quote_of"),
        repost_of=_opt_str(data, "repost_of"),
        conversation_id=_opt_str(data, "conversation_id"),
        metrics=Metrics.from_dict(metrics if isinstance(metrics, dict) else None),
        source=source,
        raw=raw,
    )


def post_to_dict(post: Post) -> dict[str, Any]:
    """The interchange object for a post (no ``raw``, no ``source``)."""
    author: dict[str, Any] = {"handle": post.author.handle, "name": post.author.name}
    if post.author.followers is not None:
        author["followers"] = post.author.followers
    return {
        "id": post.id,
        "platform": post.platform,
        "url": post.url,
        "author": author,
        "created_at": iso_utc(post.created_at).replace("+00:00", "Z"),
        "lang": post.lang,
        "text": post.text,
        "links": list(post.links),
        "reply_to": post.reply_to,
        "quote_of": post.quote_of,
        "repost_of": post.repost_of,
        "conversation_id": post.conversation_id,
        "metrics": post.metrics.to_dict(),
    }


def read_lines(
    lines: Iterable[str], source: str = "", origin: str = "input", notes: list[str] | None = None
) -> Iterator[Post | InputError]:
    """Each non-blank line as a Post, or as the InputError explaining why it was skipped;
    what was dropped from a kept line (a link that is not http(s)) goes to ``notes``."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{origin} line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputError(f"{where}: not valid JSON ({exc.msg}); one JSON object per line")
            continue
        try:
            yield post_from_dict(data, source, where, notes)
        except InputError as exc:
            yield exc


def write_posts(posts: Iterable[Post], out: IO[str]) -> int:
    count = 0
    for post in posts:
        out.write(json.dumps(post_to_dict(post), ensure_ascii=False) + "\n")
        count += 1
    return count


class JsonlSource:
    """A JSONL file in the interchange format, read whole on every fetch (upserts are cheap)."""

    kind = "jsonl"

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path

    def fetch(self, cursors: Cursors, report: SourceReport) -> Iterator[list[Post]]:
        try:
            handle = self.path.open(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise SourceError(
                f"source {self.name}: cannot read {self.path} ({exc.strerror}); "
                "fix 'path' in aidigest.toml"
            ) from exc
        page: list[Post] = []
        with handle:
            for item in read_lines(handle, self.name, str(self.path), report.notes):
                if isinstance(item, InputError):
                    report.skipped += 1
                    report.notes.append(str(item))
                    continue
                page.append(item)
                if len(page) >= PAGE_SIZE:
                    report.pages += 1
                    yield page
                    page = []
        report.pages += 1
        yield page
