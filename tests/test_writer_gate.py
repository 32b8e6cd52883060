"""The quality gate (writer/gate.py): one passing item, then failing examples for every rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from aidigest.models import Author, DigestItem, Post, Story
from aidigest.writer import gate
from aidigest.writer.gate import Subject, check, check_subject

POST_EN = ("Introducing Qwen3-TTS! 49 high-quality voices, 10 languages and 9 Chinese dialects, "
           "with natural prosody that adapts to the text. You can now torch.compile it with quanto.")
POST_ZH = ("阿里巴巴推出 Qwen3-TTS 语音合成模型：提供49种音色，支持中英文等10种语言和9种中国方言，"
           "能根据文本自动调整语气与节奏。")
POST_LISTEN = "ListenHub 上线了文章转PPT：丢进去一篇长文，AI自己拆结构、选版式、配插图。不用再手动调排版。"
TITLE = "阿里发布Qwen3-TTS，49种音色覆盖9种方言"
SUMMARY = ("阿里巴巴推出语音合成模型**Qwen3-TTS**，提供**49种音色**，支持中英文等10种语言和9种中国方言，"
           "能根据文本内容自动调整语气与节奏。对需要多语种配音、方言播报和有声内容制作的开发者来说，"
           "这意味着可以用一个开源模型覆盖过去需要多家商业服务才能完成的工作，部署成本和接入门槛都明显降低，"
           "也让中小团队更容易做出自然的语音产品。")


def subject(**changes: object) -> Subject:
    base = Subject(TITLE, SUMMARY, (POST_EN, POST_ZH, POST_LISTEN), ("Qwen", "小互", "宝玉"), llm=True)
    return replace(base, **changes)  # type: ignore[arg-type]


def rules(s: Subject) -> list[str]:
    return gate.failed_rules(check_subject(s))


def test_a_good_item_passes() -> None:
    assert 120 <= len(SUMMARY.replace("**", "")) <= 260
    assert check_subject(subject()) == []


@pytest.mark.parametrize("title", ["", "阿" * 41, "Alibaba releases Qwen3-TTS with 49 voices for 10 langs"])
def test_title_length(title: str) -> None:
    assert "title-length" in rules(subject(title=title))


@pytest.mark.parametrize("title", ["Introducing Qwen3-TTS! 49 high-qual…", "You can now torch.comp",
                                   "阿里巴巴推出 Qwen3-T…"])
def test_title_cut_inside_a_word(title: str) -> None:
    assert "title-cut" in rules(subject(title=title, llm=False))


def test_title_cut_at_a_word_boundary_passes() -> None:
    assert "title-cut" not in rules(subject(title="Introducing Qwen3-TTS! 49 high-quality…"))
    assert "title-cut" not in rules(subject(title="阿里巴巴推出 Qwen3-TTS 语音合成模型"))


@pytest.mark.parametrize("title", ["You can now torch.compile", "Introducing Qwen3-TTS! 49",
                                   "阿里巴巴推出 Qwen3-TTS 语音"])
def test_title_phrase_cut_mid_phrase(title: str) -> None:
    assert "title-phrase" in rules(subject(title=title, llm=False, extractive=True))


@pytest.mark.parametrize("title", ["You can now torch.compile it with quanto",
                                   "Introducing Qwen3-TTS", "49 high-quality voices, 10 languages",
                                   "阿里巴巴推出 Qwen3-TTS 语音合成模型", "ListenHub 上线了文章转PPT",
                                   "阿里发布Qwen3-TTS，49种音色覆盖9种方言"])
def test_title_phrase_at_a_phrase_end_or_not_cut_from_a_post_passes(title: str) -> None:
    assert "title-phrase" not in rules(subject(title=title, llm=False, extractive=True))


def test_title_phrase_is_only_for_headlines_cut_from_posts() -> None:
    assert "title-phrase" not in rules(subject(title="You can now torch.compile it"))  # written


@pytest.mark.parametrize("summary", ["阿里推出**Qwen3-TTS**。", "阿里推出**Qwen3-TTS**。" + "很好" * 140])
def test_summary_length(summary: str) -> None:
    assert "summary-length" in rules(subject(summary=summary))


def test_summary_length_ignores_bold_markers() -> None:
    text = "阿" * 118 + "**Qw**"  # 120 visible, 124 raw
    assert "summary-length" not in rules(subject(summary=text))
    assert "summary-length" in rules(subject(summary="阿" * 117 + "**Qw**"))


@pytest.mark.parametrize("summary", [
    SUMMARY.replace("**", ""),  # none
    SUMMARY.replace("中国方言", "**中国**方言").replace("语气与节奏", "**语气**与**节奏**")
    .replace("开发者", "**开发者**"),  # six
    SUMMARY.replace("**49种音色**", "**49种音色"),  # unbalanced
])
def test_bold_count(summary: str) -> None:
    assert "bold-count" in rules(subject(summary=summary))


@pytest.mark.parametrize("glued", ["torch.**compile**", "jina-embeddings-**v5-text**", "**Qwen**3-TTS",
                                   "**GPT**5", "x**AI**", "**Gemini 3**.5"])
def test_bold_glued_inside_a_word(glued: str) -> None:
    summary = SUMMARY.replace("**Qwen3-TTS**", glued)
    assert "bold-token" in rules(subject(summary=summary))


def test_bold_beside_chinese_and_punctuation_is_a_whole_token() -> None:
    for ok in ["模型**Qwen3-TTS**，", "（**Qwen3-TTS**）", "“**Qwen3-TTS**”", "**Qwen3-TTS**. 它"]:
        assert "bold-token" not in rules(subject(summary=SUMMARY.replace("模型**Qwen3-TTS**，", ok)))
    assert "bold-token" in rules(subject(summary=SUMMARY.replace("**49种音色**", "** 49种音色**")))


def test_repeated_sentence() -> None:
    sentence = "阿里巴巴推出语音合成模型**Qwen3-TTS**，提供49种音色。"
    twice = sentence + "中间说点别的内容。" + sentence.replace("**", "")
    assert "repeated-sentence" in rules(subject(summary=twice))
    near = sentence.replace("提供49种音色", "提供了49种音色")
    assert "repeated-sentence" in rules(subject(summary=sentence + near))
    assert "repeated-sentence" not in rules(subject())


def test_two_posts_concatenated() -> None:
    qwen = ("阿里巴巴推出 **Qwen3-TTS** 语音合成模型：提供49种音色，支持中英文等10种语言和9种中国方言，"
            "能根据文本自动调整语气与节奏。")
    listen = "**ListenHub** 上线了文章转PPT：丢进去一篇长文，AI自己拆结构、选版式、配插图。"
    assert "concatenated-posts" in rules(subject(summary=qwen + listen))
    # copied sentences that all come from ONE post pass
    assert "concatenated-posts" not in rules(subject(summary=listen + "不用再手动调排版。"))
    assert "concatenated-posts" not in rules(subject(summary=qwen + "这对做多语种配音的团队很有用。"))


@pytest.mark.parametrize("dirty", ["见 https://qwen.ai/tts 。", "见qwen.ai。", "<b>重磅</b>", "[链接](x)",
                                   "`code`", "# 标题", "~~删~~", "*强调*"])
def test_markup(dirty: str) -> None:
    assert "markup" in rules(subject(summary=SUMMARY + dirty))


def test_markup_in_the_title() -> None:
    assert "markup" in rules(subject(title="阿里发布<i>Qwen3-TTS</i>"))


def test_faithful() -> None:
    invented = SUMMARY.replace("**49种音色**", "**59种音色**")
    assert "faithful" in rules(subject(summary=invented))
    assert "faithful" in rules(subject(summary=SUMMARY.replace("阿里巴巴", "OpenAI")))


def test_chinese_only_for_llm_items() -> None:
    english = ("Alibaba released **Qwen3-TTS** with 49 voices, 10 languages and 9 Chinese dialects; "
               "prosody adapts to the text, and you can now torch.compile it with quanto for faster "
               "serving on commodity hardware today.")
    assert "chinese" in rules(subject(summary=english, title="Alibaba releases Qwen3-TTS"))
    assert "chinese" not in rules(subject(summary=english, title="Alibaba releases Qwen3-TTS", llm=False))


def test_check_on_an_item_uses_the_story_posts() -> None:
    when = datetime(2025, 12, 7, 2, tzinfo=UTC)
    posts = tuple(Post(id=str(n), url=f"https://x.com/a/status/{n}", author=Author("a", "小互"),
                       created_at=when, text=t) for n, t in enumerate((POST_EN, POST_ZH)))
    story = Story(id="s", posts=posts, representative=posts[0])
    item = DigestItem(title=TITLE, summary=SUMMARY, url=posts[0].url, author_name="小互",
                      story_id="s", post_id="0", writer="llm:m")
    assert check(item, story) == []
    failures = check(replace(item, title="阿" * 50), story)
    assert [f.rule for f in failures] == ["title-length"]
    assert "title-length" in gate.describe(failures)


def test_the_item_prompts_own_example_obeys_the_gate() -> None:
    from aidigest.writer import prompt as pr
    from aidigest.writer.schema import parse_item

    system = pr.load(pr.ITEM).system.template
    demo = parse_item(system.split("never reuse its content):\n", 1)[1].strip())
    example = Subject(demo.title, demo.summary, (), (), llm=True)
    broken = [f for f in check_subject(example) if f.rule != "faithful"]  # fictitious facts
    assert broken == []
    assert "subject + action + point" in system and "why it matters" in system
