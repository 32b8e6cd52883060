"""Notifications after publishing, against real local servers: the webhook JSON (a contract),
and the Apprise channels with the real Apprise library — ``json://`` on a local sink, the
Feishu, DingTalk, WeCom bot and Telegram formats through a local HTTPS sink (tls_sink.py),
e-mail over a local SMTP server. A slow or failing channel is a warning in the run report;
the others and the post go on."""

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

from aidigest.config import NotifySection, config_from_dict
from aidigest.errors import ConfigError
from aidigest.models import Digest, DigestItem
from aidigest.publish.channels import compose, plain_headline
from aidigest.publish.notify import notify_all
from aidigest.slots import parse_slot
from tls_sink import Sink, tls_sink

SLOT = parse_slot("2025-12-07T08")
POST = Path("/site/content/posts/2025-12-07T08.md")
TOKEN = "123456:SECRET-token"
FEISHU = "a1b2c3d4-feishu-hook"
DING = "d1n9t4lk0token"
WECOM = "wecom-key-abcdef123"


def _item(n: int, title: str = "阿里巴巴推出 Qwen3-TTS") -> DigestItem:
    return DigestItem(title, "**Qwen3-TTS** 发布", f"https://x.com/a/status/{n}", "小互", f"s{n}", str(n))


def _digest(items: int = 1, categories: tuple[str, ...] = ("大模型",), title: str | None = None) -> Digest:
    made = tuple(_item(n, title or f"第{n}条：阿里巴巴推出 Qwen3-TTS") for n in range(1, items + 1))
    return Digest(SLOT, datetime.fromisoformat("2025-12-07T08:00:08+08:00"), categories, made)


def _conf(**channels: object) -> NotifySection:
    return NotifySection.model_validate({"site_url": "https://digest.example/", **channels})


def _bodies(server: HTTPServer) -> dict[str, dict[str, object]]:
    return {req.path: json.loads(req.get_data()) for req, _resp in server.log}


@pytest.fixture
def sink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sink]:
    with tls_sink(tmp_path, monkeypatch) as running:
        yield running


# -- the webhook contract ---------------------------------------------------------------------
def test_webhook_receives_the_digest_json_unchanged(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    (result,) = notify_all(_conf(webhook={"url": httpserver.url_for("/hook")}), _digest(), POST)
    assert (result.channel, result.error) == ("webhook", None)
    hook = _bodies(httpserver)["/hook"]
    assert {"event", "slot", "title", "url", "items"} <= set(hook)
    assert hook["slot"] == "2025-12-07T08" and hook["event"] == "published"
    assert hook["url"] == "https://digest.example/posts/2025-12-07t08/"
    assert hook["items"] == [{"title": "第1条：阿里巴巴推出 Qwen3-TTS", "url": "https://x.com/a/status/1",
                              "author": "小互"}]


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


# -- Apprise channels -------------------------------------------------------------------------
def test_json_channel_gets_the_title_and_another_category_gets_nothing(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/llm", method="POST").respond_with_json({})
    httpserver.expect_request("/robots", method="POST").respond_with_json({})
    port = httpserver.port
    conf = _conf(channels=[
        {"url": f"json://127.0.0.1:{port}/llm", "categories": ["大模型"], "name": "llm-group"},
        {"url": f"json://127.0.0.1:{port}/robots", "categories": ["机器人"]},
    ])
    results = notify_all(conf, _digest(3, ("大模型", "AI应用")), POST)
    assert [(r.channel, r.error) for r in results] == [("llm-group", None)]
    bodies = _bodies(httpserver)
    assert "/robots" not in bodies
    message = bodies["/llm"]
    assert message["title"] == "2025.12.07.08 过去4小时全球AI发生了什么？"
    text = str(message["message"])
    assert "https://digest.example/posts/2025-12-07t08/" in text
    assert "1. [第1条：阿里巴巴推出 Qwen3-TTS](https://x.com/a/status/1)" in text  # Markdown service
    assert "3. [第3条" in text


def test_events_pick_what_a_channel_is_told(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/held-only", method="POST").respond_with_json({})
    conf = _conf(channels=[{"url": f"json://127.0.0.1:{httpserver.port}/held-only", "events": ["held"]}])
    assert notify_all(conf, _digest(), POST) == []
    (held,) = notify_all(conf, _digest(), POST, event="held", reason="the LLM wrote 2 of 8 items")
    assert held.error is None
    message = _bodies(httpserver)["/held-only"]
    assert str(message["title"]).startswith("[HELD] 2025.12.07.08")
    assert "the LLM wrote 2 of 8 items" in str(message["message"]) and message["type"] == "warning"
    assert "digest.example" not in str(message["message"])  # a held digest has no public page


def test_feishu_dingtalk_and_wecom_bots_get_their_own_formats(sink: Sink) -> None:
    for path in (f"/open-apis/bot/v2/hook/{FEISHU}/", "/robot/send", "/cgi-bin/webhook/send"):
        sink.server.expect_request(path, method="POST").respond_with_json({"code": 0, "errcode": 0})
    conf = _conf(channels=[{"url": f"feishu://{FEISHU}"}, {"url": f"dingtalk://{DING}"},
                           {"url": f"wecombot://{WECOM}"}])
    results = notify_all(conf, _digest(12), POST)
    assert [r.error for r in results] == [None, None, None], results
    assert sorted(sink.tunnels) == ["oapi.dingtalk.com:443", "open.feishu.cn:443", "qyapi.weixin.qq.com:443"]
    feishu, ding, wecom = (json.loads(req.get_data()) for req, _ in sink.server.log)
    card = feishu["card"]
    assert feishu["msg_type"] == "interactive"
    assert card["header"]["title"]["content"] == "2025.12.07.08 过去4小时全球AI发生了什么？"
    card_text = card["elements"][0]["text"]["content"]
    assert "12. [第12条：阿里巴巴推出 Qwen3-TTS](https://x.com/a/status/12)" in card_text
    assert ding["msgtype"] == "markdown" and "2025.12.07.08" in ding["markdown"]["title"]
    assert "[阅读全文](https://digest.example/posts/2025-12-07t08/)" in ding["markdown"]["text"]
    assert wecom["msgtype"] == "text"  # WeCom's bot renders no Markdown here: plain text
    content = wecom["text"]["content"]
    assert "2025.12.07.08" in content and "\n1. 第1条：阿里巴巴推出 Qwen3-TTS" in content
    assert "](" not in content
    (_f, _), (ding_request, _), (wecom_request, _) = sink.server.log
    assert (ding_request.args.get("access_token"), wecom_request.args.get("key")) == (DING, WECOM)


def test_a_long_digest_fits_the_wecom_limit_and_says_how_many_more(sink: Sink) -> None:
    sink.server.expect_request("/cgi-bin/webhook/send").respond_with_json({"errcode": 0})
    long_title = "某实验室发布新一代多模态大模型，在数学推理、代码生成和长文档理解上全面超越前代" * 2
    conf = _conf(channels=[{"url": f"wecombot://{WECOM}"}])
    (result,) = notify_all(conf, _digest(12, title=long_title), POST)
    assert result.error is None
    content = json.loads(sink.server.log[0][0].get_data())["text"]["content"]
    assert len(content.encode("utf-8")) <= 2048  # WeCom's limit is 2048 bytes
    shown = content.count(long_title)
    assert 0 < shown < 12 and f"…还有 {12 - shown} 条" in content


def test_a_failing_channel_is_reported_without_its_secret_and_the_others_still_go(
    sink: Sink, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink.server.expect_request("/cgi-bin/webhook/send").respond_with_data("down", status=500)
    httpserver.expect_request("/after", method="POST").respond_with_json({})
    monkeypatch.setenv("WECOM_URL", f"wecombot://{WECOM}")
    monkeypatch.delenv("UNSET_URL", raising=False)
    conf = _conf(channels=[{"url_env": "WECOM_URL"}, {"url_env": "UNSET_URL"},
                           {"url": "json://127.0.0.1:1/nothing-listens"},
                           {"url": f"json://127.0.0.1:{httpserver.port}/after"}])
    results = {r.channel: r.error for r in notify_all(conf, _digest(), POST)}
    assert set(results) == {"channel 1 ($WECOM_URL)", "channel 2 ($UNSET_URL)", "channel 3", "channel 4"}
    assert "500" in str(results["channel 1 ($WECOM_URL)"])
    assert "UNSET_URL is not set" in str(results["channel 2 ($UNSET_URL)"])
    assert "Connection error" in str(results["channel 3"])
    assert results["channel 4"] is None and "/after" in _bodies(httpserver)
    assert all(WECOM not in str(e) for e in results.values())


def test_headline_markup_cannot_make_links_in_a_markdown_message(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/md", method="POST").respond_with_json({})
    hostile = "Click [here](https://evil.example/x) **now** <b>hi</b>"
    conf = _conf(channels=[{"url": f"json://127.0.0.1:{httpserver.port}/md"}])
    notify_all(conf, _digest(1, title=hostile), POST)
    text = str(_bodies(httpserver)["/md"]["message"])
    assert "](https://evil" not in text and "**now**" not in text and "<b>" not in text
    shown = "Click ［here］（https://evil.example/x） ＊＊now＊＊ ＜b＞hi＜/b＞"
    assert f"1. [{shown}](https://x.com/a/status/1)" in text


def test_compose_counts_the_title_and_keeps_at_least_the_link() -> None:
    body = {"event": "published", "title": "T" * 40, "url": "https://d.example/p/",
            "items": [{"title": "标题" * 30, "url": "https://x.com/a/status/1"}] * 5}
    title, text = compose(body, markdown=False, limit=300)
    assert len(title.encode()) + len(text.encode()) <= 300
    assert text.startswith("https://d.example/p/") and "…还有" in text
    tiny_title, tiny = compose(body, markdown=False, limit=60)
    assert len(tiny_title.encode()) + len(tiny.encode()) <= 60


def test_an_unknown_apprise_url_is_a_config_error_naming_the_scheme(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"notify.channels.0.*nosuchservice://.*appriseit"):
        config_from_dict({"notify": {"channels": [{"url": "nosuchservice://abc"}]}}, tmp_path)
    with pytest.raises(ConfigError, match="one of url or url_env"):
        config_from_dict({"notify": {"channels": [{"events": ["published"]}]}}, tmp_path)
    with pytest.raises(ConfigError, match=r"events\.0"):
        config_from_dict({"notify": {"channels": [{"url": "json://localhost", "events": ["sent"]}]}},
                         tmp_path)


# -- the old [notify.telegram] / [notify.email] tables, now sent through Apprise -------------
def test_old_telegram_table_is_sent_through_apprise(sink: Sink, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TG_TOKEN", TOKEN)
    sink.server.expect_request(f"/bot{TOKEN}/sendMessage", method="POST").respond_with_json(
        {"ok": True, "result": {}})
    (result,) = notify_all(_conf(telegram={"chat_id": "@aidigest", "bot_token_env": "TG_TOKEN"}),
                           _digest(2), POST)
    assert (result.channel, result.error) == ("telegram", None)
    sent = json.loads(sink.server.log[0][0].get_data())
    assert sent["chat_id"] == "@aidigest" and "2025.12.07.08" in sent["text"]
    assert "第2条：阿里巴巴推出 Qwen3-TTS" in sent["text"]


def test_old_tables_fail_with_their_own_timeout_and_no_secret(
    sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TG_TOKEN", TOKEN)
    sink.server.expect_request(f"/bot{TOKEN}/sendMessage").respond_with_data(
        f"bad token {TOKEN}", status=401)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts connections, never answers
    try:
        conf = _conf(webhook={"url": f"http://127.0.0.1:{silent.getsockname()[1]}/", "timeout": 0.5},
                     telegram={"chat_id": "1", "bot_token_env": "TG_TOKEN"},
                     email={"host": "127.0.0.1", "port": 1, "sender": "digest@example.com",
                            "to": ["reader@example.com"], "security": "none", "timeout": 2})
        results = {r.channel: r.error for r in notify_all(conf, _digest(), POST)}
    finally:
        silent.close()
    assert "Timeout" in (results["webhook"] or "")
    assert "401" in (results["telegram"] or "")
    assert "SECRET" not in (results["telegram"] or "") and "123456" not in (results["telegram"] or "")
    assert "connection" in (results["email"] or "").lower()


def test_missing_token_env_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TG_NOPE", raising=False)
    (result,) = notify_all(_conf(telegram={"chat_id": "1", "bot_token_env": "TG_NOPE"}), _digest(), POST)
    assert result.error and "TG_NOPE is not set" in result.error


def test_a_telegram_api_base_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"api\.telegram\.org only; remove api_base"):
        config_from_dict({"notify": {"telegram": {"chat_id": "1", "api_base": "http://127.0.0.1:9"}}},
                         tmp_path)


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept messages."""

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


def test_old_email_table_is_sent_over_smtp(smtp_port: int) -> None:
    _Smtp.received.clear()
    conf = _conf(email={"host": "127.0.0.1", "port": smtp_port, "security": "none",
                        "sender": "digest@example.com", "to": ["reader@example.com"]})
    (result,) = notify_all(conf, _digest(), POST)
    assert (result.channel, result.error) == ("email", None)
    (message,) = _Smtp.received
    assert "To: reader@example.com" in message and "Subject:" in message
    assert "From: digest@example.com" in message


def test_every_commented_publish_and_notify_option_in_the_template_is_valid(tmp_path: Path) -> None:
    import re
    import tomllib
    from importlib import resources

    text = resources.files("aidigest").joinpath("data", "aidigest.toml.template").read_text("utf-8")
    head, tail = text.split("\n[publish]\n")
    tail = re.sub(r"^# (\[notify|\[\[notify|\w+ = )", r"\1", tail, flags=re.M)
    cfg = config_from_dict(tomllib.loads((head + "\n[publish]\n" + tail).replace("@SITE@", '"s"')),
                           tmp_path)
    assert cfg.notify.webhook and cfg.publish.template_dir == "templates"
    first, second = cfg.notify.channels
    assert (first.url_env, first.categories, second.events) == ("FEISHU_URL", ["大模型"], ["published"])


def test_a_run_publishes_to_the_channel_of_its_category_only(
    project: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's acceptance: `aidigest run` on the sample window, two json:// channels; the
    one routed to a category of the digest gets its title, the other gets nothing."""
    from click.testing import CliRunner

    from aidigest.cli import main
    from aidigest.store import open_store

    httpserver.expect_request("/ours", method="POST").respond_with_json({})
    httpserver.expect_request("/theirs", method="POST").respond_with_json({})
    config = project / "aidigest.toml"
    text = config.read_text("utf-8").replace("embeddings = true", "embeddings = false")
    text += (f'\n[notify]\nsite_url = "https://digest.example/"\n'
             f'[[notify.channels]]\nname = "ours"\nurl = "json://127.0.0.1:{httpserver.port}/ours"\n'
             'categories = ["大模型"]\n'
             f'[[notify.channels]]\nname = "theirs"\nurl_env = "THEIR_URL"\ncategories = ["机器人"]\n')
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("THEIR_URL", f"json://127.0.0.1:{httpserver.port}/theirs")
    result = CliRunner().invoke(main, ["run", "--slot", "2025-12-07T08", "--offline"])
    assert result.exit_code == 0, result.output
    with open_store(project / "aidigest.db") as store:
        digest = store.get_digest("2025-12-07T08")
        run = store.latest_run("2025-12-07T08")
    assert run is not None
    notes = run.report.notes
    assert digest and "大模型" in digest.categories and "机器人" not in digest.categories
    assert "notify ours: sent" in notes and not any("theirs" in n for n in notes)
    bodies = _bodies(httpserver)
    assert list(bodies) == ["/ours"]
    assert bodies["/ours"]["title"] == "2025.12.07.08 过去4小时全球AI发生了什么？"
    assert plain_headline(digest.items[0].title) in str(bodies["/ours"]["message"])
