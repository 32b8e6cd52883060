"""Normalisation for matching: canonical URLs, traditional → simplified text, language.

Pure functions. What is normalised here is used only to *compare* posts; the display text of a
post is never changed. Does NOT fetch anything: a ``t.co`` link that upstream did not expand
stays a ``t.co`` link (sources expand links; see DESIGN.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np

from aidigest.models import Post
from aidigest.stories import diskcache

__all__ = ["ANALYSED_CHARS", "analysed", "canonical_url", "clean_text", "detect_lang",
           "detect_langs", "is_generic_link", "to_simplified"]

# A post's text beyond this is not analysed (grouping, embeddings, writers): the subject of a
# post is at its start, and a 2 MB post must cost what a long post costs. The store keeps the
# whole text; a run report names every post that was cut (see :func:`aidigest.window`).
ANALYSED_CHARS = 10_000

_TRACKING_EXACT = frozenset(
    {
        "ref", "ref_src", "ref_url", "s", "t", "fbclid", "gclid", "dclid", "msclkid", "igshid",
        "mc_cid", "mc_eid", "si", "spm", "share", "source", "src", "cmpid", "mkt_tok", "_hsenc",
        "_hsmi", "trk", "feature", "from", "scene", "share_source", "sharer", "vd_source",
    }
)
_TRACKING_PREFIX = ("utm_", "pk_", "hsa_", "ga_", "__")
_X_HOSTS = frozenset(
    {"twitter.com", "x.com", "mobile.twitter.com", "mobile.x.com", "m.twitter.com", "fxtwitter.com",
     "vxtwitter.com", "fixupx.com", "nitter.net"}
)
_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")
_X_STATUS = re.compile(r"^/(?:[^/]+|i(?:/web)?)/status(?:es)?/(\d+)")
_TRAIL = re.compile(r"(?<![\s/.,;:!?)）」』”'\"])[\s/.,;:!?)）」』”'\"]+$")  # from a run's start: linear
_URL_RE = re.compile(r"https?://\S+")
_CJK_RE = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_KANA_RE = re.compile(r"[\u3040-\u30ff]")
_HANGUL_RE = re.compile(r"[\uac00-\ud7af]")
_LATIN_RE = re.compile(r"[A-Za-z]")
_CJK_RUNS = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]+")
_LATIN_RUNS = re.compile(r"[A-Za-z]+")


def _host(netloc: str) -> str:
    host = netloc.lower().rsplit("@", 1)[-1]
    host = re.sub(r":(80|443)$", "", host)
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
    return host


def _special(host: str, path: str, query: list[tuple[str, str]]) -> str | None:
    """Site-specific canonical forms (X statuses, YouTube, arXiv)."""
    if host in _X_HOSTS or host.endswith(".twitter.com"):
        match = _X_STATUS.match(path)
        if match:
            return f"x.com/i/status/{match.group(1)}"
        return "x.com" + path.lower().rstrip("/")
    if host == "youtu.be" and path.strip("/"):
        return f"youtube.com/watch?v={path.strip('/')}"
    if host == "youtube.com" and path == "/watch":
        vid = dict(query).get("v")
        return f"youtube.com/watch?v={vid}" if vid else None
    if host in ("arxiv.org", "export.arxiv.org"):
        match = re.match(r"^/(?:abs|pdf|html)/(\d{4}\.\d{4,5})(?:v\d+)?", path)
        if match:
            return f"arxiv.org/abs/{match.group(1)}"
    return None


def canonical_url(url: str) -> str:
    """A key under which equal links compare equal (scheme, ``www``, tracking, mobile hosts,
    trailing slash, fragment and x.com/twitter.com spellings removed). Not a fetchable URL."""
    text = _TRAIL.sub("", (url or "").strip())
    if not text:
        return ""
    parts = urlsplit(text if "://" in text else "https://" + text)
    host = _host(parts.netloc)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=False)
        if k.lower() not in _TRACKING_EXACT and not k.lower().startswith(_TRACKING_PREFIX)
    ]
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    special = _special(host, path, query)
    if special is not None:
        return special
    if path.endswith(("/index.html", "/index.htm", "/index.php")):
        path = path.rsplit("/", 1)[0] + "/"
    path = _TRAIL.sub("", path)
    tail = "?" + urlencode(sorted(query)) if query else ""
    return _TRAIL.sub("", f"{host}{path}{tail}")


def is_generic_link(canonical: str) -> bool:
    """True for links that say nothing about an event: bare home pages and profile pages."""
    if not canonical:
        return True
    host, _, path = canonical.partition("/")
    if not path:
        return True
    if host == "x.com":
        return "/status/" not in canonical
    return host in {"t.co", "bit.ly", "linktr.ee"} and len(path) < 3


@lru_cache(maxsize=1)
def _converter() -> tuple[object, re.Pattern[str]]:
    """The OpenCC t2s converter and a regex of the characters it changes (listed once per
    installed OpenCC version and kept on disk, :mod:`.diskcache`: testing 20,000 characters
    one by one is most of a second)."""
    from opencc import OpenCC

    conv = OpenCC("t2s")
    key = f"1:{diskcache.package_version('opencc-python-reimplemented')}:t2s"
    changed = diskcache.load("opencc-t2s-changed", key, lambda: "".join(sorted(
        ch for ch in (chr(c) for c in range(0x4E00, 0xA000)) if conv.convert(ch) != ch)))
    return conv, re.compile("[" + changed + "]" if changed else "(?!)")


def to_simplified(text: str) -> str:
    """Traditional Chinese → simplified (for matching only); other text unchanged.

    OpenCC is only called when the text holds a character it would change, which keeps this
    cheap for the common case of simplified Chinese or Latin text.
    """
    conv, changed = _converter()
    if not text or text.isascii() or changed.search(text) is None:
        return text
    return str(conv.convert(text))  # type: ignore[attr-defined]


# Dashes and full-width Latin letters and digits as their ASCII forms (``GPT‑5.4`` with a
# non-breaking hyphen is ``GPT-5.4``; ``ＧＰＴ５`` is ``GPT5``), for matching only.
_CHARS = str.maketrans({
    **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"},
    **{chr(c): chr(c - 0xFEE0) for c in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                         *range(0xFF41, 0xFF5B))},
})


_CHARS_RE = re.compile("[" + "".join(map(chr, _CHARS)) + "]")
_RT_PREFIX = re.compile(r"^RT @\w+:\s*")


def clean_text(text: str) -> str:
    """Text for matching: links removed, ``RT @x:`` prefix removed, dashes and full-width
    letters made ASCII, spaces collapsed."""
    text = text or ""
    if not text.isascii() and _CHARS_RE.search(text):  # translate only when it changes text
        text = text.translate(_CHARS)
    text = _URL_RE.sub(" ", text)
    text = text.strip()
    if text.startswith("RT @"):
        text = _RT_PREFIX.sub("", text)
    return " ".join(text.split())  # ``\s+`` → one space, stripped (the same white space)


def detect_lang(text: str, declared: str | None = None) -> str:
    """``zh``, ``ja``, ``ko``, ``en`` or ``und`` by script share; a declared ``zh*``/``en``
    tag from upstream wins when the script agrees."""
    if _KANA_RE.search(text) and len(_KANA_RE.findall(text)) >= 3:
        return "ja"
    if _HANGUL_RE.search(text) and len(_HANGUL_RE.findall(text)) >= 3:
        return "ko"
    if _CJK_RE.search(text):  # the counts are needed only when there is CJK text
        return _lang_of(0, 0, _count(_CJK_RUNS, text), _count(_LATIN_RUNS, text), declared)
    return "en" if _LATIN_RE.search(text) else _declared(declared)


def detect_langs(texts: Sequence[str], declared: Sequence[str | None], block: int = 2048) -> list[str]:
    """:func:`detect_lang` of each text (with its declared tag): the script counts of
    ``block`` texts at a time in a few numpy passes instead of five regex passes per text."""
    found: list[str] = []
    for begin in range(0, len(texts), block):
        found.extend(_block_langs(texts[begin : begin + block], declared[begin : begin + block]))
    return found


def _block_langs(texts: Sequence[str], declared: Sequence[str | None]) -> list[str]:
    """:func:`detect_langs` of one block of texts."""
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bounds = np.concatenate(([0], np.cumsum([len(t) for t in texts])))
    counts = [_counts_in(mask, bounds) for mask in (
        (codes >= 0x3040) & (codes <= 0x30FF),
        (codes >= 0xAC00) & (codes <= 0xD7AF),
        ((codes >= 0x4E00) & (codes <= 0x9FFF)) | ((codes >= 0x3400) & (codes <= 0x4DBF)),
        ((codes | 0x20) >= ord("a")) & ((codes | 0x20) <= ord("z")),
    )]
    return [_lang_of(kana, hangul, cjk, latin, tag)
            for kana, hangul, cjk, latin, tag in zip(*counts, declared, strict=True)]


def _counts_in(mask: np.ndarray, bounds: np.ndarray) -> list[int]:
    """How many true values of ``mask`` each text (``bounds[k]:bounds[k+1]``) holds (where
    the true values are, then how many lie before each bound: a running sum of the whole
    mask was several times slower)."""
    return np.diff(np.searchsorted(np.flatnonzero(mask), bounds)).tolist()


def _lang_of(kana: int, hangul: int, cjk: int, latin: int, declared: str | None) -> str:
    """The language by the counts of kana, hangul, CJK and Latin letters in a text."""
    if kana >= 3:
        return "ja"
    if hangul >= 3:
        return "ko"
    if cjk:
        if cjk * 4 >= latin * 0.5:
            return "zh"
        return "en" if latin else _declared(declared)
    return "en" if latin else _declared(declared)


def _count(runs: re.Pattern[str], text: str) -> int:
    """How many characters of ``text`` the run pattern ``runs`` (``[...]+``) covers."""
    return sum(map(len, runs.findall(text)))


def _declared(declared: str | None) -> str:
    """The language of an upstream tag (``zh-CN`` → ``zh``), ``und`` without one."""
    if declared:
        return declared.split("-")[0].lower()
    return "und"


def analysed(posts: Sequence[Post], limit: int = ANALYSED_CHARS) -> tuple[list[Post], list[Post]]:
    """``posts`` with every text cut to its first ``limit`` characters (at the last space of the
    last 200 when there is one, so no word is cut in two), and the posts that were cut (as they
    were). A post within the limit is returned as is."""
    kept: list[Post] = []
    cut: list[Post] = []
    for post in posts:
        text = post.text or ""
        if len(text) <= limit:
            kept.append(post)
            continue
        space = text.rfind(" ", limit - 200, limit)
        kept.append(replace(post, text=text[: space if space > 0 else limit]))
        cut.append(post)
    return kept, cut
