"""Long and repetitive post text (issue 17, defect 2): every stage reads it in linear time and
still gets it right. A 2 MB word once kept the alias miner busy for hours; lines without a full
stop were dropped by the writer's sentence splitter, which was quadratic too.

These tests check what comes out on such inputs; how long the digest takes with them is
measured by ``benchmarks/bench_long_inputs.py`` (no timings here)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.models import Post
from aidigest.render.hugo import summary_markdown
from aidigest.store import open_store
from aidigest.stories.aliases import mine
from aidigest.stories.entities import extract
from aidigest.stories.normalize import ANALYSED_CHARS, analysed, canonical_url, clean_text
from aidigest.writer import text as tx
from aidigest.writer.gate import has_link
from aidigest.writer.schema import LINKISH
from long_inputs import ids, long_posts
from stories_eval import make_post

WHEN = "2025-12-06T21:00:00Z"
WORD = "A" * 2_000_000


def test_the_alias_miner_reads_a_2mb_word_once_and_still_finds_the_alias_after_it() -> None:
    post = make_post("1", "x", f"big {WORD} 硅基流动（SiliconFlow）发布新模型 x{WORD}（星辰大海）", WHEN)
    found = {(spelling, name, kind) for spelling, name, _pid, kind in mine([post])}
    assert found == {("硅基流动", "siliconflow", "paren")}  # a 2 MB run is no name


def test_names_after_a_long_run_of_name_characters_are_still_mined() -> None:
    run = "1.2-" * 25_000  # 100,000 characters a Latin name may continue with
    post = make_post("1", "x", f"{run}Kimi（星辰大海） and {'a' * 100_000} Zhipu（清言智能）", WHEN)
    pairs = {(spelling, name) for spelling, name, _pid, _kind in mine([post])}
    assert pairs == {("星辰大海", "kimi"), ("清言智能", "zhipu")}


def test_10000_mentions_and_names_are_all_found() -> None:
    mentions = extract(" ".join(f"@user{i}" for i in range(10_000)))
    assert len(mentions.mentions) == 10_000
    names = " ".join(f"Acme{i} Labs{i}" for i in range(10_000))
    ents = extract(f"Introducing Qwen3-TTS. {names}")
    assert "qwen3tts" in ents.primary and "acme9999" in ents.strong
    assert not any(k.startswith("acme9") for k in ents.primary)  # far from the subject


def test_sentences_of_long_lines_are_kept_whole_and_none_is_dropped() -> None:
    long_line = "a" * 100_000
    assert tx.sentences(f"{long_line}\nsecond line\nlast one.") == [long_line, "second line",
                                                                     "last one."]
    assert tx.sentences("Version 5.1 is out. It is faster! 第二句话。最后一句话") == [
        "Version 5.1 is out.", "It is faster!", "第二句话。", "最后一句话"]


def test_link_checks_on_long_runs_answer_right() -> None:
    run = "a." * 50_000
    assert not has_link(run + " and " + "x" * 100_000)
    assert has_link(run + " see foo.com today")
    assert has_link("x" * 100_000 + " mail me at someone@example.org")
    assert has_link(".https://evil.example/x" + "-" * 50_000)
    assert LINKISH.search("[" * 50_000 + "x]") and not LINKISH.search("[" * 50_000)
    assert not LINKISH.search("_" * 100_000 + "@")
    dots = "." * 100_000
    assert canonical_url(f"https://example.com/a{dots}x") == f"example.com/a{dots}x"
    assert canonical_url("https://example.com/a/" + " ." * 50_000) == "example.com/a"


def test_render_keeps_long_runs_and_removes_links_in_them() -> None:
    text = "**Qwen3** " + "b." * 30_000 + " www.evil.example/x " + "1+" * 30_000 + "ftp://x.y/z"
    shown = summary_markdown(text)
    assert shown.startswith("**Qwen3** b.b.") and "evil" not in shown and "ftp" not in shown


def test_a_post_longer_than_the_bound_is_cut_at_a_space() -> None:
    long = make_post("1", "x", "word " * 3_000, WHEN)
    short = make_post("2", "y", "short text", WHEN)
    kept, cut = analysed([long, short])
    assert [p.id for p in cut] == ["1"] and kept[1] is short
    assert len(kept[0].text) <= ANALYSED_CHARS and kept[0].text.endswith("word")
    assert clean_text(kept[0].text).split(" ") == ["word"] * len(kept[0].text.split(" "))


@pytest.fixture(scope="module")
def digest_with_long_posts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The sample window plus the five long inputs (a chain of 300 quotes), through
    ``aidigest import`` and ``aidigest run`` as a user would."""
    root = tmp_path_factory.mktemp("long") / "digest"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(root)]).exit_code == 0
    cfg = root / "aidigest.toml"
    text = cfg.read_text(encoding="utf-8").replace("build = true", "build = false")
    cfg.write_text(text.replace("embeddings = true", "embeddings = false", 1), encoding="utf-8")
    rows = long_posts(datetime(2025, 12, 6, 20, tzinfo=UTC), chain=300)
    (root / "long.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                     encoding="utf-8")
    assert runner.invoke(main, ["import", str(root / "long.jsonl"), "--config", str(cfg)]).exit_code == 0
    result = runner.invoke(main, ["run", "--slot", "2025-12-07T08", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    with open_store(root / "aidigest.db") as store:
        (run,) = store.recent_runs(1)
        stories = store.slot_stories("2025-12-07T08")
        stored = {p.id: p for p in store.get_posts([r["id"] for r in rows])}
    return {"rows": rows, "report": run.report, "stories": stories, "stored": stored,
            "output": result.output, "page": (root / "site" / "content" / "posts" /
                                              "2025-12-07T08.md").read_text(encoding="utf-8")}


def test_the_digest_publishes_and_names_every_post_it_cut(digest_with_long_posts: dict) -> None:
    report, rows = digest_with_long_posts["report"], digest_with_long_posts["rows"]
    assert report.outcome == "published"
    (note,) = [n for n in report.notes if "characters of each are analysed" in n]
    single = ids(rows)
    for handle in ("bigword", "nospace", "mentions"):
        assert f"{single[handle]} by @{handle}" in note
    assert "2,000,004 characters" in note and single["emoji"] not in note  # 10,000 emoji fit
    assert "only the first 10,000 characters" in digest_with_long_posts["output"]


def test_the_store_keeps_the_whole_text(digest_with_long_posts: dict) -> None:
    stored: dict[str, Post] = digest_with_long_posts["stored"]  # type: ignore[assignment]
    single = ids(digest_with_long_posts["rows"])  # type: ignore[arg-type]
    assert len(stored[single["bigword"]].text) == 2_000_004
    assert len(stored[single["mentions"]].text) == len(" ".join(f"@user{i}" for i in range(10_000)))


def test_every_long_post_is_in_a_story_and_the_quote_chain_is_one(digest_with_long_posts: dict) -> None:
    rows = digest_with_long_posts["rows"]
    story_of = {pid: s.story_id for s in digest_with_long_posts["stories"] for pid in s.post_ids}
    assert all(r["id"] in story_of for r in rows)
    assert len({story_of[r["id"]] for r in rows[4:]}) == 1  # 300 quotes, one story
    assert len({story_of[r["id"]] for r in rows[:4]}) == 4


def test_the_page_holds_no_long_run(digest_with_long_posts: dict) -> None:
    page = str(digest_with_long_posts["page"])
    assert "AAAAAAAAAAAAAAAAAAAA" not in page and "@user999" not in page
    assert Path  # the page stays a normal digest: front matter and numbered items
    assert page.startswith("---\ntitle: ") and "\n1.  [" in page
