"""Story links across slots (table ``story_links``, migration 0006): which stories of a slot
repeat or update an item of an earlier digest. Shared SQL of both backends, mixed into
:class:`aidigest.store.sql.SqlStore`. Does NOT decide what continues what (see
:mod:`aidigest.stories.continuity`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aidigest.models import Story
from aidigest.store.plumbing import SqlPlumbing
from aidigest.store.records import StoryLink

__all__ = ["LinkAccess"]

_COLUMNS = ("slot, story_id, kind, earlier_slot, earlier_post_id, earlier_title, earlier_url, "
            "evidence, score, new_facts, post_ids")


def _link(r: Any) -> StoryLink:
    return StoryLink(
        slot=r["slot"], story_id=r["story_id"], kind=r["kind"], earlier_slot=r["earlier_slot"],
        earlier_post_id=r["earlier_post_id"], earlier_title=r["earlier_title"],
        earlier_url=r["earlier_url"], evidence=r["evidence"], score=float(r["score"]),
        new_facts=tuple(json.loads(r["new_facts"])), post_ids=tuple(json.loads(r["post_ids"])))


class LinkAccess(SqlPlumbing):
    """Mixed into :class:`aidigest.store.sql.SqlStore` (its ``_rows``/``_run``/``_many``)."""




    def _replace_links(self, slot_key: str, stories: Sequence[Story]) -> None:
        """Replace the slot's links by those of ``stories`` (inside the caller's transaction)."""
        self._run("DELETE FROM story_links WHERE slot = ?", (slot_key,))
        rows = [(slot_key, s.id, c.kind, c.slot, c.post_id, c.title, c.url, c.evidence,
                 float(c.score), json.dumps(list(c.new_facts), ensure_ascii=False),
                 json.dumps(s.post_ids))
                for s in stories if (c := s.continues) is not None]
        if rows:
            self._many(f"INSERT INTO story_links ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       rows)

    def story_links(self, slot_key: str) -> list[StoryLink]:
        """The links of the stories of ``slot_key`` (repeats and updates), by story id."""
        rows = self._rows(f"SELECT {_COLUMNS} FROM story_links WHERE slot = ? ORDER BY story_id",
                          (slot_key,))
        return [_link(r) for r in rows]

    def links_to(self, earlier_slot: str) -> list[StoryLink]:
        """The later stories that repeat or update items of the digest ``earlier_slot``."""
        rows = self._rows(f"SELECT {_COLUMNS} FROM story_links WHERE earlier_slot = ? "
                          "ORDER BY slot, story_id", (earlier_slot,))
        return [_link(r) for r in rows]
