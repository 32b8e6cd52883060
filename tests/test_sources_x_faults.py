"""Faults of the X API source against the real local server: rate limits, 5xx, a connection
dropped mid-body, truncated JSON, unknown fields, invalid surrogates and NUL bytes. Each ends in
stored posts or a recorded error (never a traceback), and never loses an earlier page."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aidigest.config import Config
from aidigest.store import open_store
from aidigest.store.db import Store
from sources_replay import CANARY, FIXTURES, Replay, json_response, load, run, store_bytes, x_config

X_FIX = FIXTURES / "x_api"
PAGE1, PAGE2 = load(X_FIX / "user_1001_page1.json"), load(X_FIX / "user_1001_page2.json")
TIMELINE = "/2/users/1001/tweets"


@pytest.fixture(autouse=True)
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr("aidigest.sources.http.pause", waits.append)
    monkeypatch.setenv("AIDIGEST_TEST_X_TOKEN", CANARY)
    return waits


@pytest.fixture
def replay(httpserver: HTTPServer) -> Replay:
    r = Replay(httpserver)
    r.route("/2/users/by", lambda request: load(X_FIX / "users_by.json"))
    return r


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "store.db") as st:
        yield st


@pytest.fixture
def cfg(tmp_path: Path, replay: Replay) -> Config:
    return x_config(tmp_path, replay.url, users=["aivoice"], max_wait_seconds=120, retries=2)


def scripted(replay: Replay, answers: list) -> None:
    """Answer the timeline from a script (page 2 when asked for it, else the next answer)."""
    queue = list(answers)

    def answer(request: Request) -> dict | Response:
        if request.args.get("pagination_token") == "PAGE2TOKEN":
            nxt = queue.pop(0) if queue and queue[0] is not PAGE1 else PAGE2
            return nxt
        return queue.pop(0) if queue else PAGE1

    replay.route(TIMELINE, answer)


def dropped_mid_body(payload: dict) -> Response:
    """Headers promise the whole body; the connection closes after half of it."""
    body = json.dumps(payload).encode()

    def halves() -> Iterator[bytes]:
        yield body[: len(body) // 2]
        raise ConnectionResetError("dropped by the test server")

    response = Response(halves(), status=200, content_type="application/json")
    response.headers["Content-Length"] = str(len(body))
    return response


def test_429_waits_until_reset_then_goes_on(replay: Replay, store: Store, cfg: Config,
                                            slept: list[float]) -> None:
    reset = str(int(time.time()) + 30)
    limited = json_response({"title": "Too Many Requests"}, 429,
                            {"x-rate-limit-reset": reset, "x-rate-limit-remaining": "0"})
    scripted(replay, [limited, PAGE1, PAGE2])
    report = run(cfg, store)
    assert report.ok and report.new == 7, report.error
    assert len(slept) == 1 and 28 <= slept[0] <= 32
    assert any("waited" in note for note in report.notes)


def test_429_beyond_max_wait_keeps_earlier_pages(replay: Replay, store: Store, cfg: Config,
                                                 slept: list[float]) -> None:
    reset = str(int(time.time()) + 3600)
    limited = json_response({"title": "Too Many Requests"}, 429, {"x-rate-limit-reset": reset})
    scripted(replay, [PAGE1, limited])
    report = run(cfg, store)
    assert not report.ok and report.new == 5 and slept == []
    assert "HTTP 429 (rate limited)" in (report.error or "") and "max_wait_seconds=120" in report.error
    assert store.get_cursor("ai-voices", "since_id:user:1001") is None  # re-read next run


def test_remaining_zero_waits_before_the_next_request(replay: Replay, store: Store, cfg: Config,
                                                      slept: list[float]) -> None:
    reset = str(int(time.time()) + 20)
    first = json_response(PAGE1, 200, {"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset})
    scripted(replay, [first, PAGE2])
    report = run(cfg, store)
    assert report.ok and report.new == 7 and len(replay.paths(TIMELINE)) == 2
    assert len(slept) == 1 and 18 <= slept[0] <= 22


def test_500_then_200(replay: Replay, store: Store, cfg: Config, slept: list[float]) -> None:
    scripted(replay, [json_response({"title": "oops"}, 500), PAGE1, PAGE2])
    report = run(cfg, store)
    assert report.ok and report.new == 7 and len(replay.paths(TIMELINE)) == 3
    assert len(slept) == 1 and 0.5 <= slept[0] <= 1.5  # backoff with jitter


def test_500_every_time_is_a_recorded_error(replay: Replay, store: Store, cfg: Config,
                                            slept: list[float]) -> None:
    scripted(replay, [PAGE1] + [json_response({"title": "oops"}, 503)] * 5)
    report = run(cfg, store)
    assert not report.ok and report.new == 5
    assert report.error == (f"source ai-voices: HTTP 503 from {replay.url}{TIMELINE} "
                            "(gave up after 3 attempts)")
    assert len(slept) == 2 and slept[1] > slept[0] * 0.6


def test_connection_dropped_mid_body(replay: Replay, store: Store, cfg: Config) -> None:
    scripted(replay, [dropped_mid_body(PAGE1), PAGE1, PAGE2])
    report = run(cfg, store)
    assert report.ok and report.new == 7, report.error


def test_connection_dropped_on_every_try_of_page_2(replay: Replay, store: Store, cfg: Config) -> None:
    scripted(replay, [PAGE1] + [dropped_mid_body(PAGE2)] * 3)
    report = run(cfg, store)
    assert not report.ok and report.new == 5
    assert "connection error (RemoteProtocolError)" in (report.error or "")
    assert store.count_posts() == 5


def test_truncated_json_then_recovery(replay: Replay, store: Store, cfg: Config) -> None:
    body = json.dumps(PAGE2)
    scripted(replay, [PAGE1, Response(body[: len(body) - 40], content_type="application/json"),
                      PAGE1, PAGE2])
    report = run(cfg, store)
    assert not report.ok and report.new == 5 and report.pages == 1
    assert "is not valid JSON" in (report.error or "") and "Traceback" not in report.error
    again = run(cfg, store)  # no since_id was kept: the timeline is read again, completely
    assert again.ok and (again.new, again.updated) == (2, 5)
    assert "since_id" not in replay.paths(TIMELINE)[-2]
    assert store.get_cursor("ai-voices", "since_id:user:1001") == "1997400000000000003"


def test_unknown_fields_are_tolerated(replay: Replay, store: Store, cfg: Config) -> None:
    page = json.loads(json.dumps(PAGE1))
    page["surprise"] = {"new": "top-level field"}
    page["data"][0]["edit_controls"] = {"editable_until": "2025-12-07T04:00:00Z"}
    page["data"][1]["public_metrics"]["new_metric"] = 7
    page["includes"]["media"] = [{"media_key": "3_1", "type": "photo"}]
    page["data"].append("not an object")
    page["data"].append({"id": "not-a-number", "text": "bad id"})
    scripted(replay, [page, PAGE2])
    report = run(cfg, store)
    assert report.ok and report.new == 7 and report.skipped == 1, report.error
    assert "edit_controls" in store.get_posts(["1997400000000000003"])[0].raw


def test_invalid_surrogates_and_nul_bytes(replay: Replay, store: Store, cfg: Config) -> None:
    text = json.dumps(PAGE2)
    text = text.replace("Morning.", "Morn\\u0000ing \\ud800 \\udfff\\u0007.")
    text = text.replace('"Lab News"', '"Lab\\u0000 News\\udc00"')
    scripted(replay, [PAGE1, Response(text, content_type="application/json")])
    report = run(cfg, store)
    assert report.ok and report.new == 7, report.error
    post = store.get_posts(["1997390000000000001"])[0]
    assert post.text == "Morning  . Reading the Model-X report." and "\\ud800" in (post.raw or "")
    name = store.conn.execute("SELECT name FROM authors WHERE handle = 'labnews'").fetchone()[0]
    assert name == "Lab News"
    assert CANARY.encode() not in store_bytes(Path(store.path).parent)
