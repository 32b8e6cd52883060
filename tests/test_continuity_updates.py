"""What makes a continuing story an update rather than a repeat: a real new fact, in a clause
that states a stage of the event the published item never reached. Retellings that only name
a stage ("the API" in a funding story, "benchmarks" without a result), deny it ("尚未正式发布")
or only announce it ("coming soon") are repeats; results with figures and a launch after a
teaser are updates. Realistic posts written for these tests, through ``build_stories``."""

from __future__ import annotations

from aidigest.models import Post
from aidigest.slots import parse_slot
from aidigest.stories import build_stories
from aidigest.stories.continuity import known_stages, stated
from stories_eval import make_post

DAY1, DAY2 = parse_slot("2026-03-04T08"), parse_slot("2026-03-05T08")


def _verdict(published: Post, new: Post) -> tuple[str, tuple[str, ...]]:
    history = [{"slot": DAY1.key, "post_id": published.id, "post_ids": [published.id],
                "title": "t", "summary": "", "url": published.url, "posts": [published]}]
    (story,) = build_stories([new], slot=DAY2, history=history)
    assert story.continues is not None, story.reasons  # the same event
    return story.continues.kind, story.continues.new_facts


def _old(text: str) -> Post:
    return make_post("p1", "NVIDIAAI", text, "2026-03-03T21:00:00Z", 4000)


def _new(text: str) -> Post:
    return make_post("n1", "testingcatalog", text, "2026-03-04T21:00:00Z", 500)


LAUNCH = ("NVIDIA introduced Nemotron 3 Super, a 120B-parameter open model with a 1M-token "
          "context and a hybrid Mamba-Transformer MoE architecture for agentic workloads.")


def test_a_retelling_that_only_names_a_stage_is_a_repeat() -> None:
    kind, facts = _verdict(_old(LAUNCH), _new(
        "NVIDIA's Nemotron 3 Super, the 120B hybrid Mamba-Transformer MoE model with a "
        "1M-token context, drew praise from Sebastian Raschka: people liked its benchmarks "
        "and its API story."))
    assert (kind, facts) == ("repeat", ())


def test_a_denied_or_announced_stage_is_no_update() -> None:
    kind, _ = _verdict(_old(LAUNCH), _new(
        "英伟达的 Nemotron 3 Super 是 120B 混合 Mamba-Transformer MoE 模型，上下文 1M，"
        "目前尚未正式上线 API，Nemotron 3 Super Pro 即将开放 GA。"))
    assert kind == "repeat"


def test_results_with_a_figure_a_day_later_are_an_update() -> None:
    kind, facts = _verdict(_old(LAUNCH), _new(
        "Nemotron 3 Super results are in: the 120B hybrid MoE model scores 62.4% on SWE-bench "
        "Verified, and ranks first among open models at $0.30 per million tokens."))
    assert kind == "update" and "62.4%" in facts


def test_a_launch_after_a_teaser_is_an_update() -> None:
    teaser = _old("NVIDIA teased Nemotron 3 Super: a 120B hybrid Mamba-Transformer MoE model "
                  "with a 1M-token context is coming soon for agentic workloads.")
    kind, facts = _verdict(teaser, _new(
        "NVIDIA released Nemotron 3 Super today: the 120B hybrid Mamba-Transformer MoE model "
        "with a 1M-token context ships in Amazon Bedrock with NeMo recipes for agentic workloads."))
    assert kind == "update" and "amazonbedrock" in facts


def test_stages_are_read_clause_by_clause() -> None:
    assert stated("目前该模型仍处于预览测试阶段，尚未正式发布。") == []
    assert stated("GPT-5.4 is coming with a 1M token context window") == []
    (said, clause), = stated("it is in preview, and now available in the API for everyone")
    assert said == {"available", "api"} and "API" in clause
    assert "launch" in known_stages(["Mistral released Voxtral TTS, an open-weight model."])
    assert "launch" not in known_stages(["GPT-5.4 teased with a 'sooner than you think' post"])


def test_the_api_after_a_consumer_rollout_is_an_update() -> None:
    rollout = make_post("p1", "OpenAI", "GPT-5.5 is rolling out today to ChatGPT Plus, Pro and "
                        "Team users: our strongest model for agentic coding and long tasks.",
                        "2026-03-03T21:00:00Z", 8000)
    kind, facts = _verdict(rollout, _new("GPT-5.5 is now available in the API for developers: "
                                         "the strongest GPT model for agentic coding and long "
                                         "tasks."))
    assert kind == "update" and "gpt5.5" in facts
