"""Secrets: a canary LLM API key and a canary X bearer token, set in the environment, are used
(each reaches its server in the Authorization header) and appear nowhere else — not in the
store file (nor its -wal/-shm), not in any log record at DEBUG level (ours, httpx's, the
openai package's), not in the run reports, not in exceptions' messages or their chained
causes, not in the CLI's output, not in the published site (Markdown and built HTML).

The runs go through the CLI (``aidigest run``) with an ``[[llm.providers]]`` row on the local
chat-completions server and an ``x_api`` source on a local pytest-httpserver that answers 401
for one run and a recorded-shape page for the next; servers that echo the secret back in an
error body, and a redirect to another origin, are tried too.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aidigest.cli import main
from aidigest.config import XApiSource
from aidigest.errors import AidigestError
from aidigest.models import SourceReport
from aidigest.store import open_store
from llm_server import ChatServer, Reply, chat_server
from sources_replay import MemoryCursors

LLM_KEY = "sk-canary-llm-4b1d5e7a9c3f"
X_TOKEN = "AAAA-canary-x-bearer-8e2f6a1d0b"
CANARIES = (LLM_KEY, X_TOKEN)
SLOT = "2025-12-07T08"

PAGE = {
    "data": [
        {"id": "1997410000000000002", "author_id": "2002",
         "created_at": "2025-12-07T01:30:00.000Z", "lang": "en", "conversation_id": "1997410000000000002",
         "text": "Model-X weights are live on the hub https://t.co/abc",
         "entities": {"urls": [{"start": 35, "end": 51, "url": "https://t.co/abc",
                                "expanded_url": "https://example.com/model-x"}]},
         "public_metrics": {"like_count": 120, "retweet_count": 30, "reply_count": 5,
                            "quote_count": 2, "bookmark_count": 40, "impression_count": 20000}},
        {"id": "1997410000000000001", "author_id": "3003",
         "created_at": "2025-12-07T01:20:00.000Z", "lang": "en",
         "text": "Our eval harness now supports Model-X."},
    ],
    "includes": {"users": [
        {"id": "2002", "username": "labnews", "name": "Lab News",
         "public_metrics": {"followers_count": 880000}},
        {"id": "3003", "username": "researcher", "name": "A Researcher",
         "public_metrics": {"followers_count": 12000}},
    ]},
    "meta": {"result_count": 2, "newest_id": "1997410000000000002"},
}


def assert_clean(where: str, data: str | bytes) -> None:
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    for canary in CANARIES:
        assert canary.encode() not in raw, f"{canary[:12]}… leaked into {where}"


def assert_tree_clean(root: Path) -> int:
    """Every file under ``root`` (store, -wal, -shm, lock, site, public); returns the count."""
    files = [p for p in root.rglob("*") if p.is_file()]
    for path in files:
        assert_clean(str(path), path.read_bytes())
    return len(files)


def exception_text(exc: BaseException) -> str:
    """The message, args, repr and the whole chained traceback of ``exc``."""
    return "\n".join([str(exc), repr(exc), repr(exc.args),
                      *traceback.format_exception(type(exc), exc, exc.__traceback__)])


class XServer:
    """The local X API: ``mode`` = "401" | "page" | "echo" (400 quoting the Authorization
    header back, as a careless proxy might). Records whether the token arrived."""

    def __init__(self, server: HTTPServer) -> None:
        self.server, self.mode, self.authorized = server, "401", 0
        server.expect_request("/2/lists/77/tweets").respond_with_handler(self.respond)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def respond(self, request: Request) -> Response:
        auth = request.headers.get("Authorization", "")
        self.authorized += auth == f"Bearer {X_TOKEN}"
        if self.mode == "401":
            body = {"title": "Unauthorized", "type": "about:blank", "status": 401,
                    "detail": "Unauthorized"}
            return Response(json.dumps(body), status=401, content_type="application/json")
        if self.mode == "echo":
            body = {"title": "Invalid Request", "detail": f"bad header Authorization: {auth}"}
            return Response(json.dumps(body), status=400, content_type="application/json")
        return Response(json.dumps(PAGE), status=200, content_type="application/json")


@pytest.fixture
def llm() -> Iterator[ChatServer]:
    with chat_server() as server:
        yield server


@pytest.fixture
def xserver(httpserver: HTTPServer) -> XServer:
    return XServer(httpserver)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every logger at DEBUG, captured (httpx, httpcore, openai included)."""
    caplog.set_level(logging.DEBUG)
    for name in ("openai", "httpx", "httpcore", "aidigest"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def configure(project: Path, llm: ChatServer, xserver: XServer) -> None:
    cfg = project / "aidigest.toml"
    text = cfg.read_text("utf-8").replace("embeddings = true", "embeddings = false")
    text += (
        "\n[[llm.providers]]\n"
        'name = "local"\n'
        f'base_url = "{llm.base_url}"\n'
        'model = "local-zh"\n'
        'api_key_env = "AIDIGEST_CANARY_LLM_KEY"\n'
        "timeout = 10\n"
        "max_retries = 0\n"
        "\n[[sources]]\n"
        'name = "x"\n'
        'kind = "x_api"\n'
        'bearer_token_env = "X_BEARER_TOKEN"\n'
        f'base_url = "{xserver.base_url}"\n'
        'lists = ["77"]\n'
        "retries = 0\n"
    )
    cfg.write_text(text, "utf-8")


def invoke(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(main, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        assert_clean("an exception of the CLI", exception_text(result.exception))
    assert result.exit_code == 0, result.output
    assert_clean(f"the output of aidigest {' '.join(args)}", result.output)
    return result.output


def assert_logs_clean(caplog: pytest.LogCaptureFixture) -> None:
    assert caplog.records, "DEBUG logging captured nothing"
    for record in caplog.records:
        assert_clean(f"log record {record.name}", record.getMessage())
        assert_clean(f"log record {record.name} (args)", repr(record.args))
        if record.exc_info and record.exc_info[1] is not None:
            assert_clean(f"log record {record.name} (exception)", exception_text(record.exc_info[1]))
    assert_clean("the captured log text", caplog.text)


def test_runs_through_the_cli_leak_neither_secret(
    project: Path, runner: CliRunner, llm: ChatServer, xserver: XServer,
    debug_logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIDIGEST_CANARY_LLM_KEY", LLM_KEY)
    monkeypatch.setenv("X_BEARER_TOKEN", X_TOKEN)
    configure(project, llm, xserver)
    llm.push(Reply(status=401))  # the first item: the provider refuses (an error path)

    first = invoke(runner, "run", "--slot", SLOT)
    assert "source x: FAILED" in first and "X_BEARER_TOKEN" in first, first
    assert xserver.authorized == 1

    xserver.mode = "page"
    second = invoke(runner, "run", "--slot", SLOT, "--force")
    assert "source x: ok; 2 new" in second, second
    assert xserver.authorized == 2
    for args in (("status", "--json"), ("sources", "status"), ("export",),
                 ("stories", "--slot", SLOT, "--json")):
        invoke(runner, *args)

    chat = llm.chat_requests
    assert len(chat) > 10
    for request in chat:
        headers = {k.lower(): v for k, v in request.headers.items()}
        assert headers.get("authorization") == f"Bearer {LLM_KEY}"
    for request in chat:
        assert_clean("a chat request body", request.body)

    with open_store(project / "aidigest.db") as store:
        runs = store.recent_runs(10)
        health = store.source_health()
        assert store.get_posts(["1997410000000000002"]), "the page's posts were stored"
    assert len(runs) == 2
    items = runs[-1].report.items  # the refused item failed and was replaced
    assert [i.outcome for i in items].count("failed") == 1
    assert {i.writer for i in items if i.outcome != "failed"} == {"llm:local-zh"}
    assert_clean("the run reports", json.dumps([asdict(r) for r in runs], ensure_ascii=False))
    shown = json.dumps({k: h.to_dict() for k, h in health.items()}, ensure_ascii=False)
    assert_clean("the source health", shown)
    assert (project / "site" / "public" / "index.html").is_file()
    assert assert_tree_clean(project) > 10
    assert_logs_clean(debug_logs)


def _fetch_error(entry: XApiSource) -> AidigestError:
    from aidigest.sources.x_api import XApiReader

    with pytest.raises(AidigestError) as info:
        for _ in XApiReader(entry).fetch(MemoryCursors(), SourceReport(entry.name, "x_api")):
            pass
    return info.value



def _entry(base_url: str) -> XApiSource:
    return XApiSource(name="x", kind="x_api", base_url=base_url, lists=["77"], retries=0,
                      max_wait_seconds=1)


def test_x_api_401_error_names_the_variable_not_the_token(
    xserver: XServer, debug_logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", X_TOKEN)
    error = _fetch_error(_entry(xserver.base_url))
    assert "X_BEARER_TOKEN" in str(error) and "401" in str(error)
    assert xserver.authorized == 1
    assert_clean("the 401 error", exception_text(error))
    assert_logs_clean(debug_logs)


def test_x_api_server_echoing_the_token_does_not_leak_it(
    xserver: XServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", X_TOKEN)
    xserver.mode = "echo"
    error = _fetch_error(_entry(xserver.base_url))
    assert xserver.authorized == 1 and "400" in str(error)
    assert_clean("the error quoting an echoing server", exception_text(error))


def test_redirect_to_another_origin_drops_the_token(
    httpserver: HTTPServer, debug_logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", X_TOKEN)
    seen: list[str] = []
    other = HTTPServer(host="127.0.0.1", port=0)
    other.start()
    try:
        def capture(request: Request) -> Response:
            seen.append(request.headers.get("Authorization", ""))
            return Response(json.dumps(PAGE), status=200, content_type="application/json")

        other.expect_request("/2/lists/77/tweets").respond_with_handler(capture)
        target = other.url_for("/2/lists/77/tweets")
        httpserver.expect_request("/2/lists/77/tweets").respond_with_response(
            Response(status=302, headers={"Location": target}))
        from aidigest.sources.x_api import XApiReader

        pages = list(XApiReader(_entry(httpserver.url_for("/").rstrip("/"))).fetch(
            MemoryCursors(), SourceReport("x", "x_api")))
    finally:
        other.clear()
        if other.is_running():
            other.stop()
    assert seen and all(X_TOKEN not in value for value in seen), "token sent to another origin"
    assert sum(len(p) for p in pages) >= 2
    assert_logs_clean(debug_logs)


def test_llm_server_echoing_the_key_is_scrubbed(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch,
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    """A provider whose error answer quotes the key (OpenAI quotes part of it): the error
    the writer raises and the notes it keeps are scrubbed."""
    from aidigest.config import Provider
    from aidigest.writer.client import Attempts, ChatClient, ProviderError

    monkeypatch.setenv("AIDIGEST_CANARY_LLM_KEY", LLM_KEY)
    body = {"error": {"message": f"Incorrect API key provided: {LLM_KEY}.",
                      "type": "invalid_request_error", "code": "invalid_api_key"}}
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_json(
        body, status=401)
    provider = Provider(name="local", base_url=httpserver.url_for("/v1"), model="m",
                        api_key_env="AIDIGEST_CANARY_LLM_KEY", max_retries=0, timeout=5)
    attempts = Attempts()
    with pytest.raises(ProviderError) as info:
        ChatClient(provider).complete([{"role": "user", "content": "hi"}], attempts)
    assert "401" in str(info.value) and "Incorrect API key" in str(info.value)
    assert_clean("the provider error", exception_text(info.value))
    assert_clean("the attempt notes", repr(attempts.notes) + repr(attempts.records))
    assert_logs_clean(debug_logs)
