"""A fast stand-in for ``pattern.finditer`` over the alias alternation of a :class:`Lexicon`.

The lexicon's regex is one big case-insensitive alternation (longest spelling first, Latin
spellings fenced by ``(?<![a-z0-9])`` … ``(?![a-z0-9])``). Python's regex engine tries every
branch at every position of the text, which is what made alias matching slow. This scanner
finds the positions where some branch *can* start (its first two characters and, for Latin
spellings, the fence before it: one small regex per text, run in C), and at each such
position tries only the branches whose first character matches there, in the original order,
compiled with the same flags. So it yields the very matches ``pattern.finditer`` yields (same
spans, same branch wins, same non-overlapping left-to-right order).

Pure. Does NOT map a spelling to its key (see :func:`.entities.extract`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

LATIN_FENCE = r"(?<![a-z0-9])"
_LATIN_START = re.compile(r"[a-z0-9]")


def branch(spelling: str) -> str:
    """The regex branch of one spelling: Latin spellings must stand alone, others not."""
    escaped = re.escape(spelling)
    if _LATIN_START.match(spelling):
        escaped = LATIN_FENCE + escaped + r"(?![a-z0-9])"
    return escaped


class AliasScanner:
    """``finditer`` of the alternation of ``spellings`` (in this order) with IGNORECASE."""

    def __init__(self, spellings: Sequence[str]) -> None:
        self._spellings = [s for s in spellings if s]
        fenced = [s for s in self._spellings if _LATIN_START.match(s)]
        free = [s for s in self._spellings if not _LATIN_START.match(s)]
        heads, firsts = [], set()
        if fenced:  # a first character, the fence before it, a second character after it
            chars = sorted({s[0] for s in fenced})
            firsts.update(chars)
            heads.append(f"(?<={_char_class(chars)})(?<![a-z0-9].)(?:" + "|".join(
                _after(c, [s for s in fenced if s[0] == c]) for c in chars) + ")")
        if free:
            chars = sorted({s[0] for s in free})
            firsts.update(chars)
            heads.append(f"(?<={_char_class(chars)})" + _after("", free))
        # One scan: a first character (the class first, so the engine skips to it), then the
        # condition of its kind; each match is one character, so each position comes once.
        self._head = re.compile(_char_class(sorted(firsts)) + "(?:" + "|".join(heads) + ")",
                                re.IGNORECASE) if heads else None
        self._groups: dict[str, list[int]] = {}  # first character → spellings (their order)
        for index, spelling in enumerate(self._spellings):
            self._groups.setdefault(spelling[0], []).append(index)
        # A cased first character may match other characters under IGNORECASE (``k`` also
        # matches ``K`` and the Kelvin sign); the regex engine matches an uncased one exactly.
        self._cased = {c: re.compile(re.escape(c), re.IGNORECASE)
                       for c in self._groups if c != c.lower() or c != c.upper()}
        self._by_char: dict[str, re.Pattern[str] | None] = {}

    def _branches_at(self, char: str) -> re.Pattern[str] | None:
        """The alternation of the branches whose first character matches ``char``."""
        if char not in self._by_char:
            starts = [c for c, first in self._cased.items() if first.fullmatch(char)]
            if char in self._groups and char not in self._cased:
                starts.append(char)
            indexes = sorted(i for c in starts for i in self._groups[c])
            parts = [branch(self._spellings[i]) for i in indexes]
            self._by_char[char] = re.compile("|".join(parts), re.IGNORECASE) if parts else None
        return self._by_char[char]

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """The non-overlapping matches, left to right, as the full alternation finds them."""
        if self._head is None:
            return
        end = 0
        by_char = self._by_char
        for head in self._head.finditer(text):
            at = head.start()
            if at < end:
                continue
            char = text[at]
            pattern = by_char[char] if char in by_char else self._branches_at(char)
            match = pattern.match(text, at) if pattern is not None else None
            if match is not None:
                yield match
                end = match.end()


def _after(first: str, spellings: Sequence[str]) -> str:
    """Lookarounds true just after ``first`` (any first character if empty) when one of
    ``spellings`` can go on there: a second character some spelling has (no condition if
    one spelling is a single character)."""
    behind = f"(?<={re.escape(first)})" if first else ""
    if any(len(s) < 2 for s in spellings):
        return behind
    return behind + "(?=" + _char_class(sorted({s[1] for s in spellings})) + ")"


def _char_class(chars: Sequence[str]) -> str:
    """``[...]`` of ``chars``, escaped."""
    return "[" + "".join("\\" + c if c in "\\]^-[" else c for c in chars) + "]"
