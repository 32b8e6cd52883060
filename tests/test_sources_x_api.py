"""X API v2 source against a real local server replaying recorded answers, through a real
Store via runner.fetch_one: counts stored, authors joined, reposts resolved, links expanded,
pagination, since_id on the second fetch, and the bearer token never written anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from werkzeug import Request

from aidigest.store.db import Store
from sources_replay import CANARY, FIXTURES, Replay, json_response, load, run, store_bytes, x_config

X_FIX = FIXTURES / "x_api"
EMPTY = {"meta": {"result_count": 0}}


@pytest.fixture(autouse=True)
def no_wait(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Sleeps are recorded, never slept; the canary token is in the environment."""
    slept: list[float] = []
    monkeypatch.setattr("aidigest.sources.http.pause", slept.append)
    monkeypatch.setenv("AIDIGEST_TEST_X_TOKEN", CANARY)
    return slept


def timeline(replay: Replay, path: str, first: dict, second: dict, token: str) -> None:
    """Page 1 without pagination_token, page 2 with ``token``, nothing new after since_id."""

    def answer(request: Request) -> dict:
        if request.args.get("since_id"):
            return EMPTY
        return second if request.args.get("pagination_token") == token else first

    replay.route(path, answer)


def users_by(replay: Replay, users: list[dict]) -> None:
    def answer(request: Request) -> dict:
        wanted = request.args["usernames"].lower().split(",")
        found = [u for u in users if u["username"].lower() in wanted]
        return {"data": found} if found else {"errors": [{"value": w, "title": "Not Found"} for w in wanted]}

    replay.route("/2/users/by", answer)


def stored(store: Store, post_id: str) -> dict:
    row = store.conn.execute(
        "SELECT p.*, a.name AS author_name, a.followers FROM posts p "
        "JOIN authors a ON a.handle = p.author_handle WHERE p.id = ?", (post_id,)
    ).fetchone()
    assert row is not None, f"post {post_id} not stored"
    return dict(row)


def test_recorded_two_page_timeline(shared_data: Path, replay: Replay, store: Store, tmp_path: Path) -> None:
    rec = shared_data / "x-api-v2-recorded"
    first = load(rec / "users__460255655__tweets-d24b15.json")
    second = load(rec / "users__460255655__tweets-87f62e.json")
    token = first["meta"]["next_token"]
    user = next(u for u in first["includes"]["users"] if u["id"] == "460255655")
    users_by(replay, [user])
    timeline(replay, "/2/users/460255655/tweets", first, second, token)
    cfg = x_config(tmp_path, replay.url, users=["wunpini_fm"], max_pages=2,
                   first_fetch_since="2021-05-30T14:12:24Z")

    report = run(cfg, store)
    assert report.ok, report.error
    # 97 + 99 timeline posts plus the reposted/quoted originals from includes.tweets,
    # each id once: 157 distinct on page 1, 184 on page 2, one id on both pages.
    assert (report.new, report.updated, report.pages) == (340, 1, 2)
    assert store.count_posts() == 340
    pages = replay.paths("/2/users/460255655/tweets")
    assert "pagination_token" not in pages[0] and pages[0]["start_time"] == "2021-05-30T14:12:24Z"
    assert pages[1]["pagination_token"] == token
    assert "note_tweet" in pages[0]["tweet.fields"] and "referenced_tweets.id" in pages[0]["expansions"]
    assert any("max_pages=2" in note for note in report.notes)

    author = stored(store, "1400188008909922306")
    assert (author["author_handle"], author["author_name"], author["followers"]) == (
        "wunpini_fm", "Wunpini F. Mohammed, Ph.D.", 13496)
    repost = stored(store, "1400176523609522176")
    original = stored(store, "1400174436884566017")
    assert repost["repost_of"] == original["id"]
    assert original["author_handle"] == "MsLadyPhyll"
    assert "It's important now more than ever" in original["text"]
    assert repost["text"] == f"RT @MsLadyPhyll: {original['text']}"
    assert original["url"] == "https://x.com/MsLadyPhyll/status/1400174436884566017"
    assert "https://t.co/" not in original["text"] and "twitter.com/MsLadyPhyll" in original["text"]
    assert json.loads(original["raw"])["id"] == original["id"]
    texts = [r[0] for r in store.conn.execute("SELECT text FROM posts")]
    assert not [t for t in texts if "https://t.co/" in t]
    assert not [t for t in texts if "&amp;" in t]
    quotes = store.conn.execute("SELECT COUNT(*) FROM posts WHERE quote_of IS NOT NULL").fetchone()[0]
    replies = store.conn.execute("SELECT COUNT(*) FROM posts WHERE reply_to IS NOT NULL").fetchone()[0]
    assert quotes >= 7 and replies >= 35

    again = run(cfg, store)
    assert again.ok and (again.new, again.pages) == (0, 1)
    last = replay.paths("/2/users/460255655/tweets")[-1]
    assert last["since_id"] == "1400188008909922306" and "start_time" not in last
    assert len(replay.paths("/2/users/by")) == 1  # handle -> id cached in the cursors
    assert replay.bad_auth == 0
    assert CANARY.encode() not in store_bytes(tmp_path)


def test_own_fixture_timeline_and_list(replay: Replay, store: Store, tmp_path: Path) -> None:
    users_by(replay, load(X_FIX / "users_by.json")["data"])
    timeline(replay, "/2/users/1001/tweets", load(X_FIX / "user_1001_page1.json"),
             load(X_FIX / "user_1001_page2.json"), "PAGE2TOKEN")
    lists = [load(X_FIX / "list_77_page1.json")]
    replay.route("/2/lists/77/tweets", lambda request: lists[-1])
    cfg = x_config(tmp_path, replay.url, users=["@AIVoice", "ghost"], lists=["77"])

    report = run(cfg, store)
    assert report.ok, report.error
    # page 1: 3 posts + reposted original + quoted post; page 2: 2 posts; list: 2 posts
    assert (report.new, report.updated, report.pages) == (9, 0, 3)
    assert any("ghost" in note for note in report.notes)
    original = stored(store, "1997300000000000001")
    assert original["author_handle"] == "labnews" and original["author_name"] == "Lab News"
    assert original["text"].endswith("more is coming this week. https://labnews.example.com/model-x")
    assert "&" in original["text"] and "&amp;" not in original["text"]
    repost = stored(store, "1997400000000000003")
    assert repost["repost_of"] == original["id"]
    assert repost["text"] == "RT @labnews: " + original["text"]
    long_post = stored(store, "1997400000000000002")
    assert "一百万 token" in long_post["text"]
    assert "https://blog.example.com/model-x-deep-dive" in long_post["text"]
    assert long_post["quote_of"] == "1997350000000000009"
    assert json.loads(long_post["metrics"])["views"] == 15000
    assert stored(store, "1997350000000000009")["author_handle"] == "researcher"
    paper = stored(store, "1997400000000000001")
    assert json.loads(paper["links"]) == ["https://arxiv.org/abs/2512.00001"]
    assert paper["url"] == "https://x.com/aivoice/status/1997400000000000001"
    reply = stored(store, "1997390000000000002")
    assert reply["reply_to"] == "1997350000000000009"
    assert reply["text"] == "@researcher Same here & the latency is <200ms."
    assert stored(store, "1997410000000000001")["author_name"] == "A Researcher"

    lists.append({"data": [{"id": "1997420000000000001", "author_id": "2002", "text": "new"},
                           {"id": "1997410000000000002", "author_id": "2002", "text": "old"}],
                  "includes": load(X_FIX / "list_77_page1.json")["includes"],
                  "meta": {"next_token": "MORE"}})
    again = run(cfg, store)
    assert again.ok and again.new == 1  # the list stops at the first post already seen
    assert replay.paths("/2/users/1001/tweets")[-1]["since_id"] == "1997400000000000003"
    assert "since_id" not in replay.paths("/2/lists/77/tweets")[-1]
    assert len(replay.paths("/2/lists/77/tweets")) == 2
    assert CANARY.encode() not in store_bytes(tmp_path)


@pytest.mark.parametrize("cassette, path, count", [
    ("test_client_get_list_tweets_0.json", "/2/lists/84839422/tweets", 97),
    ("test_client_get_users_tweets_0.json", "/2/users/783214/tweets", 2),
])
def test_tweepy_minimal_answers(shared_data: Path, replay: Replay, store: Store, tmp_path: Path,
                                cassette: str, path: str, count: int) -> None:
    """id/text/edit_history only: stored with times from the snowflake ids."""
    payload = load(shared_data / "x-api-tweepy-cassettes" / cassette)
    replay.route(path, lambda request: payload)
    replay.route("/2/users/by", lambda request: {"data": [{"id": "783214", "username": "TwitterDev"}]})
    source = {"lists": ["84839422"]} if "lists" in path else {"users": ["TwitterDev"]}
    report = run(x_config(tmp_path, replay.url, max_pages=1, **source), store)
    assert report.ok, report.error
    assert report.new == count == store.count_posts()
    row = store.conn.execute("SELECT author_handle, url, created_at FROM posts LIMIT 1").fetchone()
    assert row["created_at"].startswith("2022-")
    if "lists" in path:  # no author_id in the answer: the post is still reachable by id
        assert row["author_handle"] == "unknown" and row["url"].startswith("https://x.com/i/status/")
    else:
        assert row["author_handle"] == "TwitterDev"


def test_missing_token_names_the_variable(replay: Replay, store: Store, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIDIGEST_TEST_X_TOKEN")
    report = run(x_config(tmp_path, replay.url, users=["aivoice"]), store)
    assert not report.ok and "AIDIGEST_TEST_X_TOKEN" in (report.error or "")
    assert replay.calls == []


def test_bad_token_is_a_clear_error_without_the_token(replay: Replay, store: Store, tmp_path: Path) -> None:
    body = {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"}
    replay.route("/2/users/by", lambda request: json_response(body, 401))
    report = run(x_config(tmp_path, replay.url, users=["aivoice"]), store)
    assert not report.ok and report.http_status == 401
    assert report.error == (
        f"source ai-voices: HTTP 401 from {replay.url}/2/users/by: check the token in AIDIGEST_TEST_X_TOKEN"
    )
    assert CANARY not in json.dumps(report.__dict__)
    assert CANARY.encode() not in store_bytes(tmp_path)



def test_server_echoing_the_token_is_redacted(replay: Replay, store: Store, tmp_path: Path) -> None:
    from urllib.parse import quote

    def echo(request: Request) -> object:
        auth = request.headers.get("Authorization", "")
        return json_response({"title": "Bad Request", "detail": f"bad header {auth} ({quote(auth)})"}, 400)

    replay.route("/2/users/by", echo)
    report = run(x_config(tmp_path, replay.url, users=["aivoice"]), store)
    assert not report.ok and "HTTP 400" in (report.error or "") and "[redacted]" in report.error
    assert CANARY not in report.error
    assert CANARY.encode() not in store_bytes(tmp_path)
