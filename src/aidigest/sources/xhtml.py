"""Feed HTML → plain text with its links, and X status links recognised on any mirror.

:func:`html_text` turns an entry body into text without any markup: blocks and ``<br>`` become
line breaks, a link whose text is a (shortened) URL is written as its full URL, and every
outgoing link is returned separately (mention and hashtag links of X/Nitter are not). Links on
Nitter-style mirrors are rewritten to ``https://x.com/...``. :func:`x_status` reads the handle
and status id from ``x.com``, ``twitter.com`` or ``nitter.*`` links (``…/<handle>/status/<id>#m``).

It does NOT fetch, parse feeds or build posts; it does not keep images or run scripts.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from aidigest.sources.jsonl import clean_text

X_HOSTS = frozenset({
    "x.com", "www.x.com", "mobile.x.com", "twitter.com", "www.twitter.com",
    "mobile.twitter.com", "xcancel.com", "fxtwitter.com", "vxtwitter.com", "fixupx.com",
})
STATUS_PATH = re.compile(r"^/(?P<handle>[A-Za-z0-9_]{1,15})/status(?:es)?/(?P<id>[0-9]{1,20})(?:[/?#].*)?$")
PROFILE_PATH = re.compile(r"^/(?P<handle>[A-Za-z0-9_]{1,15})/?$")
BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
    "tr", "table", "pre", "hr", "section", "article", "figure", "figcaption",
})
SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template"})


def is_x_host(host: str, mirrors: frozenset[str] = frozenset()) -> bool:
    """True for X itself and Nitter-style mirrors (any host naming nitter, or configured)."""
    host = host.lower().split(":")[0]
    return host in X_HOSTS or host in mirrors or "nitter" in host


def x_status(url: str, mirrors: frozenset[str] = frozenset()) -> tuple[str, str] | None:
    """``(handle, status id)`` of a link to an X post on X or a mirror, else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not is_x_host(parts.netloc, mirrors):
        return None
    match = STATUS_PATH.match(parts.path)
    return (match["handle"], match["id"]) if match else None


def x_link(url: str, mirrors: frozenset[str] = frozenset()) -> str | None:
    """A link on X or a mirror in its canonical x.com form; None for other hosts."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if not is_x_host(parts.netloc, mirrors):
        return None
    status = x_status(url, mirrors)
    if status:
        return f"https://x.com/{status[0]}/status/{status[1]}"
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"https://x.com{tail}"


def _looks_like_url(text: str) -> bool:
    text = text.strip()
    if not text or " " in text:
        return False
    return text.startswith(("http://", "https://", "www.")) or bool(
        re.match(r"^[\w.-]+\.[a-z]{2,}(/\S*)?$", text.rstrip("…."), re.I)
    )


class _TextParser(HTMLParser):
    def __init__(self, mirrors: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.mirrors = mirrors
        self.out: list[str] = []
        self.links: dict[str, None] = {}
        self.skip = 0
        self.anchor: tuple[str | None, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP_TAGS:
            self.skip += 1
        elif tag in BLOCK_TAGS:
            self._emit("\n")
        elif tag == "a":
            self.anchor = (dict(attrs).get("href"), [])

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCK_TAGS:
            self._emit("\n")
        elif tag == "a" and self.anchor is not None:
            href, parts = self.anchor
            self.anchor = None
            self._emit(self._anchor_text(href, "".join(parts)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = re.sub(r"\s+", " ", data)
        if self.anchor is not None:
            self.anchor[1].append(text)
        else:
            self._emit(text)

    def _emit(self, text: str) -> None:
        self.out.append(text)

    def _anchor_text(self, href: str | None, text: str) -> str:
        """The anchor as text; its href joins the links unless it is a mention/hashtag."""
        url = (href or "").strip()
        if not url.startswith(("http://", "https://")):
            return text
        canonical = x_link(url, self.mirrors)
        if canonical is None:
            self.links.setdefault(url, None)
            return url if _looks_like_url(text) else text
        if x_status(url, self.mirrors):
            self.links.setdefault(canonical, None)
            return canonical if _looks_like_url(text) else text
        return text  # a mention, hashtag or search link on X or a mirror


def tidy(text: str) -> str:
    """Trim spaces around line breaks and keep at most one blank line."""
    lines = [line.strip() for line in clean_text(text).split("\n")]
    joined = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", joined).strip()


def html_text(markup: str, mirrors: frozenset[str] = frozenset()) -> tuple[str, tuple[str, ...]]:
    """Plain text of an HTML fragment and its outgoing links (see the module docstring)."""
    parser = _TextParser(mirrors)
    parser.feed(markup)
    parser.close()
    if parser.anchor is not None:  # an unclosed <a>: keep its text
        parser._emit("".join(parser.anchor[1]))
    return tidy("".join(parser.out)), tuple(clean_text(u) for u in parser.links)
