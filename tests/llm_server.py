"""A real local HTTP server speaking the OpenAI chat-completions protocol, for tests and the
writer benchmark.

``POST /v1/chat/completions`` takes the OpenAI request body and answers with an OpenAI
response body (``choices[0].message.content``, ``finish_reason``, ``usage``). Answers come from
a script (a queue of :class:`Reply`, consumed one per request) and, when the script is empty,
from ``fallback`` if set (e.g. a provider that answers 401 to everything), else from
:func:`auto_answer`, which writes a valid, faithful Chinese answer from the prompt's own
data (items, editor order, categories). Every request is recorded (path, headers, raw body).

Does NOT implement streaming, tools or any other endpoint.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CJK = re.compile(r"[\u4e00-\u9fff]")
FILLER = ("帖子介绍了这一事件的主要内容和相关背景，作者认为它对行业和开发者都有参考价值，"
          "值得业内人士持续关注后续进展。")
# distinct sentences (the quality gate refuses a repeated one), used in turn after FILLER
MORE = ("多位开发者在评论区分享了自己的上手体验，讨论集中在使用成本、接入难度和实际效果上。",
        "目前官方尚未公布更详细的技术细节，社区正在等待更完整的说明文档和评测结果。",
        "如果后续表现稳定，这类工具有望进入更多团队的日常工作流程，改变现有的协作方式。")


@dataclass
class Reply:
    """One scripted answer: ``content`` with ``finish_reason``, or an HTTP error ``status``."""

    content: str = ""
    finish_reason: str = "stop"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    message: str = ""  # the error message of a non-200 reply (default "scripted status N")


Script = Reply | Callable[[dict[str, Any]], Reply]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


class ChatServer:
    """The server's state: the script, the recorded requests."""

    def __init__(self) -> None:
        self.script: deque[Script] = deque()
        self.fallback: Script | None = None  # answers every request once the script is empty
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.httpd: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.httpd is not None
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def push(self, *replies: Script) -> None:
        self.script.extend(replies)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            entry = self.script.popleft() if self.script else None
        if entry is None:
            entry = self.fallback
        if entry is None:
            return Reply(auto_answer(body))
        return entry(body) if callable(entry) else entry

    @property
    def chat_requests(self) -> list[Received]:
        return [r for r in self.received if r.path.endswith("/chat/completions")]


def estimate_tokens(text: str) -> int:
    """A tokenizer stand-in: one token per CJK character, one per 4 other characters."""
    cjk = len(CJK.findall(text))
    return cjk + max(0, len(text) - cjk) // 4 + 1


def _handler(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with server.lock:
                server.received.append(Received(self.path, dict(self.headers.items()), raw))
            if not self.path.endswith("/chat/completions"):
                return self._send(404, {"error": {"message": "not found", "type": "invalid_request"}})
            body = json.loads(raw)
            reply = server.next_reply(body)
            if reply.delay:
                time.sleep(reply.delay)
            if reply.status != 200:
                error = {"message": reply.message or f"scripted status {reply.status}",
                         "type": "server_error", "code": None}
                return self._send(reply.status, {"error": error}, reply.headers)
            self._send(200, completion_body(body, reply), reply.headers)

        def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and left

    return Handler


def completion_body(request: dict[str, Any], reply: Reply) -> dict[str, Any]:
    prompt = "".join(str(m.get("content", "")) for m in request.get("messages", []))
    prompt_tokens, completion_tokens = estimate_tokens(prompt), estimate_tokens(reply.content)
    return {
        "id": f"chatcmpl-{time.monotonic_ns()}", "object": "chat.completion",
        "created": int(time.time()), "model": request.get("model", ""),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.content},
                     "finish_reason": reply.finish_reason, "logprobs": None}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


@contextmanager
def chat_server() -> Iterator[ChatServer]:
    """A running server on 127.0.0.1 (a free port), shut down on exit."""
    server = ChatServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.daemon_threads = True
    server.httpd = httpd
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


# -- the default, well-behaved model -------------------------------------------------------
def _between(text: str, start: str, end: str) -> str:
    match = re.search(re.escape(start) + r"\n(.*?)\n" + re.escape(end), text, re.S)
    return match.group(1) if match else ""


def auto_answer(body: dict[str, Any]) -> str:
    """A valid answer to whichever of the writer's prompts ``body`` carries."""
    user = str(body["messages"][-1]["content"])
    first_user = next(str(m["content"]) for m in body["messages"] if m["role"] == "user")
    if "<<<CANDIDATES" in first_user:
        numbers = re.findall(r"^(\d+)\. ", _between(first_user, "<<<CANDIDATES", "CANDIDATES>>>"), re.M)
        system = str(body["messages"][0]["content"])
        pick_max = int(re.search(r"Pick \d+ to (\d+)", system).group(1))  # type: ignore[union-attr]
        return json.dumps({"order": [int(n) for n in reversed(numbers)][:pick_max]})
    if "<<<ITEMS" in first_user:
        return json.dumps({"categories": ["大模型", "AI应用", "AI进展"]}, ensure_ascii=False)
    del user
    return json.dumps(item_answer(first_user), ensure_ascii=False)


def item_answer(user: str, figure: str = "") -> dict[str, Any]:
    """A faithful item built from the prompt's posts (``figure`` adds a claim, maybe invented)."""
    lines = _between(user, "<<<POSTS", "POSTS>>>").splitlines()
    corpus = " ".join(line.split("] ", 1)[-1] for line in lines)
    hinted = re.search(r"关键词：(.*)", user)
    terms = [t for t in (hinted.group(1).split("、") if hinted else []) if t and t in corpus]
    term = terms[0] if terms else _cjk_or_word(corpus)
    summary = f"多位作者在过去几小时讨论了**{term}**。" + (f"据称其规模达到{figure}倍。" if figure else "")
    for more in (FILLER, *MORE):
        if len(summary.replace("**", "")) >= 130:
            break
        summary += more
    summary = summary[: 250]
    return {"title": f"关于{term}的最新动态"[:40], "summary": summary, "key_terms": [term]}


def _cjk_or_word(corpus: str) -> str:
    run = re.search(r"[\u4e00-\u9fff]{4,}", corpus)
    if run:
        return run.group(0)[:4]
    word = re.search(r"[A-Za-z]{3,}", corpus)
    return word.group(0) if word else "帖子"
