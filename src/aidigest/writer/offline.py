"""The offline extractive writer: headline from the leading sentence, summary from the
story's own sentences, bold key terms that occur in the posts. No network, no model.

It keeps the posts' language (it does not translate) and never invents a fact: every word of
its output comes from the story's posts. Does NOT render or publish.
"""

from __future__ import annotations

from collections.abc import Sequence

from aidigest.models import DigestItem, ItemReport, Post, RunReport, Story
from aidigest.writer import text as tx

TITLE_MAX = 40  # Chinese headlines; an English one (offline keeps the language) may be longer
TITLE_MAX_LATIN = 72
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


def headline(post: Post) -> str:
    """The leading sentence of the post, at most 40 characters."""
    first = next(iter(tx.sentences(post.text)), "") or tx.clean(post.text) or post.author.display_name
    limit = TITLE_MAX if tx.is_chinese(first) else TITLE_MAX_LATIN
    return tx.trim(first.rstrip("。.!！?？ "), limit)


def summary(story: Story) -> tuple[str, list[str]]:
    """120–260 characters of the story's own sentences, with 1–5 bold key terms."""
    posts = _originals(story)
    chinese = tx.is_chinese(tx.clean(posts[0].text))
    chosen: list[str] = []
    seen: set[str] = set()
    length = 0
    for post in posts:
        for sentence in tx.sentences(post.text):
            norm = "".join(sentence.lower().split())
            if norm in seen or (chosen and tx.is_chinese(sentence) != chinese):
                continue
            seen.add(norm)
            chosen.append(sentence)
            length += len(sentence) + 1
            if length >= SUMMARY_MIN:
                break
        if length >= SUMMARY_MIN:
            break
    body = tx.trim(tx.join_sentences(chosen, chinese), SUMMARY_MAX) if chosen else headline(posts[0])
    terms = tx.key_terms([p.text for p in posts])
    text, used = tx.bold(body, terms)
    if not used:
        text, used = tx.bold(body, _fallback_terms(body, [p.text for p in posts]))
    return text, used


def _fallback_terms(body: str, texts: Sequence[str]) -> list[str]:
    """Terms when no Latin-script name recurs: Chinese keywords by TF-IDF (jieba), or words
    that recur across an English story's posts (``quanto``), or a capitalised name."""
    if tx.is_chinese(body):
        import jieba.analyse

        return [t for t in jieba.analyse.extract_tags(body, topK=3) if len(t) >= 2][:2]
    return tx.recurring_words(texts, body)


class OfflineWriter:
    """Extractive writer; the default without an LLM and the fallback for any failed item."""

    name = "offline"

    def write_one(self, story: Story) -> DigestItem:
        text, terms = summary(story)
        rep = story.representative
        return DigestItem(
            title=headline(rep), summary=text, url=rep.url, author_name=rep.author.display_name,
            story_id=story.id, post_id=rep.id, key_terms=tuple(terms), writer=self.name,
        )

    def edit(self, candidates: Sequence[Story], items_min: int, items_max: int,
             report: RunReport) -> list[Story]:
        return list(candidates[:items_max])

    def write_items(self, stories: Sequence[Story], report: RunReport) -> list[DigestItem]:
        items = []
        for story in stories:
            items.append(self.write_one(story))
            report.items.append(ItemReport(story.id, self.name))
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
