"""The offline extractive writer: the item of a story is written from ONE post, its
representative (the item links to it and credits its author): the headline is that post's
leading sentence, cut only where a phrase ends; the summary is taken from the same post (from
another post of the story only when it is too short); bold key terms occur in it as whole
tokens. No network, no model.

It keeps the posts' language (it does not translate; the run report lists the items left in
English) and never invents a fact: every word of its output comes from the story's posts.
Every item passes the quality gate (:mod:`aidigest.writer.gate`) before it is returned; an
item that fails it is replaced by ``None`` and the report says why (a post whose leading
sentence has no phrase of at most 40 characters gives no headline: the gate refuses the item
rather than publish half a phrase). Does NOT render or publish.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from types import ModuleType

from aidigest.models import DigestItem, ItemReport, Post, RunReport, Story
from aidigest.writer import gate
from aidigest.writer import text as tx
from aidigest.writer import update as up

TITLE_MAX = 40
HEADLINE_MIN = 12  # a clause shorter than this is no headline (据《华尔街日报》报道)
CLAUSE = "，,；;：:、—–|"
# English words that begin a new phrase: a headline may end before one (``DeepSeek-V3.2`` of
# ``Launching DeepSeek-V3.2 and DeepSeek-V3.2-Speciale``), never before any other word.
JOINING = ("and", "but", "while", "with", "for", "on", "at", "from", "via", "as", "after")
_JOINING = re.compile(r" (?=(?:" + "|".join(JOINING) + r") )")
# innermost brackets only, so an unclosed one is not rescanned from every opening (linear)
ASIDE = re.compile(r"《[^《》]{12,}》|（[^（）]*）|\([^()]*\)|“[^“”]{12,}”")
SUMMARY_MIN, SUMMARY_MAX = 120, 260
CATEGORY_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("大模型", ("模型", "model", "llm", "gpt", "qwen", "gemini", "claude", "deepseek", "参数")),
    ("AI进展", ("发布", "推出", "release", "launch", "announce", "上线", "开源", "open")),
    ("AI应用", ("应用", "app", "工具", "tool", "ppt", "notebooklm", "生成", "agent", "产品")),
    ("技术趋势", ("趋势", "trend", "预测", "未来", "2026", "行业", "报告")),
    ("人才动态", ("跳槽", "加入", "离职", "hire", "joins", "人才", "招聘", "工程师")),
    ("开源生态", ("开源", "open source", "open-source", "hugging face", "huggingface", "权重")),
    ("AI编程", ("编程", "代码", "coding", "code", "开发者", "developer", "cursor", "replit")),
    ("多模态", ("视频", "图像", "语音", "video", "image", "audio", "tts", "banana", "多模态")),
)


def _originals(story: Story) -> list[Post]:
    posts = [p for p in story.posts if not p.is_repost]
    rest = sorted((p for p in posts if p.id != story.representative.id),
                  key=lambda p: (-len(p.text), p.id))
    return [story.representative, *rest]


def informative(post: Post) -> tuple[int, int]:
    """How much a post says: distinct names and figures, then length of its clean text."""
    body = tx.clean(post.text)
    names = set(tx.TERM.findall(body)) | set(tx.CJK_QUOTED.findall(body))
    figures = set(re.findall(r"\d+(?:\.\d+)?", body))
    return len(names) + len(figures), len(body)


def headline_post(story: Story) -> Post:
    """The post the item is written from: the story's representative, which the item links
    to and credits (so the headline, the link and the author always agree)."""
    return story.representative


def headline(post: Post) -> str:
    """The post's leading sentence, cut where a phrase ends to at most 40 characters (longer
    when no phrase fits: see :func:`cut_title`)."""
    first = next(iter(tx.sentences(post.text)), "") or tx.clean(post.text) or post.author.display_name
    return cut_title(first, TITLE_MAX)


def cut_title(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut only where a phrase ends: whole if it fits;
    else without long bracketed asides; else up to a clause boundary (the first one that
    leaves a real headline, a colon preferred); else before the last English joining word
    that fits (:data:`JOINING`). Never cuts inside a phrase: when no phrase
    fits, the first clause is returned whole, longer than ``limit`` (the quality gate then
    refuses the item, which is replaced by the next story)."""
    text = text.strip().rstrip("。.!！?？…:： ")
    if len(text) <= limit:
        return text
    shorter = " ".join(ASIDE.sub("", text).split())
    if shorter != text and len(shorter) >= limit // 4:
        return cut_title(shorter, limit)
    bounds = [i for i in range(HEADLINE_MIN, min(limit, len(text) - 1) + 1) if text[i] in CLAUSE]
    colons = [i for i in bounds if text[i] in "：:"]
    if colons or bounds:
        return text[: (colons or bounds)[0]].rstrip(CLAUSE + " ")
    joins = [m.start() for m in _JOINING.finditer(text[: limit + 12])
             if HEADLINE_MIN <= m.start() <= limit]
    if joins:
        return text[: joins[-1]]
    first = next((i for i, ch in enumerate(text) if ch in CLAUSE), len(text))
    return text[:first].rstrip(CLAUSE + " ") or text


def _jieba() -> ModuleType:
    """jieba, with its own DEBUG lines ("Building prefix dict…") kept off stderr."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def summary_post(story: Story) -> Post:
    """The ONE post the summary is taken from: the headline's post when it is long enough to
    fill a summary; else the longest such post by the same author (a thread); else the most
    informative such post in the headline's language; else the longest post."""
    posts = _originals(story)
    lead = headline_post(story)
    if len(tx.clean(lead.text)) >= SUMMARY_MIN:
        return lead
    full = [p for p in posts if len(tx.clean(p.text)) >= SUMMARY_MIN]
    own = [p for p in full if p.author.handle.lower() == lead.author.handle.lower()]
    if own:
        return own[0]
    chinese = tx.is_chinese(tx.clean(lead.text))
    same = [p for p in full if tx.is_chinese(tx.clean(p.text)) == chinese]
    pool = same or full
    if pool:
        return max(pool, key=informative)
    return max(posts, key=lambda p: len(tx.clean(p.text)))


def summary(story: Story, post: Post | None = None, *, opening: str = "",
            lead_with: Sequence[str] = ()) -> tuple[str, list[str]]:
    """Up to 260 characters of one post's sentences (each once), with 1–5 bold key terms;
    ``opening`` words first, then the sentences that name one of ``lead_with`` (an update's
    new facts), then the others."""
    post = post or summary_post(story)
    chinese = tx.is_chinese(tx.clean(post.text))
    chosen: list[str] = []
    seen: set[str] = set()
    length = len(opening)
    sentences = list(tx.sentences(post.text))
    if lead_with:
        news = [x for x in sentences if up.named_facts(x, lead_with)]
        sentences = news + [x for x in sentences if x not in news]
    for sentence in sentences:
        norm = "".join(ch for ch in sentence.casefold() if ch.isalnum())
        if norm in seen or gate.has_link(sentence):
            continue
        seen.add(norm)
        cost = len(sentence) + (1 if chinese else 2)
        if length + cost > SUMMARY_MAX:
            if length < SUMMARY_MIN:
                chosen.append(tx.trim(sentence, SUMMARY_MAX - length - 2))
            break
        chosen.append(sentence)
        length += cost
    body = tx.join_sentences(chosen, chinese) if chosen else headline(post)
    body = tx.trim(opening + body, SUMMARY_MAX)
    terms = tx.key_terms([post.text, *(p.text for p in story.posts if p is not post)])
    text, used = tx.bold(body, terms)
    if not used:
        text, used = tx.bold(body, _fallback_terms(body, [p.text for p in story.posts]))
    return text, used


def _fallback_terms(body: str, texts: Sequence[str]) -> list[str]:
    """Terms when no Latin-script name recurs: Chinese keywords by TF-IDF (jieba), or words
    that recur across an English story's posts (``quanto``), or a capitalised name."""
    if tx.is_chinese(body):
        _jieba()
        import jieba.analyse

        return [t for t in jieba.analyse.extract_tags(body, topK=3) if len(t) >= 2][:2]
    return tx.recurring_words(texts, body)


UNTRANSLATED = "untranslated: keeps the post's English (no LLM to translate it)"


class OfflineWriter:
    """Extractive writer; the default without an LLM and the fallback for any failed item."""

    name = "offline"

    def __init__(self, update_prefix: str = up.DEFAULT_PREFIX) -> None:
        self.update_prefix = update_prefix

    def write_one(self, story: Story) -> DigestItem:
        """The extractive item for ``story`` (not yet gated). An update's headline carries
        the update prefix and its summary names the earlier digest, then what is new."""
        rep = story.representative
        title = headline(headline_post(story))
        link = up.update_of(story)
        if link is None:
            text, terms = summary(story)
        else:
            title = up.mark(title, self.update_prefix)
            post = rep if up.named_facts(rep.text, link.new_facts) else None
            text, terms = summary(story, post, opening=up.lead(link.label),
                                  lead_with=link.new_facts)
        return DigestItem(
            title=title, summary=text, url=rep.url,
            author_name=rep.author.display_name, story_id=story.id, post_id=rep.id,
            key_terms=tuple(terms), writer=self.name,
        )

    def gated(self, story: Story) -> tuple[DigestItem | None, ItemReport]:
        """The item if it passes the quality gate, else ``None``; the report says which."""
        item = self.write_one(story)
        failures = gate.check(item, story, self.update_prefix)
        if failures:
            why = f"rejected by the quality gate: {gate.describe(failures)}"
            return None, ItemReport(story.id, self.name, "rejected", [why], fallback_reason=why)
        notes = [] if tx.is_chinese(item.summary.replace("**", "")) else [UNTRANSLATED]
        return item, ItemReport(story.id, self.name, "ok", notes)

    def edit(self, candidates: Sequence[Story], items_min: int, items_max: int,
             report: RunReport) -> list[Story]:
        return list(candidates[:items_max])

    def write_items(self, stories: Sequence[Story], report: RunReport) -> list[DigestItem | None]:
        """One gated item per story (``None`` where the gate rejected it); the report lists the
        items left untranslated and the rejected ones."""
        items: list[DigestItem | None] = []
        untranslated: list[str] = []
        for number, story in enumerate(stories, start=1):
            item, item_report = self.gated(story)
            items.append(item)
            report.items.append(item_report)
            if item is not None and UNTRANSLATED in item_report.notes:
                untranslated.append(f"“{item.title}”")
            elif item is None:
                report.note(f"item {number} (story {story.id}) {item_report.notes[0]}")
        if untranslated:
            report.note(f"offline writer: {len(untranslated)} items untranslated (the posts' "
                        f"English): {', '.join(untranslated)}")
        return items

    def categories(self, items: Sequence[DigestItem], previous: Sequence[str],
                   report: RunReport) -> list[str]:
        return pick_categories(items, previous)


def pick_categories(items: Sequence[DigestItem], previous: Sequence[str],
                    defaults: Sequence[str] = ("AI进展", "AI应用", "大模型", "技术趋势")) -> list[str]:
    """3–5 tags by keyword hits; a tag an earlier digest used wins ties."""
    blob = " ".join(f"{i.title} {i.summary}" for i in items).lower()
    hits = {tag: sum(blob.count(k) for k in keys) for tag, keys in CATEGORY_RULES}
    for tag in previous:
        hits.setdefault(tag, blob.count(tag.lower()))
    rank = {tag: n for n, tag in enumerate(previous)}
    ordered = sorted((t for t, n in hits.items() if n > 0),
                     key=lambda t: (-hits[t] - (2 if t in rank else 0), rank.get(t, 99), t))
    chosen = ordered[:5]
    for tag in defaults:
        if len(chosen) >= 3:
            break
        if tag not in chosen:
            chosen.append(tag)
    return chosen
