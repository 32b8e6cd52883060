"""select_stories: best first, never filtered, per-author cap, topic diversity, relaxation."""

from __future__ import annotations

from aidigest.models import Story
from aidigest.stories import select_stories
from stories_eval import make_post


def _story(pid: str, handle: str, score: float, text: str = "", filtered: str | None = None) -> Story:
    post = make_post(pid, handle, text or f"AI news number {pid}", "2025-12-06T21:00:00Z")
    return Story(id=f"s-{pid}", posts=(post,), representative=post, score=score, filtered=filtered)


def test_best_first_never_filtered_at_most_max() -> None:
    stories = [_story(str(i), f"a{i}", float(i)) for i in range(20)]
    stories.append(_story("99", "z", 100.0, filtered="off-topic"))
    chosen = select_stories(stories, 8, 12, 3)
    assert [s.id for s in chosen] == [f"s-{i}" for i in range(19, 7, -1)]


def test_per_author_cap_by_representative_author() -> None:
    stories = [_story(str(i), "dotey", 100.0 - i) for i in range(6)]
    stories += [_story(str(10 + i), f"other{i}", 50.0 - i) for i in range(9)]
    chosen = select_stories(stories, 8, 12, 3)
    assert sum(1 for s in chosen if s.representative.author.handle == "dotey") == 3
    assert len(chosen) == 12


def test_cap_gives_way_only_to_reach_the_minimum() -> None:
    stories = [_story(str(i), "dotey", 100.0 - i) for i in range(10)]
    assert len(select_stories(stories, 8, 12, 3)) == 8
    assert len(select_stories(stories[:2], 8, 12, 3)) == 2


def test_a_second_story_on_the_same_thing_waits() -> None:
    stories = [
        _story("1", "a", 10.0, "Claude Opus 4.5 is out"),
        _story("2", "b", 9.0, "Claude Opus 4.5 pricing thoughts"),
        *[_story(str(10 + i), f"c{i}", 5.0 - i * 0.1, f"Model Foo-{i} ships") for i in range(12)],
    ]
    chosen = [s.id for s in select_stories(stories, 8, 12, 3)]
    assert "s-1" in chosen and "s-2" not in chosen
