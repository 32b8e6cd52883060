"""Continuity across slots through the real pipeline (two runs on consecutive days, real store,
offline writer): a launch and its results a day later (an update, marked and naming the earlier
digest), the same launch retold by other accounts (a repeat: dropped, linked and shown), two
different events that share "OpenAI" or "GPT-5.5" (both kept), and a hyphen variant of a name
(U+2011 against "-": a repeat). Posts written for these tests."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from aidigest.cli import main
from aidigest.config import Config, config_from_dict
from aidigest.desk.views import slot_page
from aidigest.pipeline import RunOptions, RunResult, run_slot
from aidigest.publish import init_site
from aidigest.slots import parse_slot
from aidigest.store import open_store
from aidigest.stories import build_stories
from stories_eval import make_post

DAY1, DAY2 = parse_slot("2026-03-04T08"), parse_slot("2026-03-05T08")  # 20:00–24:00 UTC
NB = "\u2011"  # non-breaking hyphen, as some accounts write product names

LAUNCH = [
    ("a1", "GoogleDeepMind", f"Introducing Gemini 3.1 Flash{NB}Lite, our fastest and most "
     "cost-efficient Gemini 3 model yet. It is rolling out in preview today in Google AI Studio "
     "and Vertex AI, with adjustable thinking levels for high-volume workloads like translation "
     "and content moderation.", 5000),
    ("a2", "OfficialLoganK", f"Gemini 3.1 Flash{NB}Lite is here: our fastest Gemini 3 model, built "
     "for high-volume workloads, now in preview in AI Studio and Vertex AI.", 1200),
    ("a3", "OpenAI", "GPT-5.5 is rolling out today to ChatGPT Plus, Pro and Team users. It is our "
     "strongest model for agentic coding, with a 1M-token context window in the API.", 8000),
    ("a4", "MistralAI", "Mistral Small 4 is out: a 24B open-weight model under Apache 2.0 that runs "
     "on a single RTX 4090, with native function calling and a 128k context.", 2000),
]
RETOLD = [
    ("b1", "testingcatalog", "Google released Gemini 3.1 Flash-Lite in preview: the fastest and "
     "most cost-efficient Gemini 3 model, with adjustable thinking levels, in AI Studio and "
     "Vertex AI for high-volume workloads.", 900),
    ("b2", "kimmonismus", "Gemini 3.1 Flash-Lite is Google's fastest Gemini 3 model so far, now in "
     "preview in AI Studio and Vertex AI with adjustable thinking levels.", 700),
]
RESULTS = ("b3", "arena", "Gemini 3.1 Flash-Lite results are in: it scores 86.9% on GPQA Diamond "
           "and ranks #1 on our speed leaderboard, 2.5x faster than Gemini 2.5 Flash at $0.25 per "
           "million input tokens.", 3000)
SHARING = [
    ("b4", "OpenAI", "OpenAI reorganises its research teams: Mark Chen becomes chief research "
     "officer, and a new group will focus on long-horizon reasoning and safety research.", 6000),
    ("b5", "perplexity_ai", "GPT-5.5 comes to Perplexity Max: subscribers can now pick it as the "
     "default model for Perplexity search and Comet, our browser assistant. Pro subscribers get "
     "it next week with a daily limit.", 1500),
]
FRESH = ("b6", "Kling_ai", "Kling 3.0 is live with native 4K video generation, multi-shot "
         "storyboards and lip-synced dialogue in eight languages. Creators on the Pro plan get it "
         "first, with clips of up to 15 seconds.", 2500)


def _line(pid: str, handle: str, text: str, likes: int, when: str) -> str:
    return json.dumps({"id": pid, "url": f"https://x.com/{handle}/status/{pid}",
                       "author": {"handle": handle}, "created_at": when, "text": text,
                       "metrics": {"likes": likes}}, ensure_ascii=False)


def _posts(root: Path, day2: list[tuple[str, str, str, int]]) -> None:
    lines = [_line(*p, f"2026-03-03T2{n}:10:00Z") for n, p in enumerate(LAUNCH)]
    lines += [_line(*p, f"2026-03-04T2{n}:20:00Z") for n, p in enumerate(day2)]
    (root / "posts.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _setup(root: Path, day2: list[tuple[str, str, str, int]]) -> Config:
    _posts(root, day2)
    init_site(root / "site")
    data = {"sources": [{"name": "posts", "kind": "jsonl", "path": "posts.jsonl"}],
            "digest": {"items": {"min": 1, "max": 8}}, "publish": {"build": False}}
    (root / "aidigest.toml").write_text(
        '[digest]\nitems = { min = 1, max = 8 }\n[publish]\nbuild = false\n'
        '[[sources]]\nname = "posts"\nkind = "jsonl"\npath = "posts.jsonl"\n', encoding="utf-8")
    return config_from_dict(data, root)


def _two_days(root: Path, day2: list[tuple[str, str, str, int]]) -> tuple[Config, RunResult]:
    cfg = _setup(root, day2)
    with open_store(cfg.store_path) as store:
        first = run_slot(cfg, store, RunOptions(DAY1, fetch=True))
        assert first.report.outcome == "published", first.report
        second = run_slot(cfg, store, RunOptions(DAY2, fetch=True))
    return cfg, second


def _story_of(result: RunResult, pid: str):  # type: ignore[no-untyped-def]
    return next(s for s in result.stories if pid in s.post_ids)


def test_results_a_day_after_a_launch_are_an_update_marked_and_naming_the_earlier_digest(
        tmp_path: Path) -> None:
    cfg, second = _two_days(tmp_path, [RESULTS, FRESH])
    story = _story_of(second, "b3")
    assert story.filtered is None and story.continues is not None
    assert story.continues.kind == "update" and story.continues.slot == DAY1.key
    assert {"86.9%", "$0.25", "gpqadiamond"} <= set(story.continues.new_facts)
    markdown = second.markdown or ""
    line = next(x for x in markdown.splitlines() if "Flash-Lite" in x and x[:1].isdigit())
    assert "[更新：Gemini 3.1 Flash-Lite results are in-arena](https://x.com/arena/status/b3)" in line
    summary = markdown.split(line, 1)[1].strip().splitlines()[0]
    assert summary.startswith(f"{DAY1.label} 期报道后的新进展：") and "86.9%" in summary
    with open_store(cfg.store_path) as store:
        (link,) = [lk for lk in store.story_links(DAY2.key) if lk.story_id == story.id]
        earlier = store.get_digest(DAY1.key)
    assert link.kind == "update" and link.earlier_slot == DAY1.key
    assert earlier and link.earlier_post_id in {i.post_id for i in earlier.items}
    assert "86.9%" in link.new_facts and link.evidence
    assert any("kept as updates" in n for n in second.report.notes)


def test_the_same_launch_retold_by_other_accounts_is_dropped_linked_and_shown(
        tmp_path: Path) -> None:
    cfg, second = _two_days(tmp_path, [*RETOLD, FRESH])
    story = _story_of(second, "b1")
    assert "b2" in story.post_ids  # one story, its hyphen spelled "-" where the item had U+2011
    assert story.filtered == "already published"
    assert story.continues is not None and story.continues.kind == "repeat"
    assert any(r.startswith(f"already published in {DAY1.key}: ") for r in story.reasons)
    assert "Flash-Lite" not in (second.markdown or "")
    assert "Kling 3.0" in (second.markdown or "")
    with open_store(cfg.store_path) as store:
        links = store.story_links(DAY2.key)
        later = store.links_to(DAY1.key)
    assert [(lk.story_id, lk.kind) for lk in links] == [(story.id, "repeat")] == [
        (lk.story_id, lk.kind) for lk in later]
    assert any("dropped as repeats" in n and story.id in n for n in second.report.notes)
    with open_store(cfg.store_path) as store:
        page = slot_page(cfg, store, DAY2.key)  # the desk's slot page
    (shown,) = [c for c in page["candidates"] if c["id"] == story.id]
    assert shown["why"].startswith("filtered: already published: repeats “")
    assert f"of {DAY1.key}" in shown["why"]
    out = CliRunner().invoke(main, ["stories", "--slot", DAY2.key, "--config",
                                    str(tmp_path / "aidigest.toml")], terminal_width=400)
    assert out.exit_code == 0, out.output
    assert "FILTERED: already published" in out.output
    assert f"already published in {DAY1.key}" in " ".join(out.output.split())


def test_two_different_events_sharing_openai_or_gpt55_are_both_kept(tmp_path: Path) -> None:
    _cfg, second = _two_days(tmp_path, [*SHARING, FRESH])
    for pid in ("b4", "b5"):
        story = _story_of(second, pid)
        assert story.filtered is None, story.reasons
        assert story.continues is None or story.continues.kind == "update"
    markdown = second.markdown or ""
    assert "chief research officer" in markdown and "Perplexity Max" in markdown


def test_a_hyphen_variant_of_a_published_name_is_a_repeat() -> None:
    published = make_post("p1", "GoogleDeepMind", f"Gemini 3.1 Flash{NB}Lite is rolling out in "
                          "preview in AI Studio and Vertex AI.", "2026-03-03T21:00:00Z", 5000)
    history = [{"slot": DAY1.key, "post_id": "p1", "post_ids": ["p1"], "title": "Flash‑Lite",
                "summary": "", "url": published.url, "posts": [published]}]
    new = make_post("n1", "testingcatalog", "Gemini 3.1 Flash-Lite is rolling out in preview in "
                    "AI Studio and Vertex AI.", "2026-03-04T21:00:00Z", 300)
    (story,) = build_stories([new], slot=DAY2, history=history)
    assert story.filtered == "already published"
    assert story.continues is not None and story.continues.post_id == "p1"
