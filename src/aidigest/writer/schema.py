"""The structured answers the LLM must give, and their validation.

:func:`parse_item`, :func:`parse_categories` and :func:`parse_order` turn a model's text into
validated values or raise :class:`AnswerError` naming what is wrong (so a repair request can
say it). JSON may arrive bare or inside a ```` ``` ```` code fence. Beyond the pydantic schema:
lengths (headline <= 40, summary 120–260 characters without the ``**`` markers), 1–5
``**bold**`` terms, Chinese text, and no links, HTML or markdown other than ``**bold**``
(untrusted post text must not smuggle any into the digest).

Does NOT call the model or check faithfulness to the posts (:mod:`aidigest.writer.faithful`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aidigest.writer import text as tx

TITLE_MAX = 40
SUMMARY_MIN, SUMMARY_MAX = 120, 260
BOLD_MIN, BOLD_MAX = 1, 5
CATEGORY_MAX_LEN = 8

FENCE = re.compile(r"```[A-Za-z0-9_-]*\s*\n?(.*?)```", re.S)
BOLD = re.compile(r"\*\*([^*\n]{1,60}?)\*\*")
# Each branch that scans a run of name characters (a scheme, an e-mail's local part, a domain)
# starts only where such a run starts: started at every character of a long run it would scan
# the rest of the run each time (quadratic). A later start in a run reaches nothing the run's
# first start does not, so what is found is the same (and a bracket pair is looked for
# innermost first, for the same reason).
LINKISH = re.compile(
    r"(?i)(?:(?<![a-z0-9+.-])[0-9+.-]*[a-z][a-z0-9+.-]*://|www\.|mailto:|\]\(|\[[^\[\]]*\]|<[a-z/!]"
    r"|&[a-z#0-9]+;|(?<![\w.+-])[\w.+-]+@[\w-]+\.[a-z]{2,}"
    r"|(?<![\w-])(?<![a-z0-9-]\.)[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|ai|dev|co|cn|app|xyz|me|ly|gl|info|"
    r"biz|site|top|link|click|example|test|sh|gg|tv|us|uk|ru|de|jp|hk|tw)\b)"
)
MARKDOWN = re.compile(r"[`<>\[\]|~#\\*]+|(?<!\w)_+|_+(?!\w)")
LIST_MARK = re.compile(r"^\s*(?:[-+>]|\d+[.)])\s+")


class AnswerError(ValueError):
    """The model's answer is not usable; the message says why (it goes into a repair prompt)."""


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ItemAnswer(_Answer):
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    key_terms: list[str] = Field(default_factory=list, max_length=10)


class CategoriesAnswer(_Answer):
    categories: list[str] = Field(min_length=3, max_length=5)


class OrderAnswer(_Answer):
    order: list[int] = Field(min_length=1, max_length=50)


def extract_json(text: str) -> Any:
    """The JSON value in ``text``: bare, inside a code fence, or the outermost ``{…}``."""
    candidates = [text.strip()]
    candidates += [m.group(1).strip() for m in FENCE.finditer(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    raise AnswerError("the answer is not valid JSON; reply with one JSON object only")


def _model(cls: type[_Answer], text: str) -> Any:
    data = extract_json(text)
    if not isinstance(data, dict):
        raise AnswerError("the answer must be a JSON object")
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}" for e in exc.errors()
        )
        raise AnswerError(f"the JSON does not match the schema ({problems})") from None


def visible_length(summary: str) -> int:
    """Characters a reader sees: the ``**`` markers do not count."""
    return len(summary.replace("**", ""))


def bold_terms(summary: str) -> list[str]:
    return [m.group(1).strip() for m in BOLD.finditer(summary)]


def plain(label: str, value: str, allow_bold: bool) -> str:
    """``value`` without stray markup characters; AnswerError if it holds a link or HTML.

    Links, addresses and HTML are refused (the answer is repaired or dropped); harmless
    markdown characters (``#``, backticks, ``|``, ``~``, single ``*``, list markers) are removed.
    """
    value = tx.INVISIBLE.sub("", value)
    if LINKISH.search(value):
        raise AnswerError(f"{label} contains a link, address, bracket or HTML; remove it")
    parts = BOLD.split(value) if allow_bold else [value]
    cleaned = [
        f"**{part.strip()}**" if index % 2 else MARKDOWN.sub("", part)
        for index, part in enumerate(parts)
    ]
    return LIST_MARK.sub("", "".join(cleaned)).strip()


def parse_item(text: str, author_name: str = "") -> ItemAnswer:
    """A validated item: Chinese headline <= 40, summary 120–260 with 1–5 bold terms."""
    answer: ItemAnswer = _model(ItemAnswer, text)
    title = answer.title.strip().rstrip("。.")
    if author_name and title.endswith(f"-{author_name}"):
        title = title[: -len(author_name) - 1].rstrip()
    summary = " ".join(answer.summary.split())
    title = plain("title", title, allow_bold=False)
    summary = plain("summary", summary, allow_bold=True)
    if len(title) > TITLE_MAX or not title:
        raise AnswerError(f"title has {len(title)} characters; it must have 1–{TITLE_MAX}")
    if not tx.CJK.search(title) or not tx.is_chinese(summary):
        raise AnswerError("title and summary must be written in Chinese")
    length = visible_length(summary)
    if not SUMMARY_MIN <= length <= SUMMARY_MAX:
        raise AnswerError(f"summary has {length} characters; it must have {SUMMARY_MIN}–{SUMMARY_MAX}")
    bolds = bold_terms(summary)
    if not BOLD_MIN <= len(bolds) <= BOLD_MAX or summary.count("**") != 2 * len(bolds):
        raise AnswerError(f"summary must mark {BOLD_MIN}–{BOLD_MAX} key terms as **term** "
                          f"(found {len(bolds)})")
    terms = [t.strip() for t in answer.key_terms if t.strip() and not LINKISH.search(t)]
    return ItemAnswer(title=title, summary=summary, key_terms=terms[:BOLD_MAX])


def loose_item(text: str) -> ItemAnswer | None:
    """The answer's title and summary as given (no length, language or markup checks), so the
    quality gate can name every rule a refused answer breaks; None if it is not item JSON."""
    try:
        answer: ItemAnswer = _model(ItemAnswer, text)
    except AnswerError:
        return None
    return answer


def parse_categories(text: str) -> list[str]:
    """3–5 distinct short Chinese tags."""
    answer: CategoriesAnswer = _model(CategoriesAnswer, text)
    tags: list[str] = []
    for tag in answer.categories:
        tag = plain("category", tag, allow_bold=False)
        if not tag or len(tag) > CATEGORY_MAX_LEN or not tx.CJK.search(tag):
            raise AnswerError(f"category {tag!r} must be a short Chinese tag (<= {CATEGORY_MAX_LEN})")
        if tag not in tags:
            tags.append(tag)
    if not 3 <= len(tags) <= 5:
        raise AnswerError("give 3–5 distinct categories")
    return tags


def parse_order(text: str, count: int, pick_min: int, pick_max: int) -> list[int]:
    """Distinct candidate numbers (1-based, < ``count``+1), between ``pick_min`` and ``pick_max``."""
    answer: OrderAnswer = _model(OrderAnswer, text)
    order: list[int] = []
    for number in answer.order:
        if not 1 <= number <= count:
            raise AnswerError(f"candidate {number} does not exist (1–{count})")
        if number not in order:
            order.append(number)
    if not pick_min <= len(order) <= pick_max:
        raise AnswerError(f"pick {pick_min}–{pick_max} candidates (got {len(order)})")
    return order
