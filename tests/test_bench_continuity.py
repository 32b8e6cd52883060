"""The continuity benchmark: no set, no rows; its hand labels are ids and verdicts only; its
scoring counts a drop right by a shared cited status or a label, and an update item without
the mark."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from aidigest.store.records import DigestItemRecord, StoryLink
from bench_continuity import LABELS, load_labels, rows, score

ID = re.compile(r"^(zh|en)-2026-0[23]-\d\d-\d{2,3}$")


def test_no_set_no_rows(tmp_path: Path) -> None:
    assert rows(None) == [] and rows(tmp_path) == []


def test_the_hand_labels_are_dev_month_ids_and_verdicts_only() -> None:
    labels = load_labels(LABELS)
    assert len(labels) >= 40
    for (new, earlier, kind), verdict in labels.items():
        assert ID.match(new) and ID.match(earlier), (new, earlier)
        assert new[3:13] < "2026-03-28" and earlier[3:13] < "2026-03-28"  # dev months only
        assert (kind, verdict) in {("drop", "same"), ("drop", "different"), ("drop", "debatable"),
                                   ("update", "update"), ("update", "repeat"),
                                   ("update", "different")}


def _item(slot: str, story: str, post: str, title: str) -> DigestItemRecord:
    return DigestItemRecord(slot, 1, story, post, (post,), "https://x.com/a/status/1", title, "",
                            (), "offline")


def _link(slot: str, story: str, kind: str, new: str, earlier: str) -> StoryLink:
    return StoryLink(slot, story, kind, "d1", earlier, "t", "u", "why", 1.0, (), (new,))


def test_scoring_by_cited_status_labels_and_the_mark() -> None:
    run: dict[str, Any] = {"prefix": "更新：", "cites": {"a": {"1"}, "b": {"1"}, "c": {"2"},
                                                       "x": {"9"}, "y": {"9"}, "u": {"5"}},
                           "days": [
        {"slot": "d1", "links": [], "items": [_item("d1", "s-x", "x", "X"),
                                              _item("d1", "s-a", "a", "A")]},
        {"slot": "d2", "items": [_item("d2", "s-y", "y", "Y again"),
                                 _item("d2", "s-u", "u", "U")],
         "links": [_link("d2", "s-b", "repeat", "b", "a"), _link("d2", "s-c", "repeat", "c", "a"),
                   _link("d2", "s-u", "update", "u", "x")]},
    ]}
    s = score(run, {("c", "a", "drop"): "different", ("u", "x", "update"): "update"})
    assert (s["drops"]["right"], s["drops"]["wrong"], s["drops"]["by_cites"]) == (1, 1, 1)
    assert s["drop_precision"] == 0.5 and s["update_precision"] == 1.0
    none = score({**run, "days": run["days"][:1]}, {})
    assert none["drop_precision"] is None and none["update_precision"] is None  # nothing to judge
    assert [i.post_id for _slot, i in s["unmarked"]] == ["y"]  # cites what d1 published
    assert s["no_mark"] == 1 and s["items"] == 4  # the update item lacks 更新：
