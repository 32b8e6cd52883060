"""Notifications after publishing, against real local servers: webhook JSON, Telegram bot API,
SMTP. A slow or failing channel is an error in the run report; the post is still published."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import pytest
from pytest_httpserver import HTTPServer

from aidigest.config import NotifySection
from aidigest.models import Digest, DigestItem
from aidigest.publish.notify import notify_all
from aidigest.slots import parse_slot

SLOT = parse_slot("2025-12-07T08")
POST = Path("/site/content/posts/2025-12-07T08.md")
TOKEN = "123456:SECRET-token"


def _digest() -> Digest:
    item = DigestItem("阿里巴巴推出 Qwen3-TTS", "**Qwen3-TTS** 发布", "https://x.com/a/status/1",
                      "小互", "s1", "1")
    return Digest(SLOT, datetime.fromisoformat("2025-12-07T08:00:08+08:00"), ("大模型",), (item,))


def _conf(**channels: object) -> NotifySection:
    return NotifySection.model_validate({"site_url": "https://digest.example/", **channels})


def test_webhook_and_telegram_receive_the_digest(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TG_TOKEN", TOKEN)
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    httpserver.expect_request(f"/bot{TOKEN}/sendMessage", method="POST").respond_with_json(
        {"ok": True})
    conf = _conf(webhook={"url": httpserver.url_for("/hook")},
                 telegram={"chat_id": "@aidigest", "bot_token_env": "TG_TOKEN",
                           "api_base": httpserver.url_for("/")})
    results = notify_all(conf, _digest(), POST)
    assert [(r.channel, r.error) for r in results] == [("webhook", None), ("telegram", None)]
    hook, tg = (json.loads(req.get_data()) for req, _resp in httpserver.log)
    assert hook["slot"] == "2025-12-07T08" and hook["event"] == "published"
    assert hook["url"] == "https://digest.example/posts/2025-12-07t08/"
    assert hook["items"][0]["title"] == "阿里巴巴推出 Qwen3-TTS"
    assert tg["chat_id"] == "@aidigest" and "2025.12.07.08" in tg["text"]


def test_failures_are_reported_with_their_own_timeout_and_no_secret(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TG_TOKEN", TOKEN)
    httpserver.expect_request(f"/bot{TOKEN}/sendMessage").respond_with_data(
        f"bad token {TOKEN}", status=401)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts connections, never answers
    try:
        conf = _conf(webhook={"url": f"http://127.0.0.1:{silent.getsockname()[1]}/", "timeout": 0.5},
                     telegram={"chat_id": "1", "bot_token_env": "TG_TOKEN",
                               "api_base": httpserver.url_for("/")},
                     email={"host": "127.0.0.1", "port": 1, "sender": "a@b.c", "to": ["d@e.f"],
                            "security": "none", "timeout": 2})
        results = {r.channel: r.error for r in notify_all(conf, _digest(), POST)}
    finally:
        silent.close()
    assert "Timeout" in (results["webhook"] or "")
    assert "HTTP 401" in (results["telegram"] or "") and TOKEN not in (results["telegram"] or "")
    assert results["email"] and "Connection" in results["email"]


def test_missing_token_env_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TG_NOPE", raising=False)
    conf = _conf(telegram={"chat_id": "1", "bot_token_env": "TG_NOPE"})
    (result,) = notify_all(conf, _digest(), POST)
    assert result.error and "TG_NOPE is not set" in result.error


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message."""

    received: ClassVar[list[str]] = []

    def handle(self) -> None:
        self.wfile.write(b"220 test\r\n")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ")[0].upper()
            if verb == "DATA":
                self.wfile.write(b"354 go\r\n")
                data = b"".join(iter(lambda: self.rfile.readline(), b".\r\n"))
                self.received.append(data.decode("utf-8", "replace"))
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_email_is_sent_over_smtp(smtp_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    _Smtp.received.clear()
    conf = _conf(email={"host": "127.0.0.1", "port": smtp_port, "security": "none",
                        "sender": "digest@example.com", "to": ["reader@example.com"]})
    (result,) = notify_all(conf, _digest(), POST)
    assert result.error is None
    (message,) = _Smtp.received
    assert "To: reader@example.com" in message and "Subject:" in message


def test_every_commented_publish_and_notify_option_in_the_template_is_valid(tmp_path: Path) -> None:
    import re
    import tomllib
    from importlib import resources

    from aidigest.config import config_from_dict

    text = resources.files("aidigest").joinpath("data", "aidigest.toml.template").read_text("utf-8")
    head, tail = text.split("\n[publish]\n")
    tail = re.sub(r"^# (\[notify|\w+ = )", r"\1", tail, flags=re.M)
    cfg = config_from_dict(tomllib.loads((head + "\n[publish]\n" + tail).replace("@SITE@", '"s"')),
                           tmp_path)
    assert cfg.notify.email and cfg.notify.email.password_env == "SMTP_PASSWORD"
    assert cfg.notify.telegram and cfg.notify.webhook and cfg.publish.template_dir == "templates"


def test_webhook_url_from_env_is_never_in_an_error(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_path = "/services/T000/B000/XXXXsecretXXXX"
    monkeypatch.setenv("HOOK_URL", httpserver.url_for(secret_path))
    httpserver.expect_request(secret_path, method="POST").respond_with_data("no", status=500)
    (failed,) = notify_all(_conf(webhook={"url_env": "HOOK_URL"}), _digest(), POST)
    assert failed.error == "HTTP 500 from localhost"
    monkeypatch.setenv("HOOK_URL", "http://127.0.0.1:1" + secret_path)  # nothing listens
    (refused,) = notify_all(_conf(webhook={"url_env": "HOOK_URL"}), _digest(), POST)
    assert refused.error and "ConnectError from 127.0.0.1" in refused.error
    assert "secret" not in refused.error
    monkeypatch.delenv("HOOK_URL")
    (unset,) = notify_all(_conf(webhook={"url_env": "HOOK_URL"}), _digest(), POST)
    assert unset.error and "HOOK_URL is not set" in unset.error


@pytest.mark.parametrize("hook", [{}, {"url": "http://a/", "url_env": "B"}])
def test_webhook_needs_exactly_one_of_url_and_url_env(hook: dict[str, str]) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="one of url or url_env"):
        _conf(webhook=hook)
