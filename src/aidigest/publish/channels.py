"""Notification channels sent through Apprise: the ``[[notify.channels]]`` rows (and the old
``[notify.telegram]`` / ``[notify.email]`` tables, which become Apprise URLs), their routing by
event and category, and one message per channel that fits its service: the title, the link,
the first headlines, Markdown where the service renders it, within its length limit.

Secrets (a URL from ``url_env``, the bot token, the SMTP password) are read from the
environment only when sending and are scrubbed from every message this module returns.

Does NOT send the ``[notify.webhook]`` JSON (that contract stays in :mod:`notify`), retry,
or raise for a failing channel: a failure is returned as one line of text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote, unquote, urlencode

from aidigest.config import ChannelNotify, EmailNotify, NotifySection, TelegramNotify, secret
from aidigest.errors import AidigestError

SERVICES_DOC = "https://appriseit.com/services/"
#: Characters that make Markdown (any dialect) in a headline; shown as their full-width forms.
_MARKUP = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "\\`*_[]()<>#|~!"})
_SAFE_URL = re.compile(r"^https?://[^\s()<>\[\]\"'`]+$")


@dataclass(frozen=True)
class Channel:
    """One configured channel: a label for reports (never its URL), the events and categories
    it wants, and how to build its Apprise URL (secrets are read only then)."""

    label: str
    events: tuple[str, ...]
    categories: tuple[str, ...]
    url: Callable[[], str]

    def wants(self, event: str, categories: Sequence[str]) -> bool:
        """Whether this channel is told about ``event`` for a digest with ``categories``."""
        if event not in self.events:
            return False
        return not self.categories or bool(set(self.categories) & set(categories))


def check_url(url: str) -> None:
    """ValueError (naming the scheme and where the formats are listed) unless Apprise can
    use ``url``."""
    plugin, reason = _instantiate(url)
    if plugin is None:
        scheme = url.split("://", 1)[0] if "://" in url else url[:12]
        why = f": {_scrub(reason, url)}" if reason else ""
        raise ValueError(f"Apprise cannot use this URL (scheme {scheme}://){why}; see "
                         f"{SERVICES_DOC} for each service's URL format")


def channels_from(conf: NotifySection) -> list[Channel]:
    """Every Apprise channel of ``[notify]``: the rows in order, then the old tables."""
    found = [_row(n, row) for n, row in enumerate(conf.channels, 1)]
    if conf.telegram is not None:
        found.append(_telegram(conf.telegram))
    if conf.email is not None:
        found.append(_email(conf.email))
    return found


def _row(number: int, row: ChannelNotify) -> Channel:
    label = row.name or f"channel {number}"
    if row.url is not None:
        build: Callable[[], str] = partial(str, row.url)
    else:
        label += f" (${row.url_env})"
        build = partial(secret, row.url_env, f"the Apprise URL of [[notify.channels]] {number}")
    return Channel(label, tuple(row.events), tuple(row.categories), build)


def _telegram(conf: TelegramNotify) -> Channel:
    def build() -> str:
        token = secret(conf.bot_token_env, "the Telegram bot token ([notify.telegram])")
        timeouts = urlencode({"cto": conf.timeout, "rto": conf.timeout})
        return f"tgram://{quote(token, safe=':')}/{quote(conf.chat_id, safe='@')}/?{timeouts}"

    return Channel("telegram", ("published", "held", "draft"), (), build)


def _email(conf: EmailNotify) -> Channel:
    def build() -> str:
        auth = ""
        if conf.username:
            password = secret(conf.password_env, "the SMTP password ([notify.email])") \
                if conf.password_env else ""
            auth = quote(conf.username, safe="") + (f":{quote(password, safe='')}" if password else "")
            auth += "@"
        query = {"from": conf.sender, "to": ",".join(conf.to), "smtp": conf.host,
                 "cto": conf.timeout, "rto": conf.timeout}
        if conf.security != "none":
            query["mode"] = conf.security
        scheme = "mailto" if conf.security == "none" else "mailtos"
        return f"{scheme}://{auth}{conf.host}:{conf.port}/?{urlencode(query)}"

    return Channel("email", ("published", "held", "draft"), (), build)


# -- the message ------------------------------------------------------------------------------
def plain_headline(text: str) -> str:
    """A headline that cannot make Markdown: markup characters become full-width look-alikes."""
    return " ".join(text.split()).translate(_MARKUP)


def compose(body: dict[str, Any], *, markdown: bool, limit: int,
            size: Callable[[str], int] | None = None) -> tuple[str, str]:
    """(title, text) of the message for ``body`` (the webhook's JSON): what happened for a
    held or draft digest, the link, then as many headlines as fit ``limit`` (measured by
    ``size``, default UTF-8 bytes, which never undercounts a character limit), and how many
    more there are. ``markdown``: headlines link to their posts."""
    measure = size or (lambda text: len(text.encode("utf-8")))
    event = body.get("event", "published")
    title = body["title"] if event == "published" else f"[{str(event).upper()}] {body['title']}"
    clean = plain_headline if markdown else (lambda text: " ".join(text.split()))
    head: list[str] = []
    if event != "published":
        head.append(clean(str(body.get("reason") or "not published")))
    elif body.get("warning"):
        head.append("WARNING: " + clean(str(body["warning"])))
    url = body.get("url")
    if url and _SAFE_URL.match(url):
        head.append(f"[阅读全文]({url})" if markdown else url)
    lines = [_item_line(n, item, markdown) for n, item in enumerate(body["items"], 1)]
    shown = len(lines)
    while shown >= 0:
        more = len(lines) - shown
        text = "\n".join([*head, "", *lines[:shown]] + ([f"…还有 {more} 条"] if more else []))
        if measure(title) + measure(text) <= limit or shown == 0:
            break
        shown -= 1
    if measure(title) + measure(text) > limit:
        text = _cut(text, max(limit - measure(title), 0), measure)
    return title, text.strip()


def _item_line(number: int, item: dict[str, Any], markdown: bool) -> str:
    headline = " ".join(str(item.get("title", "")).split())
    link = item.get("url") or ""
    if not markdown:
        return f"{number}. {headline}"
    headline = plain_headline(headline)
    return f"{number}. [{headline}]({link})" if _SAFE_URL.match(link) else f"{number}. {headline}"


def _cut(text: str, limit: int, measure: Callable[[str], int]) -> str:
    while text and measure(text) > limit:
        text = text[: max(len(text) - max((measure(text) - limit) // 3, 1), 0)]
    return text


# -- sending ----------------------------------------------------------------------------------
def send(channel: Channel, body: dict[str, Any], notify_type: str = "info") -> str | None:
    """Send ``body`` to one channel. None when it was sent, else why not (one line, with every
    part of the URL that could be a secret replaced by ***)."""
    import apprise

    try:
        url = channel.url()
    except AidigestError as exc:
        return str(exc)
    try:
        plugin, reason = _instantiate(url)
        if plugin is None:
            return _scrub(f"Apprise cannot use the URL ({reason or 'unknown service'}); see "
                          f"{SERVICES_DOC} for each service's URL format", url)
        title, text, fmt = message_for(plugin, body)
        sender = apprise.Apprise()
        sender.add(plugin)
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as logs:
            sent = sender.notify(body=text, title=title, notify_type=notify_type, body_format=fmt)
    except Exception as exc:  # whatever Apprise raises is reported, without the URL's secrets
        return _scrub(f"{type(exc).__name__}: {exc}", url)
    if sent:
        return None
    lines = [line for line in logs.getvalue().splitlines() if line.strip()]
    return _scrub(lines[-1] if lines else "Apprise reported a failure", url)


def service_name(url: str) -> str:
    """The Apprise service a URL reaches (e.g. ``Feishu``), or its scheme."""
    plugin = _instantiate(url)[0]
    return str(plugin.service_name) if plugin is not None else url.split("://", 1)[0]


def message_for(plugin: Any, body: dict[str, Any]) -> tuple[str, str, str]:
    """(title, text, Apprise body format) fitting ``plugin``'s service: Markdown when the
    service renders Markdown or HTML (Apprise converts it), plain text otherwise; the size
    counted as the service receives it."""
    from apprise import NotifyFormat
    from apprise.conversion.format import convert_between

    target = plugin.resolve_format(NotifyFormat.MARKDOWN)
    markdown = target in (NotifyFormat.MARKDOWN, NotifyFormat.HTML)

    def size(text: str) -> int:
        if target == NotifyFormat.HTML:
            text = convert_between(NotifyFormat.MARKDOWN, NotifyFormat.HTML, text)
        return len(text.encode("utf-8"))

    title_limit = int(plugin.title_maxlen)
    title, text = compose(body, markdown=markdown, limit=int(plugin.body_maxlen), size=size)
    if title_limit > 0 and len(title) > title_limit:
        title = title[: title_limit - 1] + "…"
    return title, text, (NotifyFormat.MARKDOWN if markdown else NotifyFormat.TEXT).value


def _instantiate(url: str) -> tuple[Any, str]:
    """Apprise's service object for ``url`` (None if unusable) and Apprise's own reason."""
    import apprise

    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as logs:
        plugin = apprise.Apprise.instantiate(url)
    return plugin, " ".join(logs.getvalue().split())


def _scrub(text: str, url: str) -> str:
    """``text`` without the URL or any part of it that could be a token or password (every
    piece of six characters or more that is not a dotted host name or address)."""
    text = text.replace(url, "***")
    pieces = re.split(r"[/:@?&=#,]+", url.split("://", 1)[-1])
    for piece in sorted({*pieces, *map(unquote, pieces)}, key=len, reverse=True):
        if len(piece) >= 6 and not re.fullmatch(r"[\w-]+(\.[\w-]+)+", piece):
            text = text.replace(piece, "***")
    return " ".join(text.split())
