"""A bare version token needs its name: ``V8`` alone says which version, not of what.

A bare version key (``v8``, ``v3.2``: a ``v`` and a version, no name) is resolved to a named
key, in this order:

1. the post writes a name with that version elsewhere (``DeepSeek-V3.2-Speciale`` →
   ``deepseekv3.2``);
2. the nearest name in the same sentence, on either side (``V3.2 with DeepSeek Sparse
   Attention`` → ``deepseekv3.2``; ``profiled with V8 and LangChain`` → ``langchainv8``);
3. the window: its posts name exactly one ``name+version`` with that version
   (:func:`resolve_window`).

A resolved token is the named key, strong as any versioned name. An unresolved one is weak: it
moves to the post's bare versions (``Entities.versions``), which never decide a pair (within a
window or across slots: a published item's posts are resolved within their own slot). So
LangChain's "V8" profiling post and Grok's "V8 model" no longer match on ``v8`` alone.

Pure functions over text and entity keys; independent of :mod:`.entities` (which calls
:func:`resolve_bare` from ``extract``), so the two import in one direction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aidigest.stories.features import Features

__all__ = ["is_bare", "named_versions", "resolve_bare", "resolve_window"]

_BARE = re.compile(r"^v\d+(?:\.\d+)*[a-z]?$")
_NAMED = re.compile(r"^([a-z]+)(v\d+(?:\.\d+)*[a-z]?)")  # deepseekv3.2speciale → deepseek, v3.2
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_.'’][A-Za-z0-9]+)*")
_SENTENCE = re.compile(r"[。！？!?\n]|(?<=[A-Za-z0-9)\]])\.\s")
_KEY_DROP = re.compile(r"[\s\-_'’]")


def is_bare(k: str) -> bool:
    """Whether an entity key is a bare version: ``v8``, ``v3.2`` (not ``3.2``: that one is
    a plain version already, never strong)."""
    return k[:1] == "v" and _BARE.match(k) is not None


def _named(strong: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(bare version, named key) of each strong key that is a name and a ``v`` version:
    ``deepseekv3.2speciale`` → (``v3.2``, ``deepseekv3.2``)."""
    for s in strong:
        match = _NAMED.match(s)
        if match is None:
            continue
        version = match.group(2)
        rest = s[match.end():]
        if version[-1].isalpha() and rest[:1].isalpha():  # v2a + "pi": the letter is a word's
            version, rest = version[:-1], version[-1] + rest
        yield version, match.group(1) + version


def named_versions(strong: Iterable[str]) -> dict[str, set[str]]:
    """Bare version → the named keys among ``strong`` that carry it."""
    found: dict[str, set[str]] = {}
    for version, named in _named(strong):
        found.setdefault(version, set()).add(named)
    return found


def _sentence_of(text: str, start: int) -> tuple[int, int]:
    begin = 0
    for match in _SENTENCE.finditer(text):
        if match.end() <= start:
            begin = match.end()
        else:
            return begin, match.start()
    return begin, len(text)


def _occurrences(text: str, bare: str) -> list[tuple[int, int]]:
    """Where ``bare`` stands alone in ``text`` (not inside ``DeepSeek-V3.2``)."""
    pattern = re.compile(r"(?<![A-Za-z0-9._\-])" + re.escape(bare) + r"(?![A-Za-z0-9]|\.\d|-\w)",
                         re.IGNORECASE)
    return [m.span() for m in pattern.finditer(text)]


def _nearest(text: str, span: tuple[int, int], names: set[str], lexicon: Any) -> str | None:
    """The name nearest to ``span`` in its sentence (Latin names and alias spellings), the
    earlier one on a tie; None when the sentence names nothing."""
    begin, end = _sentence_of(text, span[0])
    sentence = text[begin:end]
    found: list[tuple[int, int, str]] = []
    for m in _TOKEN.finditer(sentence):
        k = _KEY_DROP.sub("", m.group(0).lower()).strip(".")
        if k.endswith(("'s", "’s")):
            k = k[:-2]
        if k in names:
            found.append((m.start() + begin, m.end() + begin, k))
    if lexicon is not None and not sentence.isascii():
        found += [(m.start() + begin, m.end() + begin, lexicon.aliases[m.group(0).lower()])
                  for m in lexicon.matches(sentence)]
    best = None
    for start, stop, name in found:
        gap = span[0] - stop if stop <= span[0] else start - span[1]
        if gap >= 0 and (best is None or (gap, start) < best[:2]):
            best = (gap, start, name)
    return best[2] if best else None


def resolve_bare(text: str, bucket: dict[str, Any], lexicon: Any = None) -> None:
    """Resolve the bare versions among ``bucket["strong"]`` (one post's entity keys while
    :func:`~.entities.extract` collects them) by the post itself (rules 1 and 2 above): a
    resolved one becomes its named key (at the bare one's offset); an unresolved one moves to
    ``bucket["versions"]``."""
    strong: set[str] = bucket["strong"]
    bares = [k for k in strong if is_bare(k)]
    if not bares:
        return
    own = named_versions(strong)
    names = set(bucket["names"]) - strong
    pos: dict[str, int] = bucket["pos"]
    for bare in bares:
        strong.discard(bare)
        resolved = set(own.get(bare, ()))
        if not resolved:
            for span in _occurrences(text, bare):
                name = _nearest(text, span, names, lexicon)
                if name:
                    resolved.add(name + bare)
        if not resolved:
            bucket["versions"].add(bare)
            continue
        at = pos.pop(bare, 0)
        for named in resolved:
            strong.add(named)
            pos[named] = min(pos.get(named, at), at)


def resolve_window(feats: Sequence[Features]) -> list[Features]:
    """Rule 3: a post's unresolved bare version means the one ``name+version`` that the
    window's posts name with it, when there is exactly one (``v3.2`` → ``deepseekv3.2``);
    posts without an unresolved bare version come back as they are."""
    open_ = {k for f in feats for k in f.ents.versions if is_bare(k)}
    if not open_:
        return list(feats)
    strong: set[str] = set()
    for f in feats:
        strong |= f.ents.strong
    named = {bare: found for bare, found in named_versions(strong).items() if bare in open_}
    unique = {bare: next(iter(found)) for bare, found in named.items() if len(found) == 1}
    if not unique:
        return list(feats)
    out = []
    for f in feats:
        hit = {bare: unique[bare] for bare in f.ents.versions & unique.keys()}
        if hit:
            e = f.ents
            resolved = replace(f, ents=replace(e, strong=e.strong | set(hit.values()),
                                               versions=e.versions - hit.keys()))
            if "words" in f.__dict__:  # the words do not change: keep them if computed
                resolved.__dict__["words"] = f.__dict__["words"]
            f = resolved
        out.append(f)
    return out
