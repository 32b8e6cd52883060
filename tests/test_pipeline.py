"""One slot end to end through the library: a failing source or a bad line is recorded in the
run report and the run goes on; the store keeps stories, digest and run."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from aidigest.config import Config, config_from_dict
from aidigest.pipeline import RunOptions, run_slot
from aidigest.publish import init_site
from aidigest.slots import parse_slot
from aidigest.store import open_store
from aidigest.window import window_posts

SLOT = parse_slot("2025-12-07T08")


def _setup(tmp_path: Path, extra_sources: list[dict[str, str]]) -> tuple[Config, Path]:
    sample = resources.files("aidigest").joinpath("data", "sample_posts.jsonl").read_text("utf-8")
    (tmp_path / "sample.jsonl").write_text(sample + "{not json}\n", encoding="utf-8")
    init_site(tmp_path / "site")
    cfg = config_from_dict({
        "sources": [{"name": "sample", "kind": "jsonl", "path": "sample.jsonl"}, *extra_sources],
        "publish": {"build": False},
    }, tmp_path)
    return cfg, tmp_path


def test_failing_source_and_bad_line_are_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    cfg, root = _setup(tmp_path, [{"name": "gone", "kind": "jsonl", "path": "missing.jsonl"}])
    with open_store(cfg.store_path) as store:
        result = run_slot(cfg, store, RunOptions(SLOT, fetch=True))
        runs = store.recent_runs()
        saved = store.get_digest(SLOT.key)
    report = result.report
    assert report.outcome == "published-with-warnings"
    by_name = {s.name: s for s in report.sources}
    assert by_name["sample"].ok and by_name["sample"].new == 92 and by_name["sample"].skipped == 1
    assert "line 93" in by_name["sample"].notes[0]
    assert not by_name["gone"].ok and "missing.jsonl" in (by_name["gone"].error or "")
    assert any("offline writer" in n for n in report.notes)
    published = [i for i in report.items if i.outcome != "rejected"]
    assert 8 <= len(published) <= 12 and all(i.writer == "offline" for i in report.items)
    assert result.path == root / "site" / "content" / "posts" / "2025-12-07T08.md"
    written = [i for i in report.items if i.outcome != "rejected"]  # gated out: not saved
    assert saved and len(saved.items) == len(written) and saved.path == str(result.path)
    stored = json.loads(json.dumps(runs[0].report.to_dict()))
    assert stored["outcome"] == "published-with-warnings" and stored["sources"][1]["name"] == "gone"


def test_window_brings_referenced_originals_from_outside(tmp_path: Path) -> None:
    cfg, _root = _setup(tmp_path, [])
    with open_store(cfg.store_path) as store:
        run_slot(cfg, store, RunOptions(SLOT, fetch=True, dry_run=True))
        posts = window_posts(store, SLOT.start_utc, SLOT.end_utc)
        inside = store.posts_between(SLOT.start_utc, SLOT.end_utc)
    assert len(inside) == 78
    ids = {p.id for p in posts}
    for post in posts:
        for ref in (post.repost_of, post.quote_of, post.reply_to):
            assert ref is None or ref in ids


def test_rerun_is_skipped_and_force_rewrites_the_same_file(tmp_path: Path) -> None:
    cfg, root = _setup(tmp_path, [])
    with open_store(cfg.store_path) as store:
        first = run_slot(cfg, store, RunOptions(SLOT, fetch=True))
        second = run_slot(cfg, store, RunOptions(SLOT))
        forced = run_slot(cfg, store, RunOptions(SLOT, force=True))
    assert (first.report.outcome, second.report.outcome) == ("published", "skipped")
    assert forced.report.outcome == "published" and forced.path == first.path
    assert sorted(p.name for p in (root / "site" / "content" / "posts").iterdir()) == [
        ".gitkeep", "2025-12-07T08.md"]


def test_empty_slot_publishes_nothing(tmp_path: Path) -> None:
    cfg, root = _setup(tmp_path, [])
    with open_store(cfg.store_path) as store:
        result = run_slot(cfg, store, RunOptions(parse_slot("2024-01-01T08"), fetch=True))
    assert result.report.outcome == "empty" and result.path is None
    assert not (root / "site" / "content" / "posts" / "2024-01-01T08.md").exists()
