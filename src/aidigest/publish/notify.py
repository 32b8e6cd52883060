"""Tell people about a digest: the ``[notify.webhook]`` JSON (a contract: ``event``, ``slot``,
``title``, ``url``, ``items``, ``reason``) and every Apprise channel (:mod:`channels`: the
``[[notify.channels]]`` rows, Feishu, DingTalk, WeCom, Telegram, e-mail, …) whose events and
categories match.

Each channel has its own timeout and its own outcome; a failing channel is reported as an
error string and never raises, so the others are still sent and publication is never blocked
or undone. Secrets come only from the environment variables named by ``*_env`` keys and are
scrubbed from every message.

Does NOT retry, queue or remember notifications: a failed one is reported in the run report
and not sent again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from aidigest.config import NotifySection, WebhookNotify, secret
from aidigest.errors import AidigestError
from aidigest.models import Digest
from aidigest.publish.channels import channels_from, send


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
    """The webhook's JSON body (also what the Apprise channels' messages are made from).

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
    results: list[ChannelResult] = []
    if (hook := conf.webhook) is not None:
        results.append(_outcome("webhook", lambda: send_webhook(hook, body)))
    kind = "info" if event == "published" and not reason else "warning"
    for channel in channels_from(conf):
        if channel.wants(event, digest.categories):
            results.append(_outcome(channel.label, partial(send, channel, body, kind)))
    return results


def _outcome(name: str, attempt: Callable[[], str | None]) -> ChannelResult:
    """Run one channel's send; any failure becomes the result's error, never an exception."""
    try:
        error = attempt()
    except AidigestError as exc:
        error = str(exc)
    except Exception as exc:  # a bug or a library failure in one channel must not stop others
        error = f"{type(exc).__name__}: {exc}"
    return ChannelResult(name, error)
