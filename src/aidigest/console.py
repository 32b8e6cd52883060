"""The two consoles the CLI prints to: results on stdout, progress and messages on stderr.

Everything is printed literally: rich markup, emoji codes and highlighting are OFF on both
consoles, so a message naming ``[publish] build`` or ``aidigest[site]``, and post text or an
author name holding ``[bold]x[/bold]``, ``[/]`` or ``:rocket:``, shows exactly as written (in
lines and in table cells alike). Colour comes only from :class:`rich.text.Text` styles
(:func:`labelled`), never from markup inside a string.

Wide when output is not a terminal (pipes, CI logs), so tables are not squeezed to 80 columns.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.text import Text


def _width(stream: object) -> int | None:
    isatty = getattr(stream, "isatty", None)
    return None if callable(isatty) and isatty() else 200


def _console(*, stderr: bool) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, markup=False, emoji=False, highlight=False, soft_wrap=True,
                   width=_width(stream))


out = _console(stderr=False)
err = _console(stderr=True)

STYLES = {"error:": "red", "warning:": "yellow", "note:": "cyan"}


def labelled(label: str, message: str) -> Text:
    """``label message`` (e.g. ``error: …``) with the label coloured and the message literal."""
    return Text.assemble((label, STYLES.get(label, "")), " ", message)


def clip(text: str, limit: int) -> str:
    """``text`` shortened to at most ``limit`` characters at a word boundary, with ``…``
    (a table cell never ends mid-word); unchanged when it fits."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"
