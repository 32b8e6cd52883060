"""The pieces of the write stage on their own: the worker pool's deadline and stop check
(real threads), the choice of replacement stories (pure), and the progress display (plain
lines off a terminal, a rich bar on one)."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime

import pytest
from rich.console import Console

from aidigest.errors import Interrupted
from aidigest.models import Author, ItemProgress, Post, Story
from aidigest.progress import RunProgress, item_line
from aidigest.write_stage import next_candidates
from aidigest.writer.pool import run_tasks


def test_pool_yields_finished_tasks_and_gives_up_at_the_deadline() -> None:
    release = threading.Event()
    tasks = [lambda: "quick", lambda: release.wait(30) and "late"]
    clock = [0.0]

    def fake_clock() -> float:  # time passes only while the pool waits
        clock[0] += 0.05
        return clock[0]

    got = list(run_tasks(tasks, 2, deadline=1.0, clock=fake_clock))
    release.set()
    assert got == [(0, "quick")]  # the stuck task was left behind, not waited for


def test_pool_raises_interrupted_when_asked_to_stop() -> None:
    release = threading.Event()
    asked = [False]
    tasks = [lambda: release.wait(30)]

    def stop() -> bool:
        asked[0] = True
        return True

    with pytest.raises(Interrupted):
        list(run_tasks(tasks, 1, should_stop=stop))
    release.set()
    assert asked[0]


def _story(sid: str, handle: str, score: float, filtered: str | None = None) -> Story:
    post = Post(sid, f"https://x.com/{handle}/status/{sid}", Author(handle),
                datetime(2025, 12, 7, 1, tzinfo=UTC), "text")
    return Story(sid, (post,), post, score, filtered=filtered)


def test_replacements_skip_used_filtered_and_capped_authors() -> None:
    ranked = [_story("a", "x", 9), _story("b", "x", 8), _story("c", "y", 7, "off-topic"),
              _story("d", "x", 6), _story("e", "z", 5), _story("f", "w", 4)]
    kept = [ranked[0], ranked[1]]  # two items by x already
    assert [s.id for s in next_candidates(ranked, {"a", "b"}, kept, 2, cap=2)] == ["e", "f"]
    assert [s.id for s in next_candidates(ranked, {"a", "b"}, kept, 5, cap=3)] == ["d", "e", "f"]
    assert next_candidates(ranked, {s.id for s in ranked}, kept, 3, cap=3) == []


def test_progress_is_plain_lines_off_a_terminal_and_a_bar_on_one() -> None:
    event = ItemProgress(3, 12, "s3", "ok", "deepseek", 4.24, "标题")
    assert item_line(event) == "write: item 3/12 ok by deepseek, 4.2 s: 标题"
    plain = io.StringIO()
    with RunProgress(Console(file=plain, force_terminal=False, width=200)) as shown:
        shown.on_item(event)
        shown.on_wait("write: waiting for 9 item(s) from deepseek, 10 s so far")
    assert plain.getvalue().splitlines() == [
        "write: item 3/12 ok by deepseek, 4.2 s: 标题",
        "write: waiting for 9 item(s) from deepseek, 10 s so far"]
    tty = io.StringIO()
    with RunProgress(Console(file=tty, force_terminal=True, width=120)) as shown:
        assert shown.live
        shown.on_item(event)
        shown.on_item(ItemProgress(12, 12, "s12", "failed", None, 9.0))
    assert "12/12" in tty.getvalue() and "write: item" not in tty.getvalue()
