"""Novelty across two consecutive slots: the continuing event is not repeated, a genuine
follow-up is kept (and says what is new), a fresh event is unaffected."""

from __future__ import annotations

from aidigest.slots import parse_slot
from aidigest.stories import build_stories, select_stories
from stories_eval import history_of, make_post

FIRST, SECOND = parse_slot("2025-12-07T08"), parse_slot("2025-12-07T12")

SLOT1 = [
    make_post("101", "OpenAI", "GPT-5.1 is rolling out in ChatGPT: GPT-5.1 Instant is warmer, GPT-5.1 "
              "Thinking adapts how long it thinks.", "2025-12-06T21:00:00Z", 5000),
    make_post("102", "op7418", "OpenAI发布GPT-5.1，包括Instant和Thinking两个版本，对话更温暖。",
              "2025-12-06T21:20:00Z", 300),
    make_post("103", "MistralAI", "Introducing Mistral 3: Mistral Large 3 and Ministral 3, Apache 2.0.",
              "2025-12-06T22:00:00Z", 800),
]
REPOST = make_post("201", "fan", "RT @OpenAI: GPT-5.1 is rolling out", "2025-12-07T00:30:00Z",
                   repost_of="101")
CHATTER = make_post("202", "dotey", "GPT-5.1 Instant 的对话风格确实更温暖了，Thinking 也更聪明。",
                    "2025-12-07T01:00:00Z", 200)
FOLLOW_UP = make_post("203", "OpenAIDevs", "GPT-5.1 is now available in the API, priced at $1.25 / "
                      "$10 per million tokens, with a new 24h prompt cache.", "2025-12-07T02:00:00Z", 900)
FRESH = make_post("204", "Kling_ai", "Kling 2.6 is live with native audio generation.",
                  "2025-12-07T02:30:00Z", 700)


def _published_first_slot() -> list[dict[str, object]]:
    stories = build_stories(SLOT1, slot=FIRST)
    chosen = select_stories(stories)
    assert {s.representative.id for s in chosen} == {"101", "103"}
    return history_of(FIRST.key, chosen)


def test_a_continuing_event_without_news_is_not_repeated() -> None:
    history = _published_first_slot()
    window = [*SLOT1, REPOST, CHATTER, FRESH]
    stories = build_stories(window, slot=SECOND, history=history)
    by_post = {p.id: s for s in stories for p in s.posts}
    assert by_post["201"].filtered == "already published"
    assert by_post["202"].filtered == "already published"
    assert any(r.startswith("already published in 2025-12-07T08: ") for r in by_post["202"].reasons)
    chosen = select_stories(stories)
    assert [s.representative.id for s in chosen] == ["204"]


def test_a_genuine_follow_up_is_kept_and_says_what_is_new() -> None:
    history = _published_first_slot()
    window = [*SLOT1, REPOST, CHATTER, FOLLOW_UP, FRESH]
    stories = build_stories(window, slot=SECOND, history=history)
    story = next(s for s in stories if "203" in s.post_ids)
    assert story.filtered is None
    assert story.representative.id == "203"
    assert story.score_parts["novelty"] < 1.0
    assert any(r.startswith("update of 2025-12-07T08") for r in story.reasons)
    assert story.continues is not None and story.continues.kind == "update"
    chosen = {s.representative.id for s in select_stories(stories)}
    assert "203" in chosen and "204" in chosen
    assert not chosen & {"101", "102", "201", "202"}


def test_without_history_nothing_is_filtered_for_novelty() -> None:
    stories = build_stories([*SLOT1, CHATTER], slot=SECOND)
    assert all(s.filtered is None for s in stories)
