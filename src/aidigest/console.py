"""The two consoles the CLI prints to: results on stdout, progress and messages on stderr.

Wide when output is not a terminal (pipes, CI logs), so tables are not squeezed to 80 columns.
"""

from __future__ import annotations

import sys

from rich.console import Console


def _width(stream: object) -> int | None:
    isatty = getattr(stream, "isatty", None)
    return None if callable(isatty) and isatty() else 200


out = Console(highlight=False, soft_wrap=True, width=_width(sys.stdout))
err = Console(stderr=True, highlight=False, soft_wrap=True, width=_width(sys.stderr))
