"""The RSS/Atom source: one feed over HTTP with conditional GET, parsed by feedparser.

Entries whose link is an X post (``x.com``, ``twitter.com`` or a Nitter-style mirror, as in
RSSHub ``/twitter/user/:id`` and ``/twitter/list/:id`` feeds and Nitter RSS) become X posts
with the status id as their id and ``https://x.com/<handle>/status/<id>`` as their URL, so the
same post read from the API and from a feed is stored once. Every other entry (blogs, Hugging
Face, Hacker News) becomes a post of platform ``rss`` whose id is a stable hash of the entry id
or link, authored by the configured ``handle`` (else the source name) with the feed's title as
display name (an entry's own author stays in ``raw``). Bodies are turned into plain text;
links go to ``Post.links``. ETag and Last-Modified are kept in the cursors; a 304 stores nothing.

It does NOT follow links, fetch images, or store anything (the runner does); retries and
timeouts are :mod:`aidigest.sources.http`'s.
"""

from __future__ import annotations

import calendar
import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser

from aidigest.config import FeedSource
from aidigest.errors import SourceError
from aidigest.models import Author, Post, SourceReport
from aidigest.sources import Cursors
from aidigest.sources.http import Clock, HttpGetter, Sleep, short_url
from aidigest.sources.jsonl import clean_text
from aidigest.sources.x_tweets import raw_json, snowflake_time
from aidigest.sources.xhtml import html_text, tidy, x_status
from aidigest.timeutil import now_utc

ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"


class FeedReader:
    """Source protocol over one RSS/Atom feed (see the module docstring)."""

    kind = "feed"

    def __init__(
        self, entry: FeedSource, *, sleep: Sleep | None = None, clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.entry = entry
        self.name = entry.name
        self.mirrors = frozenset(h.lower() for h in entry.x_mirrors)
        self._sleep, self._clock, self._rng = sleep, clock, rng

    def fetch(self, cursors: Cursors, report: SourceReport) -> Iterator[list[Post]]:
        headers = {"Accept": ACCEPT, "User-Agent": "aidigest (+feed reader)"}
        if etag := cursors.get("etag"):
            headers["If-None-Match"] = etag
        if modified := cursors.get("last_modified"):
            headers["If-Modified-Since"] = modified
        with HttpGetter(
            self.name, timeout=self.entry.timeout, retries=self.entry.retries,
            max_wait=60.0, sleep=self._sleep, clock=self._clock, rng=self._rng,
        ) as http:
            response = http.get(self.entry.url, headers=headers)
        report.http_status = response.status_code
        where = f"source {self.name}: HTTP {response.status_code} from {short_url(self.entry.url)}"
        if response.status_code == 304:
            report.notes.append("not modified since the last fetch (304)")
            return
        if response.status_code != 200:
            raise SourceError(f"{where}: check 'url' in aidigest.toml")
        try:
            parsed = feedparser.parse(
                response.content,
                response_headers={"content-type": response.headers.get("content-type", "")},
            )
        except Exception as exc:  # feedparser raises whatever hostile bytes make its parsers raise
            raise SourceError(
                f"source {self.name}: {short_url(self.entry.url)} is not an RSS/Atom feed "
                f"that can be read ({type(exc).__name__})"
            ) from None
        posts = self._posts(parsed, report)
        for key, header in (("etag", "etag"), ("last_modified", "last-modified")):
            if response.headers.get(header):
                cursors.set(key, response.headers[header])
        report.pages += 1
        yield posts

    def _posts(self, parsed: Any, report: SourceReport) -> list[Post]:
        """The entries as posts. A body that is not a feed (an HTML page, an error document,
        empty) is a SourceError; a malformed feed (e.g. truncated) keeps the entries read
        and says so in the report's notes."""
        entries = parsed.get("entries") or []
        problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
        if (problem is not None and not entries) or not parsed.get("version"):
            why = f"{type(problem).__name__}: {str(problem)[:120]}" if problem is not None \
                else "no RSS or Atom root element"
            raise SourceError(
                f"source {self.name}: {short_url(self.entry.url)} is not an RSS/Atom feed "
                f"({why}); check 'url' in aidigest.toml"
            )
        if problem is not None:
            report.notes.append(
                f"the feed is malformed ({type(problem).__name__}: {str(problem)[:120]}); "
                f"{len(entries)} entries read, more may be missing (truncated?)")
        feed = parsed.get("feed") or {}
        posts: dict[str, Post] = {}
        undated = 0
        for item in entries:
            try:
                post, dated = self._post(item, feed)
            except (ValueError, TypeError) as exc:
                report.skipped += 1
                report.notes.append(f"entry skipped: {exc}")
                continue
            undated += 0 if dated else 1
            posts.setdefault(post.id, post)
        if undated:
            report.notes.append(f"{undated} entries without a date were given the fetch time")
        return list(posts.values())

    def _post(self, item: Any, feed: Any) -> tuple[Post, bool]:
        link = clean_text(str(item.get("link") or "")).strip()
        status = x_status(link, self.mirrors) or x_status(str(item.get("id") or ""), self.mirrors)
        text, links = self._body(item)
        created, dated = _entry_time(item, status[1] if status else None)
        keys = ("id", "link", "title", "author", "published", "updated", "summary")
        raw = raw_json({k: dict.get(item, k) for k in keys if dict.get(item, k)})
        if status:
            handle, post_id = status
            author = Author(handle=handle, name=_display_name(item, handle))
            url = f"https://x.com/{handle}/status/{post_id}"
            platform = "x"
            text = text or tidy(str(item.get("title") or ""))
        else:
            post_id, url, platform = _entry_id(item, link), link, "rss"
            author = Author(handle=self.entry.handle or self.name, name=_feed_name(feed))
            text = _with_title(str(item.get("title") or ""), text)
            links = tuple(dict.fromkeys(([link] if link else []) + list(links)))
        if not url:
            raise ValueError(f"entry {post_id} has no link")
        return Post(
            id=post_id, url=url, author=author, created_at=created, text=text,
            platform=platform, lang=_lang(feed), links=links, source=self.name, raw=raw,
        ), dated

    def _body(self, item: Any) -> tuple[str, tuple[str, ...]]:
        """Plain text and links of the fullest body (content:encoded before summary)."""
        parts = item.get("content") or []
        detail = parts[0] if parts else item.get("summary_detail") or {}
        value = str(detail.get("value") or item.get("summary") or "")
        if "html" in str(detail.get("type") or "text/html"):
            return html_text(value, self.mirrors)
        return tidy(value), ()


def _entry_time(item: Any, status_id: str | None) -> tuple[datetime, bool]:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = dict.get(item, key)  # dict.get: no feedparser fallback from updated to published
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC), True
    moment = snowflake_time(status_id) if status_id else None
    return (moment, True) if moment else (now_utc(), False)


def _entry_id(item: Any, link: str) -> str:
    key = str(item.get("id") or link or item.get("title") or "")
    if not key:
        raise ValueError("entry without id, link or title")
    return "rss-" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:20]


def _display_name(item: Any, handle: str) -> str:
    name = clean_text(str(item.get("author") or "")).strip()
    return "" if name.lstrip("@").lower() == handle.lower() or name.startswith("@") else name


def _feed_name(feed: Any) -> str:
    """One display name for every entry of an ordinary feed (authors are keyed by handle)."""
    return clean_text(str(feed.get("title") or feed.get("author") or "")).strip()


def _with_title(title: str, body: str) -> str:
    title = tidy(title)
    if not body or body.startswith(title):
        return body or title
    return f"{title}\n\n{body}" if title else body


def _lang(feed: Any) -> str | None:
    language = clean_text(str(feed.get("language") or "")).strip().lower()
    return language.split("-")[0] or None if language else None

