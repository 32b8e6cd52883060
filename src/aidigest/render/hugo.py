"""Digest → Hugo markdown through a Jinja2 template (``templates/digest.md.j2``).

Layout, as in the reference: YAML front matter (title, date, categories), then numbered items
whose marker is padded so the text starts in column 5 (``1.  [``, ``10. [``), the summary
indented 4 spaces, one blank line between blocks. Item titles are escaped so ``[``/``]``/``(``
cannot close the link; summaries keep only ``**bold**`` and lose anything that would make a
link, an image or HTML.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, PackageLoader, StrictUndefined

from aidigest.models import Digest, DigestItem

_DROP = frozenset({"Cc", "Cf", "Cs", "Co"})
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>~]|(?<!\w)_|_(?!\w))")
# Scheme and e-mail branches start only where a run of their characters starts (linear; a
# start inside a run would rescan the run's rest, and finds nothing the run's start misses).
_AUTOLINK = re.compile(
    r"(?i)(?:(?<![a-z0-9+.-])[0-9+.-]*[a-z][a-z0-9+.-]*://|\bwww\.)\S*"
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
_BOLD = re.compile(r"\*\*([^*\n]{1,80}?)\*\*")


def _one_line(text: str) -> str:
    """Whitespace collapsed; control, format (bidi, zero-width), surrogate and private-use
    characters dropped, so neither YAML nor the reader sees them."""
    text = "".join(
        ch for ch in text
        if ch in "\t\n\r" or (unicodedata.category(ch) not in _DROP and ch not in "\ufffe\uffff")
    )
    return re.sub(r"\s+", " ", text).strip()


def _escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", _AUTOLINK.sub("", text))


def escape_inline(text: str) -> str:
    """Escape markdown/HTML specials so the text renders literally inside a link title.

    URLs and e-mail addresses are removed: Hugo's linkify would turn them into links.
    """
    return _escape(_one_line(_AUTOLINK.sub("", text)))


def summary_markdown(text: str) -> str:
    """Escape everything but ``**bold**`` spans; the result holds no link, image or HTML."""
    text = _one_line(_AUTOLINK.sub("", text))
    parts: list[str] = []
    last = 0
    for match in _BOLD.finditer(text):
        parts.append(_escape(text[last : match.start()]))
        inner = _escape(match.group(1)).strip()
        parts.append(f"**{inner}**" if inner else "")
        last = match.end()
    parts.append(_escape(text[last:]))
    return _one_line("".join(parts))


def safe_url(url: str) -> str:
    """Only http(s) URLs; characters that could end the markdown link are percent-encoded."""
    parts = urlsplit(_one_line(url))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"refusing to link to {url!r}: only http(s) URLs are published")
    return quote(parts.geturl(), safe=":/?#@!$&'*+,;=%-._~")


def yaml_str(value: str) -> str:
    """A double-quoted YAML scalar (JSON strings are valid YAML)."""
    return json.dumps(_one_line(value), ensure_ascii=False)


def _marker(number: int) -> str:
    return f"{number}.".ljust(4)


def item_title(item: DigestItem, author_suffix: bool = True) -> str:
    title = _one_line(item.title)
    if author_suffix and item.author_name:
        title = f"{title}-{_one_line(item.author_name)}"
    return title


def _environment(template_dir: Path | None) -> Environment:
    loader = (
        FileSystemLoader(str(template_dir)) if template_dir
        else PackageLoader("aidigest.render", "templates")
    )
    env = Environment(
        loader=loader, undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
    env.filters["yaml_str"] = yaml_str
    return env


def render_digest(
    digest: Digest,
    *,
    author_suffix: bool = True,
    template_dir: Path | None = None,
    template_name: str = "digest.md.j2",
    draft: bool = False,
) -> str:
    """The digest as Hugo markdown, in the reference layout.

    ``draft=True`` adds ``draft: true`` to the front matter (after ``categories``), so Hugo
    does not build the page; otherwise the output is unchanged.
    """
    items = [
        {
            "marker": _marker(n),
            "title": escape_inline(item_title(item, author_suffix)),
            "url": safe_url(item.url),
            "summary": summary_markdown(item.summary),
        }
        for n, item in enumerate(digest.items, start=1)
    ]
    template = _environment(template_dir).get_template(template_name)
    text = template.render(
        title=digest.title,
        date=digest.made_at.isoformat(timespec="seconds"),
        categories=list(digest.categories),
        items=items,
    )
    text = text.rstrip("\n") + "\n"
    return mark_draft(text) if draft else text


def mark_draft(markdown: str) -> str:
    """``markdown`` with ``draft: true`` as the last front-matter line (unchanged if it has it).

    Works for custom templates too: the line goes before the closing ``---``.
    """
    lines = markdown.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ValueError("the rendered digest has no YAML front matter to mark as a draft")
    end = next((n for n in range(1, len(lines)) if lines[n].strip() == "---"), None)
    if end is None:
        raise ValueError("the rendered digest's front matter is not closed by '---'")
    if any(line.strip().startswith("draft:") for line in lines[1:end]):
        return markdown
    return "\n".join([*lines[:end], "draft: true", *lines[end:]])
