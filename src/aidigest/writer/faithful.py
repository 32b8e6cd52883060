"""Faithfulness check: what a summary asserts must be found in the story's posts.

Every figure (``49``, ``8B``'s ``8``, ``1.5``), every Latin-script name (``Qwen3-TTS``,
``Ashish Vaswani``) and every ``**bold**`` term of the summary must occur in the posts' text
after normalisation: case folded, full-width → half-width (NFKC), traditional → simplified
Chinese (OpenCC), thousands separators dropped. :func:`violations` lists what is missing, in
words a regeneration prompt can quote.

Does NOT judge meaning (a true figure in a false sentence passes) and does NOT call a model.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from aidigest.writer.schema import bold_terms

FIGURE = re.compile(r"\d+(?:\.\d+)?")
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_.+'][A-Za-z0-9]+)*")
THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
# Generic words a Chinese summary may use though a post spelled them out in Chinese.
GENERIC = frozenset({"ai", "api", "apis", "llm", "llms", "agi", "ceo", "cto", "app", "apps",
                     "gpu", "gpus", "cpu", "ui", "sdk", "prompt", "agent", "agents", "ok"})


@functools.lru_cache(maxsize=1)
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """Case-folded, half-width, simplified text with thousands separators removed."""
    text = unicodedata.normalize("NFKC", text)
    text = _t2s().convert(text)  # type: ignore[attr-defined]
    return THOUSANDS.sub("", text).casefold()


def _figures(text: str) -> set[str]:
    return {f.rstrip("0").rstrip(".") if "." in f else f for f in FIGURE.findall(text)}


def violations(summary: str, sources: Iterable[str], title: str = "") -> list[str]:
    """What ``summary`` (and ``title``) claim that the ``sources`` do not contain."""
    corpus = normalise("\n".join(sources))
    corpus_figures = _figures(corpus)
    corpus_words = set(LATIN.findall(corpus))
    found: list[str] = []
    for term in bold_terms(summary):
        if normalise(term) not in corpus:
            found.append(f"bold term “{term}” does not occur in the posts")
    checked = normalise(summary.replace("**", "") + "\n" + title)
    for figure in sorted(_figures(checked) - corpus_figures):
        found.append(f"figure “{figure}” does not occur in the posts")
    shown = unicodedata.normalize("NFKC", summary.replace("**", "") + "\n" + title)
    for name in dict.fromkeys(LATIN.findall(shown)):
        key = normalise(name)
        if key in GENERIC or key in corpus_words or _inside(key, corpus):
            continue
        found.append(f"name “{name}” does not occur in the posts")
    return found


def _inside(name: str, corpus: str) -> bool:
    """``name`` occurs in the corpus as a whole word (not glued inside a longer one)."""
    pattern = rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])"
    return re.search(pattern, corpus) is not None
