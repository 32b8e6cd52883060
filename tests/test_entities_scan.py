"""The fast Latin-token scan of :mod:`aidigest.stories.entities` against a plain reference.

``_latin_runs`` walks the tokens with one regex that also skips the plain lowercase words
(see ``_GAPPED``); the reference below is the per-token loop it replaced (every token, its
neighbours read from the text). Both must give the very same runs on any text.
"""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from aidigest.stories import entities as E

_ENDERS = ".!?:\n。！？："
_JOIN = {"", " ", "-", "\n", " \n", "-\n"}


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def reference_runs(text: str) -> list[tuple[E.Run, list[int]]]:
    """Runs of adjacent Latin tokens, token by token (the slow, obvious way)."""
    matches = list(re.finditer(E._LATIN_TOKEN.pattern, text))
    counts = Counter(m.group(0) for m in matches)
    runs: list[list[tuple[str, bool, bool, int]]] = []
    last_end, broken = -10, False
    for m in matches:
        raw, start, end = m.group(0), m.start(), m.end()
        if start and text[start - 1] == "@":
            broken = True
            continue
        in_cjk = (start > 0 and _cjk(text[start - 1])) or (end < len(text) and _cjk(text[end]))
        if not in_cjk and re.fullmatch("[a-z]+", raw) and raw not in E._PLAIN_KEEP:
            broken = True
            continue
        token = (raw[:-2] if raw.endswith(("'s", "’s")) else raw).rstrip(".'’")
        ends = start == 0 or re.search(r"[.!?:\n。！？：]\s*$", text[max(0, start - 2):start])
        entry = (token, bool(ends) and counts[raw] < 2, in_cjk, start)
        if runs and not broken and text[last_end:start] in _JOIN:
            runs[-1].append(entry)
        else:
            runs.append([entry])
        last_end, broken = end, False
    return [(tuple(t[:3] for t in run), [t[3] for t in run]) for run in runs]


PIECES = ["a", "Z", "0", "9", " ", " ", ".", "-", "_", "'", "’", "@", "\n", "。", "！", "：", "?",
          "，", "发布", "模型", "千问", "$", "%", "亿", "\t", "GPT", "Gemini", "Claude", "3.5", "Pro",
          "v2", "Nano", "Banana", "pro", "qwen", "openai", "coding", "the", "《", "》", "'s",
          "OpenAI", "8B", "llama.cpp", "\u3042", "12ab3", "x", "ai2", "\u0663", "\u1946", "\uff13"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_runs_equal_the_reference(text: str) -> None:
    assert E._latin_runs(text) == reference_runs(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_runs_equal_the_reference_on_any_text(text: str) -> None:
    assert E._latin_runs(text) == reference_runs(text)


def test_runs_of_known_texts() -> None:
    text = ("OpenAI released GPT-5.1 and the pro model. OpenAI said: 阿里发布Qwen3-TTS。coding发布"
            " @sama Nano Banana")
    runs = E._latin_runs(text)
    assert runs == reference_runs(text)
    tokens = [[t[0] for t in run] for run, _offsets in runs]
    assert tokens == [["OpenAI"], ["GPT-5.1"], ["pro"], ["OpenAI"], ["Qwen3-TTS"], ["coding"],
                      ["Nano", "Banana"]]
    assert runs[0][0][0][1] is False  # "OpenAI" is said twice: a name, not a first word
    assert runs[4][0][0][2] is True  # inside CJK
    assert runs[1][1] == [text.index("GPT-5.1")]


FIGURE_PIECES = ["1", "20", "3.5", "1,000", "$", "￥", "¥", "%", "x", "×", "倍", "亿", "万亿", "美元",
                 "B", "bn", "m", "k", " ", ".", "a", "Z", "v", "-", "发布", "\u0663", "\u212a", "ſ"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FIGURE_PIECES), max_size=25).map("".join))
def test_figure_matches_equal_findall(text: str) -> None:
    assert E._figure_matches(text) == E._FIGURE_RE.findall(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_figure_matches_equal_findall_on_any_text(text: str) -> None:
    assert E._figure_matches(text) == E._FIGURE_RE.findall(text)


def test_figure_after_a_letter_or_digit_is_no_figure() -> None:
    assert E._figure_matches("GPT5 x12 $57.0B 1.5倍 ٣٤") == E._FIGURE_RE.findall("GPT5 x12 $57.0B 1.5倍 ٣٤")
    assert [n for _c, n, _u in E._figure_matches("GPT5 x12 $57.0B 1.5倍")] == ["57.0", "1.5"]


LONE = ["GPT-5.1", "Model000002-4.5", "v3.2", "8B", "Gemini", "OpenAI's", "the", "a", "12", "x",
        "Qwen3-TTS", "llama.cpp", "ai2", "AI", "pro", "Pro", "iPhone", "gpt-gpt5", "8b-8b", "3D"]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from(LONE), st.from_regex(E._LATIN_TOKEN, fullmatch=True)),
       st.booleans(), st.booleans())
def test_a_lone_token_run_finds_what_the_general_path_finds(tok: str, start: bool, cjk: bool) -> None:
    run = ((tok, start, cjk),)
    E._run_found.cache_clear()
    adds, first, parts = E._run_found(run)
    general_adds, general_first, general_parts = E._found_in_run(run)
    assert set(adds) == set(general_adds)
    assert dict(first) == dict(general_first)
    assert parts == general_parts == frozenset()  # a lone token is no phrase: no parts
