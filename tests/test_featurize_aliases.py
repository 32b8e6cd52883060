"""Alias matching of the entity extractor, pinned on hand-written texts.

The lexicon's aliases are found by ``_alias_scan.AliasScanner`` (a fast stand-in for the
lexicon's one big case-insensitive regex). These tests pin what the matching does — Latin
spellings stand alone, Chinese ones match anywhere, the longest spelling wins, an alias
followed by a version gives a strong key, multi-word spellings — and check the scanner
against the regex it stands in for, so a future change cannot silently alter either.
"""

from __future__ import annotations

import random

import pytest

from aidigest.stories._alias_scan import AliasScanner
from aidigest.stories.entities import Lexicon, default_lexicon, extract

EXTRA = Lexicon.build({"面壁智能": "modelbest", "Moonshot AI": "moonshot", "K2": "kimi"})


def spans(lexicon: Lexicon, text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in lexicon.matches(text)]


def regex_spans(lexicon: Lexicon, text: str) -> list[tuple[int, int, str]]:
    assert lexicon.pattern is not None
    return [(m.start(), m.end(), m.group(0)) for m in lexicon.pattern.finditer(text)]


@pytest.mark.parametrize(("text", "found"), [
    ("Ilya left the lab.", True),
    ("we met ilya today", True),
    ("(ilya) answered", True),
    ("Ilyas left the lab.", False),   # Latin spelling inside a longer word
    ("we met xilya today", False),
    ("ilya2 is a handle", False),     # a digit after it also joins the word
])
def test_latin_alias_must_stand_alone(text: str, found: bool) -> None:
    configured = Lexicon.build({"ilya": "sutskever"})  # a Latin alias an operator configured
    assert ("sutskever" in extract(text, configured).names) is found
    assert bool(spans(configured, text)) is found


def test_chinese_alias_matches_inside_text() -> None:
    assert extract("昨天英伟达发布了新卡").names == {"nvidia"}
    assert spans(default_lexicon(), "昨天英伟达发布了新卡") == [(2, 5, "英伟达")]
    assert "zhipu" in extract("北京智谱AI发布新模型").names
    assert "modelbest" in extract("清华系面壁智能发布新模型", EXTRA).names
    assert "modelbest" not in extract("清华系面壁智能发布新模型").names  # only with the extra alias


def test_longest_spelling_wins_and_matches_do_not_overlap() -> None:
    # 英伟达黄仁勋 is one spelling: neither 英伟达 nor 黄仁勋 is matched inside it
    assert spans(default_lexicon(), "英伟达黄仁勋说") == [(0, 6, "英伟达黄仁勋")]
    assert extract("英伟达黄仁勋说").names == {"jensenhuang"}
    assert spans(default_lexicon(), "字节跳动和字节") == [(0, 4, "字节跳动"), (5, 7, "字节")]
    assert spans(default_lexicon(), "通义千问上线") == [(0, 4, "通义千问")]


@pytest.mark.parametrize(("text", "strong"), [
    ("阿里发布千问3了", "qwen3"),
    ("千问 3.5 来了", "qwen3.5"),
    ("通义千问v2发布", "qwenv2"),
    ("英伟达B200开卖", "nvidiab200"),
])
def test_alias_followed_by_a_version_is_a_strong_key(text: str, strong: str) -> None:
    ents = extract(text)
    assert strong in ents.strong
    assert strong not in ents.names


def test_alias_followed_by_a_word_is_no_version() -> None:
    assert not {k for k in extract("千问 3.5x 来了").strong if k.startswith("qwen")}


@pytest.mark.parametrize(("text", "key"), [
    ("The Wall Street Journal says so", "wsj"),
    ("OPEN AI ships it", "openai"),
    ("chat gpt is down", "chatgpt"),
    ("Google DeepMind shows Genie", "deepmind"),
])
def test_multi_word_alias_any_case(text: str, key: str) -> None:
    assert key in extract(text).names


def test_multi_word_alias_must_stand_alone() -> None:
    assert "moonshot" in extract("Moonshot AI released it", EXTRA).names
    assert "openai" not in extract("xopen ai ships", default_lexicon()).names
    assert spans(EXTRA, "XMoonshot AI released") == []
    assert spans(EXTRA, "Moonshot AIs released") == []


def test_alias_in_punctuation_and_case_variants() -> None:
    assert spans(default_lexicon(), "see x.ai, not x.ais") == [(4, 8, "x.ai")]
    assert spans(EXTRA, "Kimi k2 and K2-Thinking") == [(5, 7, "k2"), (12, 14, "K2")]


def test_scanner_matches_the_regex_on_hand_written_texts() -> None:
    texts = [
        "", "Ilya", "ILYA and ilya, Ilyas", "阿里巴巴的阿里云和阿里", "英伟达黄仁勋英伟达",
        "Meta AI and meta aim", "open ai/open aix", "x.ai x.aix xx.ai", "谷歌大脑谷歌",
        "Moonshot AI K2 k2x 智谱AI 面壁智能", "chat gptchat gpt", "wall street journals wall street journal",
    ]
    for lexicon in (default_lexicon(), EXTRA):
        for text in texts:
            assert spans(lexicon, text) == regex_spans(lexicon, text), text


def test_scanner_matches_the_regex_on_generated_texts() -> None:
    """Odd spellings (regex metacharacters, characters that fold case specially: ſ, K, İ)
    and texts built from their pieces: the scanner yields exactly the regex's matches."""
    rng = random.Random(20261129)
    pieces = ["a", "b", "ab", "a-b]", "^x", "\\q", "ſ", "s", "K", "k", "İ", "i", "ı", "智谱", "谱",
              " ", ".", "-", "1", "AB", "Ab c", "\n"]
    spellings = {"".join(rng.choice(pieces) for _ in range(rng.randint(1, 3))).strip(): "n"
                 for _ in range(120)}
    lexicon = Lexicon.build({s: f"n{i}" for i, s in enumerate(spellings) if s})
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert spans(lexicon, text) == regex_spans(lexicon, text), text


def test_scanner_without_spellings_finds_nothing() -> None:
    assert list(AliasScanner([]).finditer("anything 英伟达")) == []
