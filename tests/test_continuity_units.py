"""The parts of continuity across slots: the gate's update rules, the LLM prompt of an update,
the offline writer's update item, and the story links on both store backends."""

from __future__ import annotations

from dataclasses import replace

from aidigest.models import Continuation, Story
from aidigest.store import Store
from aidigest.writer import gate
from aidigest.writer.offline import OfflineWriter
from aidigest.writer.prompt import item_messages, update_note
from stories_eval import make_post

POST = make_post("n1", "arena", "Gemini 3.1 Flash-Lite results are in: it scores 86.9% on GPQA "
                 "Diamond and ranks #1 on our speed leaderboard, at $0.25 per million input tokens. "
                 "It is 2.5x faster than the previous Flash model on long documents.",
                 "2026-03-04T21:00:00Z", 3000)
EARLIER = ("Google 发布 **Gemini 3.1 Flash-Lite** 预览版：Gemini 3 系列中最快、性价比最高的模型，支持可调节"
           "的思考等级，已在 AI Studio 和 Vertex AI 上线，面向翻译、内容审核等高频任务。")
LINK = Continuation(kind="update", slot="2026-03-04T08", label="2026.03.04.08",
                    title="Gemini 3.1 Flash-Lite 预览版", summary=EARLIER, post_id="p1",
                    url="https://x.com/GoogleDeepMind/status/p1", evidence="shares gemini3.1flashlite",
                    score=2.0, new_facts=("86.9%", "$0.25", "gpqadiamond"))
STORY = Story(id="s-n1", posts=(POST,), representative=POST, continues=LINK)
GOOD = ("2026.03.04.08 期报道的 **Gemini 3.1 Flash-Lite** 有了第三方成绩：在 GPQA Diamond 上得分 86.9%，"
        "在速度排行榜上位列第一，每百万输入词元的价格为 $0.25，处理长文档的速度是上一代模型的 2.5x。"
        "这些成绩进一步印证了它在高频调用、批量翻译和内容审核等场景中的性价比优势。")


def _rules(title: str, summary: str, story: Story = STORY) -> list[str]:
    return gate.failed_rules(gate.check_subject(gate.subject_for(title, summary, story, llm=True)))


def test_an_update_that_leads_with_news_and_names_the_earlier_digest_passes() -> None:
    assert _rules("更新：Gemini 3.1 Flash-Lite 成绩出炉", GOOD) == []


def test_an_update_without_the_mark_or_the_earlier_label_is_refused() -> None:
    assert _rules("Gemini 3.1 Flash-Lite 成绩出炉", GOOD) == ["update-mark"]
    assert _rules("更新：Gemini 3.1 Flash-Lite 成绩出炉", GOOD.replace("2026.03.04.08 期报道的 ",
                                                                    "")) == ["update-mark"]


def test_an_update_must_say_what_is_new_and_not_repeat_the_earlier_summary() -> None:
    stale = "2026.03.04.08 期：" + EARLIER
    assert set(_rules("更新：Gemini 3.1 Flash-Lite 预览版", stale)) >= {"update-news",
                                                                    "update-repeat"}
    assert "update-repeat" not in _rules("更新：Gemini 3.1 Flash-Lite 成绩出炉", GOOD)


def test_a_new_fact_that_the_posts_do_not_carry_is_refused() -> None:
    moved = replace(LINK, new_facts=("86.9%", "99.1%"))
    story = replace(STORY, continues=moved)
    invented = GOOD.replace("86.9%", "99.1%")
    assert "update-news" in _rules("更新：Gemini 3.1 Flash-Lite 成绩出炉", invented, story)


def test_a_repeat_or_a_new_story_is_not_held_to_the_update_rules() -> None:
    plain = replace(STORY, continues=None)
    repeat = replace(STORY, continues=replace(LINK, kind="repeat", new_facts=()))
    for story in (plain, repeat):
        assert not {"update-mark", "update-news", "update-repeat"} & set(
            _rules("Gemini 3.1 Flash-Lite 成绩出炉", GOOD, story))


def test_the_llm_prompt_of_an_update_names_the_earlier_digest_and_fences_its_summary() -> None:
    note = update_note(STORY)
    assert "2026.03.04.08" in note and "<<<EARLIER" in note and "EARLIER>>>" in note
    assert "**" not in note  # the earlier summary enters as plain data
    user = item_messages(STORY)[1]["content"]
    assert note.strip() in user
    assert update_note(replace(STORY, continues=None)) == ""
    assert "EARLIER" not in item_messages(replace(STORY, continues=None))[1]["content"]


def test_the_offline_writer_marks_an_update_and_leads_with_the_earlier_label() -> None:
    item, report = OfflineWriter("更新：").gated(STORY)
    assert item is not None, report.notes
    assert item.title.startswith("更新：Gemini 3.1 Flash-Lite results are in")
    assert item.summary.startswith("2026.03.04.08 期报道后的新进展：")
    custom = OfflineWriter("UPDATE ").write_one(STORY)  # the configured prefix, whatever it is
    assert custom.title.startswith("UPDATE Gemini") and gate.check(custom, STORY, "UPDATE ") == []
    assert "update-mark" in gate.failed_rules(gate.check(custom, STORY, "更新："))


def test_story_links_are_stored_and_read_on_both_backends(any_store: Store) -> None:
    other = make_post("n2", "dotey", "无关的帖子", "2026-03-04T21:30:00Z")
    stories = [STORY, Story(id="s-n2", posts=(other,), representative=other),
               replace(STORY, id="s-n3", continues=replace(LINK, kind="repeat", new_facts=()),
                       filtered="already published")]
    any_store.save_stories("2026-03-05T08", stories)
    links = any_store.story_links("2026-03-05T08")
    assert [(lk.story_id, lk.kind) for lk in links] == [("s-n1", "update"), ("s-n3", "repeat")]
    first = links[0]
    assert (first.earlier_slot, first.earlier_post_id, first.earlier_url) == (
        "2026-03-04T08", "p1", LINK.url)
    assert first.new_facts == LINK.new_facts and first.post_ids == ("n1",)
    assert first.evidence == LINK.evidence and first.score == 2.0
    assert [lk.story_id for lk in any_store.links_to("2026-03-04T08")] == ["s-n1", "s-n3"]
    any_store.save_stories("2026-03-05T08", stories[1:2])  # a rerun replaces the slot's links
    assert any_store.story_links("2026-03-05T08") == []
    assert any_store.links_to("2026-03-04T08") == []
