"""Fuzzing the source parsers (hypothesis, 2,000 examples each): whatever an upstream sends,
parsing ends in posts the store accepts or in a recorded error, never an unexpected exception.

- X API v2 pages: :func:`aidigest.sources.x_tweets.page_posts` (what ``x_api`` calls on every
  page) on JSON shaped like a timeline page whose every field may be missing, mistyped,
  hostile or absurd (NUL, lone surrogates, huge numbers, impossible dates, non-ASCII digits).
- RSS/Atom: ``feedparser.parse`` + ``FeedReader._posts`` (exactly what ``FeedReader.fetch``
  does with a 200 answer) on RSS 2.0 / Atom documents built from hostile pieces, sometimes left
  malformed, and on mutated bytes of the project's own feed fixtures.

Every post that comes out has an id, a URL, an author handle, an aware ``created_at``, text
without NUL or lone surrogates, ``raw`` that is JSON, and is stored by a real Store.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidigest.config import FeedSource
from aidigest.errors import SourceError
from aidigest.models import Author, Post, SourceReport
from aidigest.sources.feed import FeedReader
from aidigest.sources.x_tweets import page_posts
from aidigest.store import Store, open_store
from sources_replay import MemoryCursors

FUZZ = settings(max_examples=2000, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
FEED_FIXTURES = Path(__file__).parent / "fixtures" / "feeds"

NASTY = st.sampled_from([
    "\x00", "\ud800", "\udfff", "\u202e", "\u200b", "\ufeff", "&amp;", "&#0;", "&#xD800;", "<", ">",
    "]]>", "<![CDATA[", "<script>alert(1)</script>", "<a href='https://x.com/a/status/1'>", "</a>",
    "https://t.co/x", "https://x.com/dotey/status/1997387913022038248", "@dotey", "\n\n\n",
    "\r\n", "\t", "²", "١٢٣", "𝟙", "🤖", "通义千问", "-1", "1e400", "Infinity", "",
])
TEXT = st.lists(st.one_of(st.text(max_size=20), NASTY), max_size=8).map("".join)
ID = st.one_of(
    st.integers(min_value=-5, max_value=2**70).map(str),
    st.sampled_from(["1997387913022038248", "0", "²", "١٢٣", "𝟙𝟚", "00012", " 12 ", "1_000"]),
    TEXT,
)
DATE = st.one_of(
    st.sampled_from([
        "2025-12-07T02:15:00.000Z", "2025-12-07T02:15:00Z", "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00Z", "2025-02-30T00:00:00Z",
        "Sun, 07 Dec 2025 02:15:00 GMT", "Mon, 01 Jan 0001 00:00:00 +0100", "", "yesterday",
    ]),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
    TEXT,
)
NUMBER = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.floats(), st.booleans(), st.none(),
    TEXT,
)
LEAF = st.one_of(st.none(), st.booleans(), NUMBER, TEXT, ID)
ANY = st.recursive(LEAF, lambda kids: st.lists(kids, max_size=3)
                   | st.dictionaries(TEXT, kids, max_size=3), max_leaves=6)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The value, or something of the wrong type in its place."""
    return st.one_of(strategy, strategy, strategy, ANY)


URL_ENTITY = st.fixed_dictionaries({}, optional={
    "url": maybe(st.sampled_from(["https://t.co/x", "https://t.co/y", ""]) | TEXT),
    "expanded_url": maybe(TEXT | st.just("https://x.com/a/status/1/photo/1")),
    "unwound_url": maybe(TEXT), "start": NUMBER, "end": NUMBER,
})
METRICS = st.fixed_dictionaries({}, optional={
    k: NUMBER for k in ("like_count", "retweet_count", "reply_count", "quote_count",
                        "bookmark_count", "impression_count")})
TWEET = st.fixed_dictionaries({}, optional={
    "id": maybe(ID), "text": maybe(TEXT),
    "author_id": maybe(st.sampled_from(["1", "2", "3"]) | ID),
    "created_at": maybe(DATE), "lang": maybe(TEXT), "conversation_id": maybe(ID),
    "entities": maybe(st.fixed_dictionaries(
        {}, optional={"urls": maybe(st.lists(maybe(URL_ENTITY), max_size=3))})),
    "note_tweet": maybe(st.fixed_dictionaries({}, optional={"text": maybe(TEXT), "entities": ANY})),
    "public_metrics": maybe(METRICS),
    "referenced_tweets": maybe(st.lists(maybe(st.fixed_dictionaries({}, optional={
        "type": maybe(st.sampled_from(["retweeted", "quoted", "replied_to"]) | TEXT),
        "id": maybe(st.sampled_from(["10", "11", "12"]) | ID)})), max_size=3)),
})
USER = st.fixed_dictionaries({}, optional={
    "id": maybe(st.sampled_from(["1", "2", "3"]) | ID), "username": maybe(TEXT),
    "name": maybe(TEXT),
    "public_metrics": maybe(st.fixed_dictionaries({}, optional={"followers_count": NUMBER})),
})
INCLUDED = TWEET.map(lambda t: t if "id" in t else {**t, "id": "10"})
PAGE = st.fixed_dictionaries({}, optional={
    "data": maybe(st.lists(maybe(TWEET), max_size=5)),
    "includes": maybe(st.fixed_dictionaries({}, optional={
        "users": maybe(st.lists(maybe(USER), max_size=4)),
        "tweets": maybe(st.lists(maybe(INCLUDED), max_size=3)),
    })),
    "meta": ANY, "errors": ANY,
})


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with open_store(tmp_path_factory.mktemp("fuzz") / "fuzz.db") as opened:
        yield opened


def _clean(text: str | None, what: str, nul: bool = False) -> None:
    if text is None:
        return
    assert isinstance(text, str), what
    assert nul or "\x00" not in text, f"NUL in {what}"
    text.encode("utf-8")  # no lone surrogates (SQLite refuses them)


def assert_storable(posts: list[Post], store: Store) -> None:
    for post in posts:
        assert isinstance(post, Post)
        assert post.id and post.url and post.author.handle
        assert post.created_at.tzinfo is not None
        for value, what in ((post.id, "id"), (post.url, "url"), (post.text, "text"),
                            (post.author.handle, "handle"), (post.author.name, "name"),
                            (post.lang, "lang"), *((link, "link") for link in post.links)):
            _clean(value, what)
        for ref, what in ((post.reply_to, "reply_to"), (post.quote_of, "quote_of"),
                          (post.repost_of, "repost_of"), (post.conversation_id, "conversation_id")):
            _clean(ref, what, nul=True)  # ids quoted from upstream, kept as sent
        if post.raw is not None:
            json.loads(post.raw)
            post.raw.encode("utf-8")
        assert all(v >= 0 for v in post.metrics.to_dict().values())
    store.upsert_posts(posts)


@FUZZ
@given(page=PAGE, owner=st.none() | st.just(Author(handle="owner", name="Owner")))
def test_x_api_page_ends_in_posts_or_recorded_skips(
    page: dict[str, Any], owner: Author | None, store: Store
) -> None:
    result = page_posts(page, "x", owner)
    assert_storable(result.posts, store)
    ids = [p.id for p in result.posts]
    assert len(ids) == len(set(ids)), "each id once"
    assert result.skipped >= 0 and all(isinstance(n, str) for n in result.notes)
    if result.newest_id is not None:
        assert result.newest_id in ids


# -- feeds ----------------------------------------------------------------------------
FEED_LINK = st.one_of(
    st.builds(lambda h, i: f"https://{h}/status/{i}",
              st.sampled_from(["x.com/dotey", "twitter.com/op7418", "nitter.net/a_b",
                               "x.com/averyveryverylonghandle", "x.com/i", "example.com/x"]),
              ID),
    st.sampled_from(["https://example.com/post/1", "", "javascript:alert(1)", "/relative",
                     "https://x.com/dotey/status/99999999999999999999999"]),
    TEXT,
)
HTML = st.lists(st.one_of(TEXT, st.sampled_from([
    "<p>", "</p>", "<br>", "<a href=\"https://t.co/x\">", "<a href=\"https://x.com/dotey\">",
    "<a>", "</a>", "<img src=x onerror=alert(1)>", "<script>", "</script>", "<style>",
    "<div><blockquote>", "&nbsp;", "&bogus;", "<!--", "-->", "<![CDATA[x]]>",
])), max_size=10).map("".join)


def _xml(text: str, raw: bool) -> str:
    """Text for an XML element: escaped, or (raw) dropped in as is — maybe breaking the XML."""
    return text if raw else escape(text)


ENTRY = st.fixed_dictionaries({
    "title": TEXT, "link": FEED_LINK, "guid": st.none() | ID | FEED_LINK, "date": st.none() | DATE,
    "author": st.none() | TEXT, "body": HTML, "cdata": st.booleans(), "raw": st.booleans(),
})


def _rss(title: str, lang: str, entries: list[dict[str, Any]]) -> str:
    items = []
    for e in entries:
        body = f"<![CDATA[{e['body']}]]>" if e["cdata"] else _xml(e["body"], e["raw"])
        parts = [f"<title>{_xml(e['title'], e['raw'])}</title>", f"<link>{_xml(e['link'], e['raw'])}</link>",
                 f"<description>{body}</description>", f"<content:encoded>{body}</content:encoded>"]
        if e["guid"] is not None:
            parts.append(f"<guid>{_xml(e['guid'], e['raw'])}</guid>")
        if e["date"] is not None:
            parts.append(f"<pubDate>{_xml(e['date'], e['raw'])}</pubDate>")
        if e["author"] is not None:
            parts.append(f"<dc:creator>{_xml(e['author'], e['raw'])}</dc:creator>")
        items.append("<item>" + "".join(parts) + "</item>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>{escape(title)}</title><language>{escape(lang)}</language>"
            + "".join(items) + "</channel></rss>")


def _atom(title: str, lang: str, entries: list[dict[str, Any]]) -> str:
    items = []
    for e in entries:
        parts = [f"<title>{_xml(e['title'], e['raw'])}</title>",
                 f"<link href=\"{escape(e['link'], {chr(34): '&quot;'})}\"/>",
                 f"<content type=\"html\">{_xml(e['body'], e['raw'])}</content>"]
        if e["guid"] is not None:
            parts.append(f"<id>{_xml(e['guid'], e['raw'])}</id>")
        if e["date"] is not None:
            parts.append(f"<updated>{_xml(e['date'], e['raw'])}</updated>")
        if e["author"] is not None:
            parts.append(f"<author><name>{_xml(e['author'], e['raw'])}</name></author>")
        items.append("<entry>" + "".join(parts) + "</entry>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
            f'xml:lang="{escape(lang, {chr(34): "&quot;"})}"><title>{escape(title)}</title>'
            + "".join(items) + "</feed>")


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


FEED_DOC = st.builds(
    lambda build, title, lang, entries: _encode(build(title, lang, entries)),
    st.sampled_from([_rss, _atom]), TEXT, st.sampled_from(["zh-CN", "en", "", "x" * 40]) | TEXT,
    st.lists(ENTRY, max_size=4),
)


def _fixture_bytes() -> list[bytes]:
    return [p.read_bytes() for p in sorted(FEED_FIXTURES.glob("*.xml"))]


def _mutate(data: bytes, cuts: list[tuple[int, int, bytes]]) -> bytes:
    for at, length, insert in cuts:
        at %= max(1, len(data))
        data = data[:at] + insert + data[at + length:]
    return data


MUTATED = st.builds(
    _mutate,
    st.sampled_from(_fixture_bytes() or [b"<rss/>"]),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 64),
                       st.binary(max_size=12) | st.sampled_from([b"<", b"&", b"\x00", b"\xff\xfe",
                                                                  b"]]>", b"</item>", b"<item>"])),
             min_size=1, max_size=4),
)


def _reader() -> FeedReader:
    return FeedReader(FeedSource(name="feed", kind="feed", url="https://example.com/feed.xml",
                                 x_mirrors=["nitter.net"]))


FEEDPARSER_RAISES: list[str] = []


def _parse_feed(data: bytes, store: Store) -> None:
    report = SourceReport("feed", "feed")
    try:
        parsed = feedparser.parse(data, response_headers={"content-type": "application/rss+xml"})
    except (UnicodeError, ValueError, LookupError) as exc:
        # feedparser itself raises on some bytes (&#xD800;, a NUL or \x80 in the encoding
        # declaration); FeedReader.fetch turns that into a SourceError
        # (test_feed_that_feedparser_cannot_read_is_a_source_error)
        FEEDPARSER_RAISES.append(type(exc).__name__)
        return
    try:
        posts = _reader()._posts(parsed, report)
    except SourceError as exc:
        assert "is not an RSS/Atom feed" in str(exc)
        return
    assert_storable(posts, store)
    assert report.skipped >= 0 and all(isinstance(n, str) for n in report.notes)
    assert len({p.id for p in posts}) == len(posts)


@FUZZ
@given(data=FEED_DOC)
def test_feed_documents_end_in_posts_or_a_recorded_error(data: bytes, store: Store) -> None:
    _parse_feed(data, store)


@FUZZ
@given(data=MUTATED)
def test_mutated_feed_fixtures_end_in_posts_or_a_recorded_error(data: bytes, store: Store) -> None:
    _parse_feed(data, store)


def test_absurd_values_seen_by_hand() -> None:
    """Cases the fuzzers are steered towards, kept as plain examples."""
    page = {"data": [
        {"id": "1997387913022038248", "created_at": "0001-01-01T00:00:00+01:00", "text": "a"},
        {"id": "1997387913022038249", "text": "b", "public_metrics": {"like_count": math.inf}},
    ]}
    result = page_posts(page, "x")
    assert all(isinstance(p, Post) for p in result.posts)
    assert all(p.created_at > datetime(2000, 1, 1, tzinfo=UTC) for p in result.posts)


def test_superscript_digit_id_is_skipped() -> None:
    """'²'.isdigit() is True but int('²') fails: such an id is skipped, not the page."""
    page = {"data": [{"id": "²", "text": "a", "created_at": "2025-12-07T02:15:00Z"},
                     {"id": "1997387913022038248", "text": "b"}]}
    result = page_posts(page, "x")
    assert [p.id for p in result.posts] == ["1997387913022038248"] and result.skipped == 1


def test_referenced_ids_with_lone_surrogates_are_storable(store: Store) -> None:
    """Ids quoted from upstream (conversation, referenced tweets) cannot carry a lone
    surrogate into the store (SQLite refuses it, losing the source's remaining pages)."""
    page = {"data": [{"id": "1997387913022038248", "text": "hi", "conversation_id": "\ud800",
                      "referenced_tweets": [{"type": "quoted", "id": "\udc00"}]}]}
    assert_storable(page_posts(page, "x").posts, store)


def test_feed_that_feedparser_cannot_read_is_a_source_error(httpserver: Any) -> None:
    """feedparser raises on ``&#xD800;``: FeedReader.fetch says the feed is unreadable."""
    doc = (b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
           b"<item><title>&#XD800;</title><link>https://example.com/1</link></item>"
           b"</channel></rss>")
    httpserver.expect_request("/feed.xml").respond_with_data(doc, content_type="application/rss+xml")
    reader = FeedReader(FeedSource(name="feed", kind="feed", url=httpserver.url_for("/feed.xml"),
                                   retries=0))
    with pytest.raises(SourceError, match="is not an RSS/Atom feed"):
        list(reader.fetch(MemoryCursors(), SourceReport("feed", "feed")))
