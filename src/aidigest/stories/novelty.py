"""Novelty: has this story's event already been published in a recent digest?

A story matches a published item when it shares a post with it, links to its post, or names
the same specific thing (a strong entity of the item's title, summary or key terms, or
several of its names). A matching story is a *repeat* unless its new posts carry a new
development: facts (versioned names, figures, multi-word names) absent from the published
item together with a development marker ("API", "pricing", "开源", "上线"…), or several such
facts. Pure; the history comes in as plain dicts (see ``build_stories``). Does NOT decide the
score; :mod:`.rank` applies the verdict.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aidigest.stories.entities import COMMON_NAMES, extract, key
from aidigest.stories.features import Features
from aidigest.stories.normalize import canonical_url, to_simplified
from aidigest.stories.pairs import conflict

__all__ = ["Published", "Verdict", "check", "prepare"]

_MARKERS = re.compile(
    r"(?<![a-z])(api|pricing|price|priced|open[- ]?sourc\w*|weights|paper|technical report|"
    r"now available|available now|rolling out|rolled out|general availability|ga|update[ds]?|"
    r"benchmark\w*|leaderboard|tops|beats|acquir\w*|lawsuit|sues|raises|funding|release[ds]?|"
    r"launch\w*|ships|integrat\w*)(?![a-z])|发布|上线|开源|价格|定价|论文|技术报告|更新|开放|"
    r"可用|登顶|排名|收购|融资|接入|集成|推出|正式版|免费"
)
_YEAR = re.compile(r"^(19|20)\d\d$")


@dataclass(frozen=True)
class Published:
    """One item of a recently published digest, reduced to what novelty compares."""

    slot: str
    title: str
    post_ids: frozenset[str]
    urls: frozenset[str]
    strong: frozenset[str]
    names: frozenset[str]
    facts: frozenset[str]


@dataclass(frozen=True)
class Verdict:
    """``repeat`` (drop) or ``follow-up`` (keep, marked) against one published item."""

    kind: str
    item: Published
    new_facts: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        where = f"{self.item.slot}: {self.item.title}"
        if self.kind == "repeat":
            return f"already published in {where}"
        return f"follow-up to {where} (new: {', '.join(self.new_facts[:4])})"


def prepare(history: Sequence[Mapping[str, Any]]) -> list[Published]:
    """History dicts (``slot``, ``post_id``, ``post_ids``, ``title``, ``summary``,
    ``key_terms``, ``url``) as comparable items, newest slot first."""
    items = []
    for h in history:
        terms = [str(t) for t in h.get("key_terms") or ()]
        text = to_simplified(" ".join([str(h.get("title", "")), str(h.get("summary", "")), *terms]))
        ents = extract(text)
        ids = {str(i) for i in h.get("post_ids") or ()} | ({str(h["post_id"])} if h.get("post_id") else set())
        urls = {canonical_url(str(h.get("url") or ""))} - {""}
        strong = ents.strong | {key(t) for t in terms if any(c.isdigit() for c in t)}
        facts = strong | ents.figures | ents.phrases | ents.versions | {key(t) for t in terms}
        items.append(Published(str(h.get("slot", "")), str(h.get("title", "")), frozenset(ids),
                               frozenset(urls), frozenset(strong),
                               frozenset(ents.names | ents.phrases), frozenset(facts)))
    return sorted(items, key=lambda p: p.slot, reverse=True)


def _matches(members: Sequence[Features], core: frozenset[str], item: Published) -> bool:
    if any(f.id in item.post_ids for f in members):
        return True
    urls = {canonical_url(f.post.url) for f in members} | {u for f in members for u in f.links}
    if urls & item.urls:
        return True
    if core & item.strong and not conflict(core, item.strong):
        return True
    names: set[str] = set()
    for f in members:
        names |= f.ents.names | f.ents.phrases
    shared = names & item.names
    return len(shared) >= 3 and bool(shared - COMMON_NAMES) and not conflict(core, item.strong)


def _new_facts(posts: Sequence[Features], item: Published) -> tuple[str, ...]:
    found: set[str] = set()
    for f in posts:
        ents = f.ents
        facts = ents.strong | ents.phrases | {x for x in ents.figures if not _YEAR.match(x)}
        found |= {x for x in facts if x not in item.facts and not any(x in y for y in item.facts)}
    return tuple(sorted(found))


def check(
    members: Sequence[Features], in_window: Sequence[Features], core: frozenset[str],
    published: Sequence[Published],
) -> Verdict | None:
    """The verdict of the newest matching published item, or None for a new event.
    ``in_window``: the story's original (non-repost) posts inside the window."""
    for item in published:
        if not _matches(members, core, item):
            continue
        fresh = [f for f in in_window if f.id not in item.post_ids]
        facts = _new_facts(fresh, item)
        marked = any(_MARKERS.search(f.text.lower()) for f in fresh if _new_facts([f], item))
        if facts and (marked or len(facts) >= 2):
            return Verdict("follow-up", item, facts)
        return Verdict("repeat", item)
    return None
