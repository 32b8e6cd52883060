"""What the MCP tools return, as plain functions over the configuration and the store: each
takes ``(cfg, store, …)`` and returns JSON-ready data, or raises an
:class:`~aidigest.errors.AidigestError` whose message says what to fix.

The write functions call the desk's actions (:mod:`aidigest.desk.actions`): an edit passes the
same checks as at the desk, and :func:`publish` makes the same commit as ``aidigest publish``.
Store rows become JSON only in the small ``_digest_summary`` / ``_item`` / ``_stored_story`` /
``_post`` helpers, so a change of the store's row types touches those alone.

Does NOT speak MCP (:mod:`aidigest.mcp.server` does) or print anything.
"""

from __future__ import annotations

import unicodedata
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from aidigest.config import Config
from aidigest.desk import actions
from aidigest.errors import AidigestError, InputError
from aidigest.models import Post, Story
from aidigest.slots import Slot, parse_slot
from aidigest.store import DigestItemRecord, DigestRecord, DigestSummary, Store, StoryRecord
from aidigest.stories.normalize import to_simplified
from aidigest.timeutil import iso_utc, parse_instant
from aidigest.window import stories_between

MAX_LIMIT = 200
TEXT_CHARS = 1000  # a post's text is cut here (the full text stays in the store)


def _slot(cfg: Config, text: str) -> Slot:
    return parse_slot(text, cfg.digest.timezone, cfg.digest.slot_hours)


def _limit(value: int) -> int:
    if not 1 <= value <= MAX_LIMIT:
        raise InputError(f"limit must be between 1 and {MAX_LIMIT}; got {value}")
    return value


def _window(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    lo = parse_instant(since, "since") if since else None
    hi = parse_instant(until, "until") if until else None
    if lo and hi and hi <= lo:
        raise InputError(f"until ({until}) must be after since ({since})")
    return lo, hi


# -- rows to JSON -------------------------------------------------------------------------------
def _digest_summary(row: DigestSummary | DigestRecord) -> dict[str, Any]:
    items = row.items if isinstance(row.items, int) else len(row.items)
    return {"slot": row.slot, "title": row.title, "state": row.state, "reason": row.reason,
            "items": items, "made_at": row.made_at, "published_at": row.published_at}


def _item(position: int, row: DigestItemRecord, post: Post | None) -> dict[str, Any]:
    return {"position": position, "title": row.title, "summary": row.summary, "url": row.url,
            "author": post.author.display_name if post else None,
            "author_handle": post.author.handle if post else None, "story_id": row.story_id,
            "post_ids": list(row.post_ids), "key_terms": list(row.key_terms),
            "writer": row.writer, "provider": row.provider}


def _post(post: Post) -> dict[str, Any]:
    return {"id": post.id, "url": post.url, "author": post.author.handle,
            "author_name": post.author.display_name, "created_at": iso_utc(post.created_at),
            "lang": post.lang, "text": post.text[:TEXT_CHARS],
            "likes": post.metrics.likes, "reposts": post.metrics.reposts}


def _story(rank: int, story: Story, chosen: set[str]) -> dict[str, Any]:
    return {"rank": rank, "id": story.id, "score": round(story.score, 4),
            "score_parts": {k: round(v, 4) for k, v in story.score_parts.items()},
            "reasons": list(story.reasons), "filtered": story.filtered,
            "chosen": any(p.id in chosen for p in story.posts),
            "representative": story.representative.id, "posts": [_post(p) for p in story.posts]}


def _stored_story(row: StoryRecord, posts: dict[str, Post]) -> Story | None:
    members = tuple(posts[i] for i in row.post_ids if i in posts)
    if not members:
        return None
    return Story(row.story_id, members, posts.get(row.representative, members[0]), row.score,
                 dict(row.score_parts), row.reasons, row.filtered)


# -- read tools ---------------------------------------------------------------------------------
def list_digests(cfg: Config, store: Store, limit: int = 20) -> dict[str, Any]:
    """The stored digests, newest slot first (state, slot, title, reason, item count)."""
    return {"digests": [_digest_summary(r) for r in store.list_digests(_limit(limit))]}


def get_digest(cfg: Config, store: Store, slot: str | None = None) -> dict[str, Any]:
    """One digest (default: the newest): its Markdown, items, state and reason."""
    key = _slot(cfg, slot).key if slot else _newest(store)
    row = store.get_digest(key)
    if row is None:
        raise InputError(f"slot {key} has no digest; list_digests shows the slots that have one, "
                         f"and 'aidigest digest --slot {key}' writes it")
    posts = {p.id: p for p in store.get_posts([i.post_id for i in row.items])}
    return {**_digest_summary(row), "categories": list(row.categories), "path": row.path,
            "markdown": _markdown(row),
            "items": [_item(n, i, posts.get(i.post_id)) for n, i in enumerate(row.items, 1)]}


def _newest(store: Store) -> str:
    rows = store.list_digests(1)
    if not rows:
        raise InputError("no digest is stored yet; run 'aidigest run' first")
    return rows[0].slot


def _markdown(row: DigestRecord) -> str | None:
    if row.markdown:
        return row.markdown
    path = Path(row.path) if row.path else None
    return path.read_text(encoding="utf-8") if path and path.is_file() else None


def get_stories(cfg: Config, store: Store, slot: str | None = None, since: str | None = None,
                until: str | None = None, limit: int = 50) -> dict[str, Any]:
    """Ranked stories of a slot (as its last run stored them) or of ``since``–``until`` (built
    now, as a run would), with member posts, score parts, reasons and the chosen marked."""
    _limit(limit)
    if slot and (since or until):
        raise InputError("give either slot or since and until, not both")
    if slot:
        chosen_slot = _slot(cfg, slot)
        stories, origin = _slot_stories(cfg, store, chosen_slot)
        chosen = _chosen_posts(cfg, store, chosen_slot.start_utc, chosen_slot.end_utc)
    elif since and until:
        lo, hi = _window(since, until)
        assert lo is not None and hi is not None
        stories, origin = stories_between(cfg, store, lo, hi), "built now from the stored posts"
        chosen = _chosen_posts(cfg, store, lo, hi)
    else:
        raise InputError("give slot (e.g. 2025-12-07T08) or both since and until (ISO 8601)")
    shown = [_story(n, s, chosen) for n, s in enumerate(stories[:limit], 1)]
    return {"origin": origin, "total": len(stories), "stories": shown}


def _slot_stories(cfg: Config, store: Store, slot: Slot) -> tuple[list[Story], str]:
    rows = store.slot_stories(slot.key)
    if not rows:
        return stories_between(cfg, store, slot.start_utc, slot.end_utc), "built now from the stored posts"
    posts = {p.id: p for p in store.get_posts([i for r in rows for i in r.post_ids])}
    found = (_stored_story(r, posts) for r in rows)
    return [s for s in found if s is not None], "stored by the slot's last run"


def _chosen_posts(cfg: Config, store: Store, lo: datetime, hi: datetime) -> set[str]:
    """The item posts of every digest (not rejected) whose window overlaps ``lo``–``hi``."""
    chosen: set[str] = set()
    for row in store.list_digests(MAX_LIMIT * 5):
        slot = _slot(cfg, row.slot)
        if row.state != "rejected" and slot.start_utc < hi and slot.end_utc > lo:
            digest = store.get_digest(slot.key)
            chosen.update(i.post_id for i in (digest.items if digest else ()))
    return chosen


def search_posts(cfg: Config, store: Store, query: str = "", since: str | None = None,
                 until: str | None = None, author: str | None = None, limit: int = 50) -> dict[str, Any]:
    """Stored posts holding every word of ``query`` (case, full-width and traditional Chinese
    ignored), optionally by ``author`` and within ``since``–``until``; newest first."""
    lo, hi = _window(since, until)
    keep: deque[Post] = deque(maxlen=_limit(limit))
    total = 0
    for post in _matching(store.iter_posts(lo, hi), query, author):
        total += 1
        keep.append(post)
    return {"total": total, "posts": [_post(p) for p in reversed(keep)]}


def _matching(posts: Iterable[Post], query: str, author: str | None) -> Iterable[Post]:
    words = [_fold(w) for w in query.split()]
    handle = author.strip().lstrip("@").lower() if author else None
    for post in posts:
        if handle and post.author.handle.lower() != handle:
            continue
        if not words or all(w in _fold(f"{post.text} {post.author.display_name}") for w in words):
            yield post


def _fold(text: str) -> str:
    """For matching: full-width forms as ASCII (NFKC), traditional as simplified, no case."""
    return to_simplified(unicodedata.normalize("NFKC", text)).casefold()


def status(cfg: Config, store: Store) -> dict[str, Any]:
    """Recent runs, held slots, digests, source health, LLM spend and the schedule."""
    from aidigest.status import status_data

    return status_data(cfg, store)


# -- write tools (only with --allow-writes) -----------------------------------------------------
def edit_item(cfg: Config, store: Store, slot: str, position: int, title: str, summary: str,
              terms: Sequence[str]) -> dict[str, Any]:
    """Replace an item's headline, summary and bold terms (checked as at the desk)."""
    draft = actions.edit_item(cfg, store, slot, position, title, summary, list(terms))
    return _changed(cfg, store, draft, position)


def regenerate_item(cfg: Config, store: Store, slot: str, position: int) -> dict[str, Any]:
    """Ask the LLM afresh for one item (the desk's regenerate)."""
    draft, report = actions.regenerate(cfg, store, slot, position)
    return {**_changed(cfg, store, draft, position),
            "notes": [n for item in report.items for n in item.notes]}


def _changed(cfg: Config, store: Store, draft: actions.Draft, position: int) -> dict[str, Any]:
    view = get_digest(cfg, store, draft.digest.slot.key)
    return {"slot": view["slot"], "state": view["state"], "reason": view["reason"],
            "item": view["items"][position - 1]}


def publish(cfg: Config, store: Store, slot: str, confirm: bool = False) -> dict[str, Any]:
    """Publish a digest exactly as ``aidigest publish --slot`` does (write, build, git, notify)."""
    key = _slot(cfg, slot).key
    if confirm is not True:
        raise InputError(f"publish puts slot {key} on the public site (build, git commit and push, "
                         "notifications); call publish again with confirm: true to do it")
    report = actions.approve(cfg, store, key)
    if report.outcome == "failed":
        raise AidigestError(f"publishing slot {key} failed: {'; '.join(report.errors)}")
    return {"slot": key, "outcome": report.outcome, "path": report.published_path,
            "notes": list(report.notes), "warnings": list(report.warnings),
            "errors": list(report.errors)}


def reject(cfg: Config, store: Store, slot: str, reason: str = "", confirm: bool = False) -> dict[str, Any]:
    """Reject a draft or held digest (its Hugo draft file is removed), as ``aidigest reject``."""
    key = _slot(cfg, slot).key
    if confirm is not True:
        raise InputError(f"reject drops the draft of slot {key} for good; call reject again with "
                         "confirm: true to do it")
    draft = actions.reject(cfg, store, key, reason or "rejected through MCP")
    return {"slot": key, "state": draft.state, "reason": draft.reason}
