"""The offline digest of the bundled sample window reads well: no bold glued inside a word, no
headline over 40 characters (nor one ending inside a word), no repeated sentence, no summary
running two posts together; untranslated items are named in the run report.

Checked on the published page with plain regular expressions, independently of the gate's code."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.store import open_store

SLOT = "2025-12-07T08"
BOLD = re.compile(r"\*\*([^*\n]+?)\*\*")
WORD = re.compile(r"[A-Za-z0-9]")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("sample") / "digest"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(root)]).exit_code == 0
    cfg = root / "aidigest.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("build = true", "build = false"),
                   encoding="utf-8")
    result = runner.invoke(main, ["run", "--slot", SLOT, "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    page = (root / "site" / "content" / "posts" / f"{SLOT}.md").read_text(encoding="utf-8")
    with open_store(root / "aidigest.db") as store:
        digest = store.get_digest(SLOT)
        (run,) = store.recent_runs(1)
    assert digest is not None
    return {"page": page, "items": digest.items, "report": run.report, "output": result.output}


def glued(text: str, start: int, end: int) -> bool:
    before, after = text[max(0, start - 2): start], text[end: end + 2]
    left = bool(before) and (bool(WORD.fullmatch(before[-1])) or (
        before[-1] in ".-_/+" and len(before) == 2 and bool(WORD.fullmatch(before[0]))))
    right = bool(after) and (bool(WORD.fullmatch(after[0])) or (
        after[0] in ".-_/+" and len(after) == 2 and bool(WORD.fullmatch(after[1]))))
    return left or right


def test_at_least_eight_items(published: dict[str, Any]) -> None:
    numbered = re.findall(r"^(\d+)\.\s+\[", published["page"], re.M)
    assert 8 <= len(numbered) == len(published["items"]) <= 12


def test_no_bold_glued_inside_a_word(published: dict[str, Any]) -> None:
    for item in published["items"]:
        summary = item.summary
        spans = list(BOLD.finditer(summary))
        assert 1 <= len(spans) <= 5, summary
        for span in spans:
            assert not glued(summary, span.start(), span.end()), (span.group(0), summary)


def test_no_headline_over_40_or_cut_inside_a_word(published: dict[str, Any]) -> None:
    for item in published["items"]:
        title = item.title
        assert 0 < len(title) <= 40, title
        assert not title.endswith("…"), title
        assert f"[{title}-" in published["page"]


def test_no_repeated_sentence(published: dict[str, Any]) -> None:
    for item in published["items"]:
        plain = item.summary.replace("**", "")
        sentences = [s.strip() for s in re.split(r"[。！？!?]|\.(?=\s|$)", plain) if len(s.strip()) > 5]
        assert len(sentences) == len(set(sentences)), plain


def test_no_summary_runs_two_posts_together(published: dict[str, Any]) -> None:
    sample = Path(__file__).parents[1] / "src" / "aidigest" / "data" / "sample_posts.jsonl"
    rows = sample.read_text(encoding="utf-8").splitlines()
    texts = [norm(json.loads(r)["text"]) for r in rows if r.strip()]
    for item in published["items"]:
        plain = norm(item.summary)
        sources = [t for t in texts if plain[:24] in t]
        assert sources, plain  # extractive: it starts as some post does…
        assert any(plain[-16:] in t for t in sources), plain  # …and ends inside the same post


def norm(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def test_untranslated_items_are_named(published: dict[str, Any]) -> None:
    notes = " ".join(published["report"].notes)
    english = [i.title for i in published["items"]
               if len(re.findall(r"[\u4e00-\u9fff]", i.summary)) < 20]
    assert english, "the sample window has English-only stories"
    assert "untranslated" in notes
    for item in published["report"].items:
        assert item.outcome in ("ok", "rejected")
    assert "untranslated" in published["output"]
