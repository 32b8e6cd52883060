"""RSS/Atom source against a real local server, through a real Store via runner.fetch_one:
ordinary feeds, RSSHub and Nitter feeds of X accounts (same id as the API), conditional GET,
staleness, and feeds that fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from werkzeug import Request, Response

from aidigest.config import Config, config_from_dict
from aidigest.models import SourceReport
from aidigest.sources.runner import fetch_one
from aidigest.sources.xhtml import html_text, x_link, x_status
from aidigest.store.db import Store
from sources_replay import CANARY, FIXTURES, Replay, load, store_bytes

FEEDS = FIXTURES / "feeds"
RSS = "application/rss+xml; charset=utf-8"


@pytest.fixture(autouse=True)
def no_wait(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr("aidigest.sources.http.pause", slept.append)
    return slept


def serve_feed(replay: Replay, path: str, body: bytes, etag: str | None = '"v1"',
               modified: str | None = None, content_type: str = RSS) -> None:
    """The feed, or 304 when the request's validators match (checked by the server)."""

    def answer(request: Request) -> Response:
        if etag and request.headers.get("If-None-Match") == etag:
            return Response(status=304)
        if modified and request.headers.get("If-Modified-Since") == modified:
            return Response(status=304)
        headers = {k: v for k, v in (("ETag", etag), ("Last-Modified", modified)) if v}
        return Response(body, status=200, headers=headers, content_type=content_type)

    replay.route(path, answer)


def feed_config(tmp_path: Path, url: str, **source: object) -> Config:
    entry = {"name": "feed", "kind": "feed", "url": url, "timeout": 5.0, **source}
    return config_from_dict({"sources": [entry]}, tmp_path)


def fetch(cfg: Config, store: Store) -> SourceReport:
    return fetch_one(cfg, store, cfg.sources[0])


def rows(store: Store) -> dict[str, dict]:
    query = ("SELECT p.*, a.name AS author_name FROM posts p JOIN authors a "
             "ON a.handle = p.author_handle")
    return {r["id"]: dict(r) for r in store.conn.execute(query)}


def test_real_daily_feed_then_304(shared_data: Path, replay: Replay, store: Store, tmp_path: Path) -> None:
    body = (shared_data / "rss" / "juya-ai-daily.rss.xml").read_bytes()
    serve_feed(replay, "/juya.xml", body)
    cfg = feed_config(tmp_path, replay.server.url_for("/juya.xml"), handle="juya",
                      stale_after_hours=24 * 365 * 50)
    report = fetch(cfg, store)
    assert report.ok, report.error
    assert (report.new, report.pages, report.http_status) == (10, 1, 200)
    posts = rows(store)
    assert all(p["platform"] == "rss" and p["id"].startswith("rss-") for p in posts.values())
    assert {p["author_handle"] for p in posts.values()} == {"juya"}
    assert {p["author_name"] for p in posts.values()} == {"橘鸦AI早报"}
    issue = next(p for p in posts.values() if p["url"].endswith("/issue-108/"))
    assert issue["text"].startswith("2026-06-01\n\n") and "MiniMax" in issue["text"]
    assert "<" not in issue["text"] and issue["lang"] == "zh"
    assert json.loads(issue["links"])[0] == "https://imjuya.github.io/juya-ai-daily/issue-108/"
    assert len(json.loads(issue["links"])) > 5

    again = fetch(cfg, store)
    assert again.ok and (again.new, again.updated, again.http_status) == (0, 0, 304)
    assert replay.calls[-1][0] == "/juya.xml" and len(replay.calls) == 2
    assert any("304" in note for note in again.notes)


def test_rsshub_and_nitter_feeds_of_x_accounts(replay: Replay, store: Store, tmp_path: Path) -> None:
    serve_feed(replay, "/twitter/user/dotey", (FEEDS / "rsshub_twitter_user_dotey.xml").read_bytes())
    serve_feed(replay, "/dotey/rss", (FEEDS / "nitter_dotey.xml").read_bytes(), etag=None)
    rsshub = fetch(feed_config(tmp_path, replay.server.url_for("/twitter/user/dotey")), store)
    assert rsshub.ok and rsshub.new == 3, rsshub.error
    post = rows(store)["1997387913022038248"]
    assert post["platform"] == "x" and post["url"] == "https://x.com/dotey/status/1997387913022038248"
    assert (post["author_handle"], post["author_name"]) == ("dotey", "宝玉")
    assert post["created_at"] == "2025-12-07T02:15:00+00:00"
    assert post["text"] == ("国内B站创作者DiDi_OK利用 Nano Banana 制作的纯AI短片《箭头》发布了 & 效果惊人\n\n"
                            "原片：https://www.bilibili.com/video/BV1xx411c7mD")
    assert json.loads(post["links"]) == ["https://www.bilibili.com/video/BV1xx411c7mD"]
    reply = rows(store)["1997381000000000001"]
    assert reply["url"] == "https://x.com/dotey/status/1997381000000000001"
    assert reply["text"] == "同意，#Gemini3 的长上下文确实好用，见 https://x.com/op7418/status/1997380000000000777"
    assert json.loads(reply["links"]) == ["https://x.com/op7418/status/1997380000000000777"]
    assert "GPT-5.2" in rows(store)["1997378000000000003"]["text"]

    nitter_cfg = feed_config(tmp_path, replay.server.url_for("/dotey/rss"))
    nitter = fetch(nitter_cfg, store)
    assert nitter.ok and (nitter.new, nitter.updated) == (1, 1), nitter.error  # same post, stored once
    assert store.count_posts() == 4
    shared_post = rows(store)["1997387913022038248"]
    assert shared_post["author_name"] == "宝玉"  # the Nitter '@dotey' is a handle, not a name
    assert shared_post["url"] == "https://x.com/dotey/status/1997387913022038248"
    repost = rows(store)["1997400000000000001"]
    assert repost["author_handle"] == "aivoice" and "#m" not in repost["url"]
    assert json.loads(repost["links"]) == [
        "https://arxiv.org/abs/2512.00001", "https://x.com/labnews/status/1997300000000000001"]
    assert "<" not in repost["text"] and "@labnews" in repost["text"]


def test_feed_and_api_store_one_post(replay: Replay, store: Store, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    x_fix = FIXTURES / "x_api"
    page = load(x_fix / "user_1001_page2.json")
    replay.route("/2/users/by", lambda request: load(x_fix / "users_by.json"))
    replay.route("/2/users/1001/tweets", lambda request: load(x_fix / "user_1001_page1.json")
                 if "pagination_token" not in request.args else page)
    serve_feed(replay, "/dotey/rss", (FEEDS / "nitter_dotey.xml").read_bytes())
    monkeypatch.setenv("AIDIGEST_TEST_X_TOKEN", CANARY)
    cfg = config_from_dict({"sources": [
        {"name": "api", "kind": "x_api", "base_url": replay.url, "users": ["aivoice"],
         "bearer_token_env": "AIDIGEST_TEST_X_TOKEN"},
        {"name": "nitter", "kind": "feed", "url": replay.server.url_for("/dotey/rss")},
    ]}, tmp_path)
    api = fetch_one(cfg, store, cfg.sources[0])
    feed = fetch_one(cfg, store, cfg.sources[1])
    assert api.new == 7 and (feed.new, feed.updated) == (1, 1)
    assert store.count_posts() == 8
    assert CANARY.encode() not in store_bytes(tmp_path)


def test_atom_feed_with_last_modified(replay: Replay, store: Store, tmp_path: Path) -> None:
    stamp = "Sun, 07 Dec 2025 03:00:00 GMT"
    serve_feed(replay, "/blog.xml", (FEEDS / "atom_blog.xml").read_bytes(), etag=None,
               modified=stamp, content_type="application/atom+xml")
    cfg = feed_config(tmp_path, replay.server.url_for("/blog.xml"), stale_after_hours=24 * 365 * 50)
    report = fetch(cfg, store)
    assert report.ok and report.new == 2, report.error
    posts = sorted(rows(store).values(), key=lambda p: p["created_at"])
    weekly, model = posts
    assert model["text"] == ("Model-X is now on the Hub\n\nModel-X weights are available today.\n\n"
                             "1M context\n\nApache-2.0\n\nTry the demo.")
    assert json.loads(model["links"]) == ["https://hub.example.org/blog/model-x",
                                          "https://hub.example.org/spaces/model-x-demo"]
    assert (model["author_handle"], model["author_name"]) == ("feed", "Example Model Hub Blog")
    assert json.loads(model["raw"])["author"] == "Jane Doe"
    assert weekly["created_at"] == "2025-12-06T10:00:00+00:00"
    assert weekly["text"] == "Weekly digest\n\nFive releases <you> missed this week."
    assert model["lang"] == "en"
    again = fetch(cfg, store)
    assert again.ok and again.http_status == 304 and again.new == 0
    assert replay.paths("/blog.xml") and len(replay.calls) == 2


def test_old_feed_is_stale(replay: Replay, store: Store, tmp_path: Path) -> None:
    serve_feed(replay, "/quiet.xml", (FEEDS / "old_blog.xml").read_bytes())
    report = fetch(feed_config(tmp_path, replay.server.url_for("/quiet.xml")), store)
    assert report.ok and report.new == 1 and report.stale
    assert report.newest_at == "2020-09-01T08:00:00+00:00"
    assert store.source_health()["feed"].stale


@pytest.mark.parametrize("status, body, expected", [
    (404, b"not here", "HTTP 404 from"),
    (200, b"<html><body><p>not a feed", "is not an RSS/Atom feed"),
    (503, b"down", "HTTP 503 from"),
])
def test_failing_feed_is_a_recorded_error(replay: Replay, store: Store, tmp_path: Path,
                                          status: int, body: bytes, expected: str) -> None:
    replay.route("/bad.xml", lambda request: Response(body, status=status, content_type="text/html"))
    report = fetch(feed_config(tmp_path, replay.server.url_for("/bad.xml"), retries=1), store)
    assert not report.ok and expected in (report.error or "")
    assert report.error.startswith("source feed: ")
    assert store.count_posts() == 0


def test_html_text_and_x_links() -> None:
    text, links = html_text('a&nbsp;<b>b</b><br/>c <a href="https://t.co/x">example.com/long…</a>'
                            '<img src="https://img.example/x.png"><style>p{}</style>')
    assert text == "a b\nc https://t.co/x" and links == ("https://t.co/x",)
    assert x_status("https://nitter.poast.org/dotey/status/123#m") == ("dotey", "123")
    assert x_status("https://mobile.twitter.com/dotey/status/123?s=20") == ("dotey", "123")
    assert x_status("https://mirror.example/dotey/status/9", frozenset({"mirror.example"})) == ("dotey", "9")
    assert x_status("https://example.com/dotey/status/123") is None
    assert x_link("https://nitter.net/search?q=%23AI") == "https://x.com/search?q=%23AI"
