"""Normalisation and entity extraction (stories/normalize.py, stories/entities.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aidigest.stories.entities import extract
from aidigest.stories.normalize import canonical_url, detect_lang, is_generic_link, to_simplified


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://www.example.com/a/?utm_source=x&utm_medium=y", "http://example.com/a"),
        ("https://mobile.twitter.com/dotey/status/1997?s=20", "https://x.com/DOTEY/status/1997/"),
        ("https://twitter.com/i/web/status/1997", "x.com/someone/status/1997/photo/1"),
        ("https://m.youtube.com/watch?v=abc&feature=share", "https://youtu.be/abc"),
        ("https://arxiv.org/pdf/2511.21631v2", "arxiv.org/abs/2511.21631"),
        ("https://qwen.ai/blog?id=x&ref=tw#top", "https://qwen.ai/blog?id=x"),
        ("https://example.com/b?z=1&a=2", "https://example.com/b?a=2&z=1"),
    ],
)
def test_equal_links_have_one_canonical_form(a: str, b: str) -> None:
    assert canonical_url(a) == canonical_url(b)


def test_different_links_stay_different() -> None:
    assert canonical_url("https://qwen.ai/blog?id=a") != canonical_url("https://qwen.ai/blog?id=b")
    assert canonical_url("https://t.co/AbC") != canonical_url("https://t.co/abc")


def test_home_and_profile_pages_are_generic() -> None:
    assert is_generic_link(canonical_url("https://openai.com/"))
    assert is_generic_link(canonical_url("https://x.com/OpenAI"))
    assert not is_generic_link(canonical_url("https://x.com/OpenAI/status/1"))


@given(st.text(max_size=60))
def test_canonical_url_is_idempotent(text: str) -> None:
    once = canonical_url("https://example.com/" + text)
    assert canonical_url(once) == once


def test_traditional_becomes_simplified_for_matching_only() -> None:
    assert to_simplified("阿里巴巴發布語音模型") == "阿里巴巴发布语音模型"
    assert to_simplified("plain English") == "plain English"


def test_language_by_script() -> None:
    assert detect_lang("阿里发布Qwen3-TTS语音合成模型") == "zh"
    assert detect_lang("Alibaba released Qwen3-TTS, by 通义") == "en"
    assert detect_lang("これは日本語のテキストです") == "ja"
    assert detect_lang("1234", "en") == "en"


def test_versions_collapse_across_spellings_and_scripts() -> None:
    assert "gpt5.1" in extract("OpenAI发布GPT-5.1").strong
    assert "gpt5.1" in extract("gpt 5.1 is out").strong
    assert "qwen3tts" in extract("阿里巴巴推出 Qwen3-TTS 语音合成模型").strong
    rnj = extract("Essential AI released Rnj-1 8B")
    assert {"rnj1", "rnj18b"} <= rnj.strong
    assert "ernie5.0" in extract("百度发布文心5.0").strong
    assert "kling2.6" in extract("可灵2.6发布") .strong


def test_names_titles_mentions_hashtags_and_figures() -> None:
    ents = extract("谷歌和英伟达 @OpenAI #GPT5 《箭头》 营收570亿美元，增长62%")
    assert {"google", "nvidia"} <= ents.names
    assert "《箭头》" in ents.strong
    assert ents.mentions == {"openai"} and ents.hashtags == {"gpt5"}
    assert {"5.7e+10", "62%"} <= ents.figures
    assert "5.7e+10" in extract("revenue of $57.0 billion").figures


def test_sentence_start_words_are_not_names_but_products_are() -> None:
    ents = extract("Today we shipped it. Gemini 3 Deep Think is rolling out.")
    assert "today" not in ents.names
    assert {"gemini3", "gemini3deepthink"} <= ents.strong
    assert extract("Introducing Claude Opus 4.5 for coding").primary >= {"opus4.5"}
