"""X API v2 payloads → :class:`Post`: pure functions, no I/O.

One timeline page (``data`` + ``includes.users`` + ``includes.tweets``) becomes its posts:
authors joined from ``includes.users``; t.co links replaced by their expanded URLs; the full
text of long posts taken from ``note_tweet``; a repost stored with ``repost_of`` and the
original yielded as its own post from ``includes.tweets`` (full text, its own author); a quote
with ``quote_of`` and the quoted post yielded too; a reply with ``reply_to``. Missing fields
(the minimal ``id``/``text`` answers) are tolerated: the time then comes from the snowflake id.

It does NOT fetch, page, store or judge relevance; replied-to parents in ``includes.tweets``
are not yielded (only reposted and quoted posts are).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from aidigest.errors import InputError
from aidigest.models import Author, Metrics, Post
from aidigest.sources.jsonl import clean_text
from aidigest.timeutil import parse_instant

TWITTER_EPOCH_MS = 1288834974657
DIGITS = re.compile(r"[0-9]{1,20}")
UNKNOWN_HANDLE = "unknown"
METRIC_KEYS = {
    "likes": "like_count",
    "reposts": "retweet_count",
    "replies": "reply_count",
    "quotes": "quote_count",
    "bookmarks": "bookmark_count",
    "views": "impression_count",
}


@dataclass
class PageResult:
    """The posts of one page, newest id seen, and what was odd about it."""

    posts: list[Post] = field(default_factory=list)
    newest_id: str | None = None
    skipped: int = 0
    missing: int = 0
    notes: list[str] = field(default_factory=list)


def status_url(handle: str, post_id: str) -> str:
    """The canonical URL of a post; ``x.com/i/status/<id>`` when the author is unknown."""
    who = "i" if handle == UNKNOWN_HANDLE else handle
    return f"https://x.com/{who}/status/{post_id}"


def numeric_id(value: Any) -> str | None:
    """``value`` as an X id (ASCII digits only), else None."""
    text = str(value).strip() if value is not None else ""
    return text if DIGITS.fullmatch(text) else None


def snowflake_time(post_id: str) -> datetime | None:
    """Creation time encoded in an X snowflake id (ids after 2010-11)."""
    try:
        ms = (int(post_id) >> 22) + TWITTER_EPOCH_MS
        return datetime.fromtimestamp(ms / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def raw_json(obj: Any) -> str:
    """The upstream object as JSON text that SQLite can store (lone surrogates escaped)."""
    text = json.dumps(obj, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(obj, ensure_ascii=True)
    return text


def _as_list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        value = [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _by_id(items: Any) -> dict[str, dict[str, Any]]:
    return {str(item["id"]): item for item in _as_list(items) if item.get("id") is not None}


def author_of(user: dict[str, Any] | None) -> Author | None:
    """An Author from an ``includes.users`` object (None without a username)."""
    handle = clean_text(str((user or {}).get("username") or "")).strip().lstrip("@")
    if not user or not handle:
        return None
    metrics = user.get("public_metrics") if isinstance(user.get("public_metrics"), dict) else {}
    followers = metrics.get("followers_count") if metrics else None
    return Author(
        handle=handle,
        name=clean_text(str(user.get("name") or "")),
        followers=followers if isinstance(followers, int) else None,
    )


def _url_entities(tweet: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The fullest text of a tweet and the URL entities that go with it."""
    note = tweet.get("note_tweet")
    if isinstance(note, dict) and isinstance(note.get("text"), str):
        entities = note.get("entities") if isinstance(note.get("entities"), dict) else {}
        return note["text"], _as_list((entities or {}).get("urls"))
    entities = tweet.get("entities") if isinstance(tweet.get("entities"), dict) else {}
    text = tweet.get("text")
    return (text if isinstance(text, str) else ""), _as_list((entities or {}).get("urls"))


def _is_media(url: str, post_id: str) -> bool:
    return f"/status/{post_id}/photo/" in url or f"/status/{post_id}/video/" in url


def expand_text(tweet: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """Plain text with t.co links replaced by expanded URLs, and the outgoing links."""
    text, urls = _url_entities(tweet)
    post_id = str(tweet.get("id", ""))
    links: dict[str, None] = {}
    for entity in urls:
        short = entity.get("url")
        full = entity.get("unwound_url") or entity.get("expanded_url") or short
        if not isinstance(short, str) or not isinstance(full, str):
            continue
        text = text.replace(short, full)
        if not _is_media(full, post_id):
            links.setdefault(clean_text(full), None)
    return clean_text(html.unescape(text)).strip(), tuple(links)


def _created_at(tweet: dict[str, Any], post_id: str) -> datetime:
    value = tweet.get("created_at")
    if isinstance(value, str):
        try:
            return parse_instant(value)
        except InputError:
            pass
    moment = snowflake_time(post_id)
    if moment is None:
        raise ValueError(f"post {post_id}: no created_at and not a snowflake id")
    return moment


def _metrics(tweet: dict[str, Any]) -> Metrics:
    public = tweet.get("public_metrics")
    if not isinstance(public, dict):
        return Metrics()
    return Metrics.from_dict({name: public.get(key) for name, key in METRIC_KEYS.items()})


def _references(tweet: dict[str, Any]) -> dict[str, str]:
    refs: dict[str, str] = {}
    for ref in _as_list(tweet.get("referenced_tweets")):
        ref_id = numeric_id(ref.get("id"))
        if ref.get("type") and ref_id:
            refs.setdefault(str(ref["type"]), ref_id)
    return refs


def tweet_post(
    tweet: dict[str, Any], users: dict[str, dict[str, Any]], source: str,
    fallback: Author | None = None,
) -> Post:
    """One tweet object as a Post (ValueError when it has no usable id)."""
    post_id = numeric_id(tweet.get("id"))
    if post_id is None:
        raise ValueError(f"tweet without a numeric id: {clean_text(str(tweet.get('id')))[:40]!r}")
    author = author_of(users.get(str(tweet.get("author_id")))) or fallback
    author = author or Author(handle=UNKNOWN_HANDLE)
    text, links = expand_text(tweet)
    refs = _references(tweet)
    lang = tweet.get("lang")
    conversation = numeric_id(tweet.get("conversation_id"))
    return Post(
        id=post_id,
        url=status_url(author.handle, post_id),
        author=author,
        created_at=_created_at(tweet, post_id),
        text=text,
        platform="x",
        lang=clean_text(lang) if isinstance(lang, str) and lang else None,
        links=links,
        reply_to=refs.get("replied_to"),
        quote_of=refs.get("quoted"),
        repost_of=refs.get("retweeted"),
        conversation_id=conversation,
        metrics=_metrics(tweet),
        source=source,
        raw=raw_json(tweet),
    )


def _add_referenced(
    post: Post, included: dict[str, dict[str, Any]], users: dict[str, dict[str, Any]],
    out: dict[str, Post], result: PageResult,
) -> Post:
    """Yield the reposted/quoted originals; a repost's text becomes the original's full text."""
    for ref_id in (post.repost_of, post.quote_of):
        if ref_id is None or ref_id in out:
            continue
        tweet = included.get(ref_id)
        if tweet is None:
            result.missing += 1
            continue
        try:
            out[ref_id] = tweet_post(tweet, users, post.source)
        except ValueError as exc:
            result.skipped += 1
            result.notes.append(str(exc))
    original = out.get(post.repost_of) if post.repost_of else None
    if original is not None:
        post = replace(post, text=f"RT @{original.author.handle}: {original.text}",
                       links=original.links)
    return post


def page_posts(payload: dict[str, Any], source: str, owner: Author | None = None) -> PageResult:
    """All posts of one timeline page, each id once (a timeline post wins over an include)."""
    result = PageResult()
    includes = payload.get("includes") if isinstance(payload.get("includes"), dict) else {}
    users = _by_id((includes or {}).get("users"))
    included = _by_id((includes or {}).get("tweets"))
    out: dict[str, Post] = {}
    for tweet in _as_list(payload.get("data")):
        try:
            post = tweet_post(tweet, users, source, owner)
        except ValueError as exc:
            result.skipped += 1
            result.notes.append(str(exc))
            continue
        out.pop(post.id, None)
        out[post.id] = _add_referenced(post, included, users, out, result)
        if result.newest_id is None or int(post.id) > int(result.newest_id):
            result.newest_id = post.id
    result.posts = list(out.values())
    return result
