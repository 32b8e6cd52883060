"""The many-posts paths of featurisation equal their one-post definitions: script counts
(:func:`detect_langs` = :func:`detect_lang`), shingles of a block (= ``_shingles`` per text,
which strips with the regex ``[\\W_]+``), and the word-character table behind them."""

from __future__ import annotations

import gc
import re
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidigest.models import Author, Post
from aidigest.stories import features as F
from aidigest.stories.normalize import clean_text, detect_lang, detect_langs

PIECES = ["a", "Z", " ", "\t", "\n", "_", ".", "发布", "模型", "\u3042\u3044", "\uac00", "\u3400",
          "\u00df", "\u0130", "\U0001F600", "\U00020000", "\U0001D7D8", "1", "\ud800", "GPT-5"]
texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def test_word_table_is_what_the_strip_regex_keeps() -> None:
    codes = np.arange(0x110000, dtype=np.uint32)
    expected = np.array([F._STRIP.sub("", chr(c)) != "" for c in range(0x110000)])
    assert (F._word_chars(codes) == expected).all()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(texts, st.text(max_size=40)), max_size=12),
       st.sampled_from([None, "zh-CN", "en", "ja"]))
def test_langs_and_shingles_of_many_equal_those_of_one(batch: list[str], tag: str | None) -> None:
    assert detect_langs(batch, [tag] * len(batch), block=5) == [detect_lang(t, tag) for t in batch]
    many = F._shingles_many(batch, block=5)
    assert len(many) == len(batch)
    for text, found in zip(batch, many, strict=True):
        one = F._shingles(text)
        assert found.dtype == one.dtype and np.array_equal(found, one)


@settings(max_examples=300, deadline=None)
@given(st.one_of(texts, st.text(max_size=60),
                 st.text(alphabet=st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2028\u3000a"))))
def test_clean_text_collapses_white_space_as_the_regex(text: str) -> None:
    # clean_text joins ``str.split()``: the same as ``\s+`` → one space, stripped
    assert " ".join(text.split()) == re.sub(r"\s+", " ", text).strip()
    assert clean_text("  RT @x:  a \u3000\n b https://t.co/x  c ") == "a b c"


def test_langs_of_known_texts() -> None:
    batch = ["OpenAI 发布了新模型", "これはテストです", "안녕하세요", "hello", "", "123",
             "发布 a b c d e f g h i"]
    assert detect_langs(batch, [None] * 7) == ["zh", "ja", "ko", "en", "und", "und", "zh"]
    assert detect_langs([], []) == []


def test_the_collector_is_restored_as_it_was() -> None:
    post = Post(id="1", url="https://x.com/a/status/1", author=Author("a"),
                created_at=datetime(2025, 12, 6, tzinfo=UTC), text="OpenAI GPT-5.1")
    assert gc.isenabled()
    assert F.featurize_many([post])[0].ents.strong == {"gpt5.1"}
    assert gc.isenabled()
    gc.disable()
    try:
        F.featurize_many([post])
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(AttributeError):
        F.featurize_many([None])  # type: ignore[list-item]
    assert gc.isenabled()
