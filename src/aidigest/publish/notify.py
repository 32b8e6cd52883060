"""Tell people a digest was published: a generic webhook (JSON body), a Telegram bot, e-mail.

Each channel has its own timeout and its own outcome; a failing channel is reported as an
error string and never raises, so publication is never blocked or undone. Secrets (the bot
token, the SMTP password) come only from the environment variables named by ``*_env`` keys
and are scrubbed from every message.

Does NOT retry, queue or remember notifications: a failed one is reported in the run report
and not sent again.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from aidigest.config import EmailNotify, NotifySection, TelegramNotify, WebhookNotify, secret
from aidigest.errors import AidigestError
from aidigest.models import Digest

TELEGRAM_LIMIT = 4000


@dataclass(frozen=True)
class ChannelResult:
    channel: str
    error: str | None = None


def page_url(site_url: str | None, post: Path) -> str | None:
    """The public address of the post (Hugo's default ``/posts/<name>/``), if the site's is known."""
    if not site_url:
        return None
    return f"{site_url.rstrip('/')}/posts/{post.stem.lower()}/"


EVENTS = ("published", "held", "draft")


def payload(
    digest: Digest, post: Path, url: str | None, event: str = "published",
    reason: str | None = None,
) -> dict[str, Any]:
    """The webhook's JSON body (also the source of the other channels' text).

    ``event`` is published | held | draft; ``reason`` becomes ``"reason"`` (why it was held)
    or, for a published digest, ``"warning"`` (e.g. items written offline).
    """
    body: dict[str, Any] = {
        "event": event,
        "slot": digest.slot.key,
        "title": digest.title,
        "url": url,
        "path": str(post),
        "made_at": digest.made_at.isoformat(),
        "categories": list(digest.categories),
        "items": [{"title": i.title, "url": i.url, "author": i.author_name} for i in digest.items],
    }
    if reason:
        body["warning" if event == "published" else "reason"] = reason
    return body


def message_text(body: dict[str, Any]) -> str:
    """Plain text: (for a held or draft digest, what happened), title, link, item titles."""
    lines = []
    event = body.get("event", "published")
    if event != "published":
        lines.append(f"[{str(event).upper()}] {body.get('reason') or 'not published'}")
    elif body.get("warning"):
        lines.append(f"WARNING: {body['warning']}")
    lines.append(body["title"])
    if body["url"]:
        lines.append(body["url"])
    lines.append("")
    lines += [f"{n}. {item['title']}" for n, item in enumerate(body["items"], 1)]
    return "\n".join(lines)


def send_webhook(conf: WebhookNotify, body: dict[str, Any]) -> None:
    """POST the JSON body; errors name the host only (a hook's path is often its secret)."""
    url = conf.url or secret(conf.url_env, "the webhook URL ([notify.webhook])")
    host = urlsplit(url).hostname or "the webhook"
    try:
        response = httpx.post(url, json=body, timeout=conf.timeout)
    except httpx.HTTPError as exc:
        raise AidigestError(f"{type(exc).__name__} from {host}: {exc}".replace(url, "***")) from None
    if response.status_code >= 300:
        raise AidigestError(f"HTTP {response.status_code} from {host}")


def send_telegram(conf: TelegramNotify, body: dict[str, Any]) -> None:
    token = secret(conf.bot_token_env, "the Telegram bot token ([notify.telegram])")
    url = f"{conf.api_base.rstrip('/')}/bot{token}/sendMessage"
    data = {"chat_id": conf.chat_id, "text": message_text(body)[:TELEGRAM_LIMIT],
            "disable_web_page_preview": True}
    try:
        response = httpx.post(url, json=data, timeout=conf.timeout)
    except httpx.HTTPError as exc:
        raise AidigestError(f"{type(exc).__name__}: {exc}".replace(token, "***")) from None
    if response.status_code >= 300:
        detail = response.text[:200].replace(token, "***")
        raise AidigestError(f"HTTP {response.status_code} from the Telegram API: {detail}")


def send_email(conf: EmailNotify, body: dict[str, Any]) -> None:
    message = EmailMessage()
    event = body.get("event", "published")
    message["Subject"] = body["title"] if event == "published" else f"[{event}] {body['title']}"
    message["From"] = conf.sender
    message["To"] = ", ".join(conf.to)
    message.set_content(message_text(body))
    password = secret(conf.password_env, "the SMTP password ([notify.email])") \
        if conf.password_env else None
    if conf.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(conf.host, conf.port, timeout=conf.timeout,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(conf.host, conf.port, timeout=conf.timeout)
    with smtp:
        if conf.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if conf.username and password:
            smtp.login(conf.username, password)
        smtp.send_message(message)


def notify_all(
    conf: NotifySection, digest: Digest, post: Path, event: str = "published",
    reason: str | None = None,
) -> list[ChannelResult]:
    """Send every configured channel; each failure becomes a ChannelResult with its error.

    ``event``: published | held | draft (a held or draft post has no public page, so no url).
    ``reason``: why it was held, or a warning for a published digest.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    url = page_url(conf.site_url, post) if event == "published" else None
    body = payload(digest, post, url, event, reason)
    channels: list[tuple[str, Any, Any]] = [
        ("webhook", conf.webhook, send_webhook),
        ("telegram", conf.telegram, send_telegram),
        ("email", conf.email, send_email),
    ]
    results: list[ChannelResult] = []
    for name, channel_conf, send in channels:
        if channel_conf is None:
            continue
        try:
            send(channel_conf, body)
            results.append(ChannelResult(name))
        except Exception as exc:  # any failure of one channel is reported, never raised
            text = str(exc) or type(exc).__name__
            results.append(ChannelResult(name, f"{type(exc).__name__}: {text}"
                                         if not isinstance(exc, AidigestError) else text))
    return results
