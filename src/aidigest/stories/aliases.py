"""Aliases across scripts: the configured ones, and the ones posts teach.

A post that writes a Chinese name beside its Latin name teaches that they are one name:
``月之暗面 Moonshot``, ``阿里千问 Qwen3.5``, ``智谱（Zhipu AI）``, ``Moonshot AI（月之暗面）``.
:func:`mine` finds such spellings in posts (evidence: spelling, name key, post id, kind);
:func:`accepted` keeps those taught clearly (in brackets once, or side by side in three posts)
and consistently
(the spelling names one key in at least ``consistency`` of its evidence: ``发布 GPT-5`` and
``发布 Claude`` teach nothing). The configured ones (``[stories] aliases`` and
``aliases_file``) and the evidence are read and kept by :mod:`aidigest.window`. Linear in the
length of the text (a 2 MB word is read once).

Pure. Does NOT match aliases in text (see :class:`~.entities.Lexicon`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from aidigest.models import Post
from aidigest.stories.entities import STOP, Lexicon, key
from aidigest.stories.normalize import clean_text, to_simplified

__all__ = ["accepted", "mine"]

_CJK = r"[\u4e00-\u9fff]"
# A Latin name: a word of at most 40 name characters (a longer run is no name), and maybe a
# capitalised second word.
_WORD = r"[A-Za-z0-9.\-]{0,39}(?![A-Za-z0-9.\-])"
_LATIN = rf"[A-Za-z]{_WORD}(?: [A-Z]{_WORD})?"
# 中文 Latin, with nothing Chinese before the Chinese name (so it is a name, not a clause end)
_BESIDE = re.compile(rf"(?<!{_CJK})({_CJK}{{2,6}}) ?({_LATIN})")
# 中文（Latin） and Latin（中文）. The Latin name before a bracket is tried only where a run of
# name characters starts (its leading digits, dots and hyphens skipped): tried at every letter
# of a long run, the regex would scan the rest of the run each time (quadratic: a 2 MB word
# took hours). Every later start in a run reaches only ends the run's first letter reaches,
# so the matches are the same.
_PAREN_ZH_LATIN = re.compile(rf"({_CJK}{{2,6}})[（(] ?({_LATIN}) ?[）)]")
_PAREN_LATIN_ZH = re.compile(rf"(?<![A-Za-z0-9.\-])[0-9.\-]*({_LATIN}) ?[（(]({_CJK}{{2,6}})[）)]")
_VERBISH = re.compile(r"[的了是在和与及对将把被就都也还又让给用从向为等个款项位名亿万]")
# Words of news prose that stand before names and are no names themselves.
_PROSE = re.compile(
    "发布|推出|上线|开源|支持|接入|宣布|基于|包括|使用|采用|集成|登上|获得|完成|新增|加入|"
    "离开|收购|投资|合作|携手|联合|旗下|其中|目前|官方|正式|全新|最新|首款|首个|模型|平台|产品|"
    "公司|团队|版本|功能|工具|系列|用户|开发者|创始人|负责人|研究员|工程师|专家|作者|报道|消息"
)

Evidence = tuple[str, str, str, str]  # spelling, name key, post id, kind ("paren" or "beside")
BESIDE_POSTS = 3  # posts that must write a name beside another (without brackets) to teach it


def _name_key(latin: str) -> str:
    """The name a Latin spelling stands for, without its version (``Qwen3.5`` → ``qwen``)."""
    first = latin.split(" ")[0]
    match = re.match(r"[a-z]+", key(first))
    name = match.group(0) if match else ""
    return "" if len(name) < 2 or name in STOP else name


def mine(posts: Iterable[Post], lexicon: Lexicon | None = None) -> list[Evidence]:
    """Spellings posts write beside a Latin name, one piece of evidence per post and pair."""
    known = lexicon.aliases if lexicon else {}
    found: set[Evidence] = set()
    for post in posts:
        if post.is_repost:
            continue
        text = clean_text(to_simplified(post.text or ""))
        pairs = [(m.group(1), m.group(2), "beside") for m in _BESIDE.finditer(text)]
        pairs += [(m.group(1), m.group(2), "paren") for m in _PAREN_ZH_LATIN.finditer(text)]
        pairs += [(m.group(2), m.group(1), "paren") for m in _PAREN_LATIN_ZH.finditer(text)]
        for spelling, latin, kind in pairs:
            name = _name_key(latin)
            if (name and spelling.lower() not in known and not _VERBISH.search(spelling)
                    and not _PROSE.search(spelling)):
                found.add((spelling, name, post.id, kind))
    return sorted(found)


def accepted(counts: Sequence[tuple[str, str, int, int]], consistency: float = 0.8
             ) -> dict[str, str]:
    """Spelling → key for the mined aliases taught clearly enough: by one post that writes one
    name in brackets after the other, or by :data:`BESIDE_POSTS` posts that write them side by
    side, and consistently (the key has ``consistency`` of the spelling's evidence).
    ``counts``: (spelling, key, posts in brackets, posts side by side), as the store sums them."""
    by_spelling: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for spelling, name, paren, beside in counts:
        strength = BESIDE_POSTS * paren + beside
        by_spelling[spelling].append((strength, name))
    result = {}
    for spelling, options in by_spelling.items():
        options.sort(key=lambda o: (-o[0], o[1]))
        best, total = options[0], sum(n for n, _ in options)
        if best[0] >= BESIDE_POSTS and best[0] >= consistency * total:
            result[spelling] = best[1]
    return result
