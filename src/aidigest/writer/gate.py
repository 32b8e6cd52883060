"""The quality gate every digest item passes before it is rendered, whichever writer made it.

One function per named rule; :func:`check` runs them all and returns the failures (empty =
publishable). The rules:

- ``title-length``: the headline has 1–40 characters;
- ``title-cut``: the headline does not end inside a word of the post it was cut from;
- ``title-phrase`` (extractive items only): a headline cut from a post ends where a phrase of
  it ends (a clause or sentence mark, a line break or the end), never mid-phrase
  (``you can now torch.compile quantized``);
- ``summary-length``: 120–260 visible characters (the ``**`` markers do not count);
- ``bold-count``: 1–5 ``**bold**`` terms, markers balanced;
- ``bold-token``: each bold term is a whole token: not glued to a letter or digit on either
  side, directly or across a connector (``torch.**compile**``, ``**v5**-text``);
- ``repeated-sentence``: no sentence said twice (exactly or nearly);
- ``concatenated-posts``: the summary does not run together sentences copied from two posts;
- ``markup``: no URL, address, HTML or markdown other than ``**bold**``;
- ``faithful``: every figure, Latin-script name and bold term occurs in the posts
  (:mod:`aidigest.writer.faithful`);
- ``chinese`` (LLM items only): CJK characters are at least 60 % of the letters;
- ``update-mark``, ``update-news``, ``update-repeat`` (an item whose story updates an item of
  an earlier digest, :mod:`aidigest.writer.update`): the headline starts with the update
  prefix (the other headline rules see it without), the summary names the earlier digest's
  slot label, names a new fact that occurs in the story's posts, and does not repeat the
  earlier summary.

:func:`describe` words the failures for a repair prompt. Pure functions: does NOT call a
model, change an item or decide what happens to an item that fails.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aidigest.models import DigestItem, Story
from aidigest.writer import text as tx
from aidigest.writer import update as up
from aidigest.writer.faithful import violations
from aidigest.writer.schema import BOLD, LINKISH, visible_length

TITLE_MAX = 40
SUMMARY_MIN, SUMMARY_MAX = 120, 260
BOLD_MIN, BOLD_MAX = 1, 5
CJK_SHARE = 0.6
COPIED_MIN = 16  # a post sentence at least this long, found verbatim, counts as copied
NEAR_SAME = 0.8  # character-trigram overlap above which two sentences say the same
ELLIPSIS = "…"
# markdown beyond **bold**; "#1" (a rank) is text, not a heading
MARKDOWN = re.compile(r"[`<>\[\]|~\\*]|#(?!\d)|(?<!\w)_+|_+(?!\w)")
# a domain glued to Chinese text (schema.LINKISH needs a word boundary, which 见qwen.ai lacks)
# (started only where a run of domain labels starts: linear on ``a.a.a.a…``, same answers)
DOMAIN = re.compile(r"(?i)(?<![a-z0-9-])(?<![a-z0-9-]\.)[a-z0-9-]+(?:\.[a-z0-9-]+)*"
                    r"\.(?:com|net|org|io|ai|dev|co|cn|app)(?![a-z0-9])")


@dataclass(frozen=True)
class Failure:
    """One broken rule: its name (``bold-token``) and what exactly is wrong."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@dataclass(frozen=True)
class Subject:
    """What the rules look at: the item's text and the posts it was written from."""

    title: str
    summary: str
    posts: tuple[str, ...]  # the story's post texts, cleaned of links and markup
    names: tuple[str, ...] = ()  # author display names (a summary may name them)
    llm: bool = False
    extractive: bool = False  # cut from the posts (the offline writer), not written
    update: up.Update | None = None  # the story updates an earlier digest's item


Rule = Callable[[Subject], list[str]]


def title_length(s: Subject) -> list[str]:
    size = len(s.title.strip())
    if 1 <= size <= TITLE_MAX:
        return []
    return [f"the headline has {size} characters; it must have 1–{TITLE_MAX}"]


def title_cut(s: Subject) -> list[str]:
    stem = s.title.strip().rstrip(ELLIPSIS).rstrip()
    if not stem or not tx.wordish(stem[-1]):
        return []
    for post in s.posts:
        at = post.find(stem)
        if at >= 0 and at + len(stem) < len(post) and tx.wordish(post[at + len(stem)]):
            word = re.match(r"[A-Za-z0-9]+", post[at + len(stem):])
            return [f"the headline stops inside a word (…{stem[-12:]}|{word.group(0) if word else ''})"]
    return []


# What may follow a headline cut from a post: a clause or sentence mark, a closing or an
# opening bracket or quote (an aside starts), a line break; or an English joining word.
PHRASE_END = frozenset("，,；;：:、—–|。.!！?？…\n)）」』”》\"'(（「『“《")
JOINING = frozenset({"and", "but", "while", "with", "for", "on", "at", "from", "via", "as", "after"})


def title_phrase(s: Subject) -> list[str]:
    """An extractive headline found in a post must end where a phrase of it ends, in at least
    one place it occurs (it is not checked when it occurs nowhere verbatim)."""
    stem = s.title.strip()
    if not s.extractive or not stem:
        return []
    ends = [post[at + len(stem):at + len(stem) + 12].lstrip(" ") for post in s.posts
            for at in _occurrences(post, stem)]
    if not ends or any(not nxt or nxt[0] in PHRASE_END or nxt.split(" ")[0] in JOINING
                       for nxt in ends):
        return []
    return [f"the headline stops in the middle of a phrase (…{stem[-12:]}| {ends[0][:8]}…); cut it "
            "where a clause or sentence ends"]


def _occurrences(text: str, part: str, limit: int = 20) -> list[int]:
    """Where ``part`` occurs in ``text`` (at most ``limit`` places)."""
    found: list[int] = []
    at = text.find(part)
    while at >= 0 and len(found) < limit:
        found.append(at)
        at = text.find(part, at + 1)
    return found


def summary_length(s: Subject) -> list[str]:
    size = visible_length(s.summary)
    if SUMMARY_MIN <= size <= SUMMARY_MAX:
        return []
    return [f"the summary has {size} characters; it must have {SUMMARY_MIN}–{SUMMARY_MAX}"]


def bold_count(s: Subject) -> list[str]:
    bolds = BOLD.findall(s.summary)
    if s.summary.count("**") != 2 * len(bolds):
        return ["the ** markers are unbalanced or wrap nothing"]
    if BOLD_MIN <= len(bolds) <= BOLD_MAX:
        return []
    return [f"the summary marks {len(bolds)} bold terms; it must mark {BOLD_MIN}–{BOLD_MAX}"]


def bold_token(s: Subject) -> list[str]:
    found = []
    for match in BOLD.finditer(s.summary):
        term = match.group(1)
        if term != term.strip():
            found.append(f"bold term “{term}” starts or ends with a space")
        elif not tx.whole_token(s.summary, match.start(), len(match.group(0))):
            context = s.summary[max(0, match.start() - 6): match.end() + 6]
            found.append(f"bold term “{term}” is glued inside a longer word ({context})")
    return found


def _plain_sentences(summary: str) -> list[str]:
    text = summary.replace("**", "")
    return [p.strip() for p in re.split(r"(?<=[。！？!?])|(?<=[.;；])\s+", text) if p.strip()]


def _norm(sentence: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", sentence).casefold() if ch.isalnum())


def _trigrams(text: str) -> set[str]:
    return {text[i: i + 3] for i in range(max(1, len(text) - 2))}


def repeated_sentence(s: Subject) -> list[str]:
    seen: list[tuple[str, set[str], str]] = []
    for sentence in _plain_sentences(s.summary):
        norm = _norm(sentence)
        if len(norm) < 6:
            continue
        grams = _trigrams(norm)
        for _, other, shown in seen:
            if len(grams & other) / max(1, min(len(grams), len(other))) >= NEAR_SAME:
                return [f"the sentence “{sentence[:30]}” repeats “{shown[:30]}”"]
        seen.append((norm, grams, sentence))
    return []


def concatenated_posts(s: Subject) -> list[str]:
    """Copied post sentences must all come from one post."""
    summary = _norm(s.summary)
    owners: list[set[int]] = []
    for index, post in enumerate(s.posts):
        for sentence in tx.sentences(post):
            norm = _norm(sentence)
            if len(norm) >= COPIED_MIN and norm in summary:
                owners.append({i for i, p in enumerate(s.posts) if norm in _norm(p)} | {index})
    if not owners:
        return []
    common = set.intersection(*owners)
    if common:
        return []
    return ["the summary runs together sentences copied from different posts; write it from one post"]


def has_link(text: str) -> bool:
    """A URL, address, domain name, bracket or HTML entity/tag anywhere in ``text``."""
    return bool(LINKISH.search(text) or DOMAIN.search(text))


def markup(s: Subject) -> list[str]:
    found = []
    for label, value in (("headline", s.title), ("summary", BOLD.sub(r"\1", s.summary))):
        if has_link(value):
            found.append(f"the {label} contains a link, address, bracket or HTML")
        elif MARKDOWN.search(value):
            found.append(f"the {label} contains markdown other than **bold**")
    return found


def faithful(s: Subject) -> list[str]:
    return violations(s.summary, [*s.posts, *s.names], s.title)


def chinese(s: Subject) -> list[str]:
    if not s.llm:
        return []
    text = s.title + s.summary
    letters = [ch for ch in text if unicodedata.category(ch).startswith("L")]
    cjk = sum(1 for ch in letters if tx.CJK.match(ch))
    share = cjk / len(letters) if letters else 0.0
    if share >= CJK_SHARE:
        return []
    return [f"only {share:.0%} of the letters are Chinese; write in Chinese (at least {CJK_SHARE:.0%})"]


def _update_rule(name: str) -> Rule:
    def rule(s: Subject) -> list[str]:
        if s.update is None:
            return []
        return [message for found, message in up.check(s.update, s.summary, s.posts)
                if found == name]
    return rule


RULES: dict[str, Rule] = {
    "title-length": title_length, "title-cut": title_cut, "title-phrase": title_phrase,
    "summary-length": summary_length,
    "bold-count": bold_count, "bold-token": bold_token, "repeated-sentence": repeated_sentence,
    "concatenated-posts": concatenated_posts, "markup": markup, "faithful": faithful,
    "chinese": chinese, "update-mark": _update_rule("update-mark"),
    "update-news": _update_rule("update-news"), "update-repeat": _update_rule("update-repeat"),
}


def check_subject(subject: Subject) -> list[Failure]:
    """Every broken rule of ``subject``, in rule order."""
    return [Failure(name, message) for name, rule in RULES.items() for message in rule(subject)]


def subject_for(title: str, summary: str, story: Story, *, llm: bool,
                extractive: bool = False, prefix: str = up.DEFAULT_PREFIX,
                require_mark: bool = True) -> Subject:
    """What the rules look at. For an update, the headline without its prefix and the earlier
    digest's label among the words a summary may use; ``require_mark`` False: the writer
    adds the prefix after the gate (an LLM answer)."""
    posts = tuple(tx.clean(p.text) for p in story.posts)
    names = tuple(p.author.display_name for p in story.posts)
    update = up.Update.of(story, title, prefix, require_mark)
    if update is not None:
        title = up.without_mark(title, prefix)
        names = (*names, update.label)
    return Subject(title, summary, posts, names, llm, extractive, update)


def check(item: DigestItem, story: Story, prefix: str = up.DEFAULT_PREFIX) -> list[Failure]:
    """The gate for a finished item; LLM items (``writer`` ``llm:…``) must also be Chinese,
    and the offline writer's (``offline``), cut from the posts, must end their headline where
    a phrase ends; an update's must carry ``prefix``."""
    llm = item.writer.startswith("llm")
    return check_subject(subject_for(item.title, item.summary, story, llm=llm,
                                     extractive=item.writer == "offline", prefix=prefix))


def describe(failures: Sequence[Failure]) -> str:
    """The failures as one line for a repair prompt or a report note."""
    return "; ".join(str(f) for f in failures)


def failed_rules(failures: Sequence[Failure]) -> list[str]:
    return list(dict.fromkeys(f.rule for f in failures))
