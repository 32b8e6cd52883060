"""The first digest a newcomer sees (issue 17, defect 12): ``make run``'s slot of the bundled
sample, written by the offline writer.

Every item is written from its story's representative: it links to it, credits its author,
takes its headline from it (cut only where a phrase ends) and its summary from a post of the
same story (the representative's own when it is long enough). The README's excerpt is the
real output. Checked on the stored digest and stories with plain string tests, independently
of the writer's code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.store import open_store

SLOT = "2025-12-07T08"
README = Path(__file__).resolve().parents[1] / "README.md"
# what may follow a headline cut from a post: the end of a clause or sentence, an aside, a line
PHRASE_END = "，,；;：:、—–|。.!！?？…\n()（）《》“”\"'「」"
ASIDE = re.compile(r"《[^《》]{12,}》|（[^（）]*）|\([^()]*\)|“[^“”]{12,}”")
JOINING = {"and", "but", "while", "with", "for", "on", "at", "from", "via", "as", "after"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``make run``: ``aidigest init`` then ``aidigest run --slot 2025-12-07T08`` (the site
    build left out: it does not change the Markdown)."""
    root = tmp_path_factory.mktemp("first-run") / "demo"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(root)]).exit_code == 0
    cfg = root / "aidigest.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("build = true", "build = false"),
                   encoding="utf-8")
    result = runner.invoke(main, ["run", "--slot", SLOT, "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    with open_store(root / "aidigest.db") as store:
        digest = store.get_digest(SLOT)
        assert digest is not None
        stories = {s.story_id: s for s in store.slot_stories(SLOT)}
        wanted = {pid for s in stories.values() for pid in s.post_ids}
        posts = {p.id: p for p in store.get_posts(sorted(wanted))}
    page = (root / "site" / "content" / "posts" / f"{SLOT}.md").read_text(encoding="utf-8")
    return {"items": digest.items, "stories": stories, "posts": posts, "page": page}


def plain(text: str) -> str:
    """Text as a reader compares it: no links, no markup characters, one space."""
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"[*`\[\]<>|~#]", " ", text)
    return " ".join(text.split())


def letters(text: str) -> str:
    """Only the letters and digits, case-folded (how extracted text is found in its post)."""
    return "".join(ch for ch in plain(text).casefold() if ch.isalnum())


def test_every_item_links_to_and_credits_its_storys_representative(sample: dict[str, Any]) -> None:
    assert len(sample["items"]) >= 8
    for n, item in enumerate(sample["items"], 1):
        story = sample["stories"][item.story_id]
        rep = sample["posts"][story.representative]
        assert item.post_id == rep.id and item.url == rep.url, (n, item.title)
        line = f"{n}.".ljust(4) + f"[{item.title}-{rep.author.display_name}]({rep.url})"
        assert line in sample["page"], line


def test_every_headline_is_a_whole_phrase_of_the_representative(sample: dict[str, Any]) -> None:
    for item in sample["items"]:
        rep = sample["posts"][sample["stories"][item.story_id].representative]
        title = item.title
        # the headline comes from the representative, maybe without a long bracketed aside
        texts = [plain(rep.text), plain(ASIDE.sub("", rep.text))]
        text = next((t for t in texts if title in t), "")
        assert text, (title, texts[0][:80])
        rest = text[text.find(title) + len(title):].lstrip(" ")
        assert not rest or rest[0] in PHRASE_END or rest.split(" ")[0] in JOINING, (
            f"headline cut mid-phrase: {title}|{rest[:20]}")


def test_every_summary_comes_from_a_post_of_the_same_story(sample: dict[str, Any]) -> None:
    for item in sample["items"]:
        story = sample["stories"][item.story_id]
        rep = sample["posts"][story.representative]
        summary = letters(item.summary)
        own = [letters(p.text) for p in sample["posts"].values()
               if p.author.handle == rep.author.handle and p.id in story.post_ids]
        others = [letters(sample["posts"][pid].text) for pid in story.post_ids]
        head, tail = summary[:24], summary[-16:]
        sources = [t for t in own if head in t] or [t for t in others if head in t]
        assert sources, (item.title, summary[:40])
        assert any(tail in t for t in sources), (item.title, summary[-40:])
        if len(plain(rep.text)) >= 160:  # long enough: the summary is the representative's own
            assert head in letters(rep.text), item.title


def readme_excerpt() -> list[str]:
    """The lines of the README's sample digest (in "What it produces") before its ``…``."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## What it produces", 1)[1]
    block = section.split("```markdown\n", 1)[1].split("```", 1)[0]
    lines = block.split("\n")
    return lines[: lines.index("…")]


def test_the_readme_excerpt_is_the_real_output_of_make_run(sample: dict[str, Any]) -> None:
    excerpt = readme_excerpt()
    real = sample["page"].split("\n")[: len(excerpt)]
    assert sum(1 for line in excerpt if re.match(r"\d+\.\s+\[", line)) >= 3

    def same(lines: list[str]) -> list[str]:
        return [line for line in lines if not line.startswith("date: ")]

    assert same(excerpt) == same(real)
