"""Is a post about AI? Keyword and entity tests, configurable.

A post is on topic when its matching text holds an AI keyword (built-in list plus
``[stories] keywords``) or names a known AI entity (built-in plus ``[stories] entities``), and
holds none of ``[stories] exclude_keywords``. Pure; does NOT filter stories itself (see
:mod:`.rank`, which marks a story whose posts are all off topic).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from aidigest.stories.entities import KNOWN
from aidigest.stories.features import Features

__all__ = ["DEFAULT_KEYWORDS", "Relevance"]

DEFAULT_KEYWORDS = (
    "ai", "a.i.", "agi", "asi", "artificial intelligence", "llm", "llms", "gpt", "model", "models",
    "agent", "agents", "agentic", "machine learning", "deep learning", "neural", "transformer",
    "diffusion", "inference", "fine-tune", "fine-tuning", "finetune", "training run", "pretraining",
    "prompt", "prompts", "chatbot", "copilot", "multimodal", "benchmark", "open-weight",
    "open weights", "reasoning", "embedding", "rag", "gpu", "gpus", "tpu", "datacenter",
    "data center", "robotics", "humanoid", "vibe coding", "text-to-image", "text-to-video",
    "人工智能", "模型", "大模型", "智能体", "机器学习", "深度学习", "神经网络", "算力", "芯片",
    "机器人", "提示词", "推理", "训练", "微调", "多模态", "生成式", "语音合成", "文生图",
    "文生视频", "开源模型", "具身智能", "数据中心", "向量", "自动驾驶", "智能",
)


def _branches(groups: dict[str, list[str]], tail: str) -> str:
    """Words grouped by their first character, in their given order within a group."""
    return "|".join(re.escape(c) + "(?:" + "|".join(re.escape(w[1:]) + tail for w in words) + ")"
                    for c, words in groups.items())


def _pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """One regex finding the leftmost word, the longest at that place; Latin words must not
    touch other Latin letters (``ai`` ≠ ``said``).

    Built for speed with the same matches as a plain longest-first alternation: Latin words
    (the ones starting with ``[a-z0-9]``) share one look-behind, and the words are grouped by
    their first character, so the engine rejects a place with one character test instead of
    trying every word there. Only one group can match at a place (its first character), and
    a group keeps the words longest first, so the chosen word is the same."""
    latin: dict[str, list[str]] = {}
    other: dict[str, list[str]] = {}
    for word in sorted({w.strip().lower() for w in words if w.strip()}, key=len, reverse=True):
        (latin if re.match(r"[a-z0-9]", word) else other).setdefault(word[0], []).append(word)
    parts = []
    if latin:
        parts.append(r"(?<![a-z0-9])(?:" + _branches(latin, r"(?![a-z0-9])") + ")")
    if other:
        parts.append("(?:" + _branches(other, "") + ")")
    if not parts:
        return None
    first = "".join(sorted(re.escape(c) for c in [*latin, *other]))
    return re.compile(f"(?=[{first}])(?:{'|'.join(parts)})")


@dataclass(frozen=True)
class Relevance:
    """The topic test built from configuration."""

    keywords: re.Pattern[str] | None
    entities: frozenset[str]
    exclude: re.Pattern[str] | None

    @classmethod
    def build(
        cls,
        keywords: Iterable[str] = (),
        entities: Iterable[str] = (),
        exclude: Iterable[str] = (),
        defaults: bool = True,
    ) -> Relevance:
        words = [*(DEFAULT_KEYWORDS if defaults else ()), *keywords]
        names = {re.sub(r"[\s\-_]", "", e.lower()) for e in entities}
        return cls(_pattern(words), frozenset(names | (KNOWN if defaults else set())),
                   _pattern(exclude))

    def why(self, feat: Features) -> str | None:
        """The keyword or entity that makes the post on topic, or None when it is off topic."""
        text = feat.text.lower()
        if self.exclude is not None and self.exclude.search(text):
            return None
        found = self.keywords.search(text) if self.keywords is not None else None
        if found:
            return found.group(0)
        ents = feat.ents
        named = sorted((ents.names | ents.phrases | ents.strong) & self.entities)
        if named:
            return named[0]
        strong = sorted(e for e in ents.strong if not e.startswith("《"))
        return strong[0] if strong and (ents.names & self.entities) else None
