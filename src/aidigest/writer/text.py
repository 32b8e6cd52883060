"""Text helpers shared by the writers: clean untrusted post text, split sentences, find key
terms, bold them, trim to a length. Pure functions; no I/O, no LLM."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
MENTION_LEAD = re.compile(r"^(?:RT\s+)?(?:@\w+[:：,，]?\s*)+")
MARKUP = re.compile(r"[*`\[\]<>|~]+|#(?!\d)|(?<!\w)_+|_+(?!\w)")
INVISIBLE = re.compile("[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# A sentence ends at its first 。！？!? run, at a full stop after a letter, digit, bracket or
# quote and before a space (``5.1`` and ``torch.compile`` go on), before a line break, or at the
# end. Lazy, so each character is looked at once (the greedy form backtracked over the whole
# rest of a line at every position: quadratic, and it dropped a line without a full stop).
SENTENCE = re.compile(r"[^。！？!?\n]+?(?:[。！？!?]+|(?<=[a-zA-Z0-9)\"'])\.(?=\s|$)|(?=\n)|$)")
# Latin-script names: capitalised or camel-case words, versions (Qwen3-TTS, Rnj-1 8B, GPT-5.1).
TERM = re.compile(
    r"(?<![A-Za-z0-9_])(?:[A-Z][A-Za-z0-9_]*(?:[-.][A-Za-z0-9]+)*|[a-z]+[A-Z][A-Za-z0-9_]*"
    r"|[A-Za-z]+\d[A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*)"
    r"(?:\s(?:[A-Z][A-Za-z0-9_]*(?:[-.][A-Za-z0-9]+)*|\d+(?:\.\d+)?[BMK]?(?![\w.])))*"
)
LEADING_ARTICLE = re.compile(
    r"^(?:The|A|An|And|But|So|Or|We|It|Our|Its|This|New|Introducing|Announcing|Meet|Try)\s+(?=\S)"
)
_COMMON_WORDS = (
        "about after also been being between could from have just like make more most much only "
        "other over really should some still than that their them then there these they this those "
        "very want what when where which while will with would your into just even such models "
        "model people thing things today work works using used every because "
        "code coding data agent agents prompt prompts bottleneck language languages programming "
        "skill skills task tasks apps vision video image images audio voice voices text team "
        "open source release weights base instruct update mobile first best faster better "
)
COMMON = frozenset(_COMMON_WORDS.split())
PLAIN_WORD = re.compile(r"^[A-Z][a-z]+$")
CJK_QUOTED = re.compile(r"《[^》]{1,20}》")
STOP_TERMS = frozenset({"I", "A", "The", "This", "That", "We", "It", "In", "On", "RT", "AI", "My",
                        "If", "And", "But", "So", "Our", "You", "Just", "New", "Today", "Here",
                        "Chinese", "English", "American", "Japanese", "Korean", "European",
                        "French", "German", "Indian", "Big", "Mobile", "Vague", "Weights"})
CJK = re.compile(r"[\u4e00-\u9fff]")


def clean(text: str) -> str:
    """Untrusted post text → plain text: no URLs, markup characters, invisible controls."""
    text = INVISIBLE.sub("", text)
    text = URL.sub("", text)
    text = MENTION_LEAD.sub("", text.strip())
    text = MARKUP.sub(" ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def sentences(text: str) -> list[str]:
    return [s.strip(" ，,;；:：") for s in SENTENCE.findall(clean(text)) if len(s.strip()) > 3]


def is_chinese(text: str) -> bool:
    return len(CJK.findall(text)) >= max(4, len(text) // 10)


def key_terms(texts: Sequence[str], limit: int = 5) -> list[str]:
    """Names that recur in the texts (models, products, companies), most frequent first."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for text in texts:
        body = clean(text)
        for match in [*TERM.finditer(body), *CJK_QUOTED.finditer(body)]:
            term = LEADING_ARTICLE.sub("", match.group(0).strip())
            if term in STOP_TERMS or len(term) < 3 or term.isdigit():
                continue
            counts[term] += 1
            first.setdefault(term, len(first))
    ranked = sorted(
        (t for t in counts if counts[t] >= 2 or not PLAIN_WORD.match(t)),
        key=lambda t: (-counts[t] * (1 if PLAIN_WORD.match(t) else 2), -len(t), first[t]),
    )
    chosen: list[str] = []
    for term in ranked:
        if not any(term in c or c in term for c in chosen):
            chosen.append(term)
        if len(chosen) == limit:
            break
    return chosen


def bold(summary: str, terms: Iterable[str], limit: int = 5) -> tuple[str, list[str]]:
    """Wrap the first occurrence of up to ``limit`` terms in ``**``; returns text and terms used."""
    used: list[str] = []
    for term in sorted(set(terms), key=len, reverse=True):
        if len(used) == limit:
            break
        index = _free_index(summary, term)
        if index < 0:
            continue
        summary = f"{summary[:index]}**{term}**{summary[index + len(term):]}"
        used.append(term)
    return summary, used


CONNECTORS = ".-_/+"


def wordish(char: str) -> bool:
    """A character that continues a Latin-script token (ASCII letter or digit)."""
    return char.isascii() and char.isalnum()


def glued(text: str, index: int, step: int) -> bool:
    """Whether the character beside ``text[index]`` (``step`` -1: before, 1: after) continues
    the token: a letter/digit, or a connector (``.-_/+``) followed by one (``torch.compile``)."""
    near = index + step
    if not 0 <= near < len(text):
        return False
    if wordish(text[near]):
        return True
    far = near + step
    return text[near] in CONNECTORS and 0 <= far < len(text) and wordish(text[far])


def whole_token(text: str, index: int, length: int) -> bool:
    """``text[index:index+length]`` is not glued to a longer token on either side."""
    return not glued(text, index, -1) and not glued(text, index + length - 1, 1)


def _free_index(text: str, term: str) -> int:
    """Index of ``term`` as a whole token in ``text`` outside existing bold spans, or -1."""
    start = 0
    while (index := text.find(term, start)) >= 0:
        if (text[:index].count("**") % 2 == 0 and "**" not in text[index : index + len(term)]
                and whole_token(text, index, len(term))):
            return index
        start = index + 1
    return -1


def trim(text: str, limit: int, boundary: str = "，,；;：:、 ") -> str:
    """Cut ``text`` to at most ``limit`` characters at a sensible boundary."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for i in range(len(cut) - 1, int(limit * 0.5), -1):
        if cut[i] in boundary:
            return cut[:i].rstrip() + "…"
    return cut[: limit - 1].rstrip() + "…"


def join_sentences(parts: Sequence[str], chinese: bool) -> str:
    glue = "" if chinese else " "
    out = []
    for part in parts:
        end = part[-1]
        if end not in "。！？!?.…":
            part += "。" if chinese else "."
        out.append(part)
    return glue.join(out)


def recurring_words(texts: Sequence[str], body: str, limit: int = 2) -> list[str]:
    """Words of the body that recur in at least two of the texts (lower-case tool names such
    as ``quanto``), common words excluded; [] when none does (a capitalised word that merely
    opens a sentence is no name)."""
    words = re.findall(r"(?<![\w.])[A-Za-z][A-Za-z0-9_.-]{3,}(?<![.-])", body)
    counts = Counter(w for t in texts for w in set(re.findall(r"[A-Za-z][A-Za-z0-9_.-]{3,}", clean(t))))
    chosen = [w for w in dict.fromkeys(words)
              if counts[w] >= 2 and w.lower() not in COMMON and w not in STOP_TERMS]
    return chosen[:limit]
