"""What the desk's pages show, gathered from the store's typed records (the templates only lay
them out). Works on either store backend. Does NOT change anything and does NOT produce HTML.
"""

from __future__ import annotations

from typing import Any

from aidigest.config import Config
from aidigest.desk.actions import load
from aidigest.errors import SlotError
from aidigest.models import ItemReport, Post
from aidigest.slots import parse_slot
from aidigest.status import status_data
from aidigest.store import DigestSummary, Store, StoryRecord
from aidigest.timeutil import iso_utc, now_utc

FAILED = ("failed", "interrupted", "stopped")


def overview(cfg: Config, store: Store) -> dict[str, Any]:
    """The front page: slots by state, recent runs, schedule, source health and LLM spend."""
    status = status_data(cfg, store)
    slots = store.list_digests(50)
    known = {d.slot for d in slots}
    for run in status["runs"]:  # slots whose last run failed and that have no digest
        if run["slot"] not in known and run["outcome"] in FAILED:
            known.add(run["slot"])
            slots.append(DigestSummary(
                slot=run["slot"], title="", state="failed", items=0,
                reason="; ".join(run["errors"])[:300] or run["outcome"],
                made_at=run["started_at"], published_at=None, path=None))
    for live in status["live"]:  # prepared ahead of its close, not written yet
        prep = live["prepared"]
        if prep and live["slot"] not in known:
            known.add(live["slot"])
            slots.append(DigestSummary(
                slot=live["slot"], title="", state="prepared", items=prep["written"],
                reason=f"{prep['runs']} prepare(s), last {prep['outcome']}: {prep['note'] or ''}"[:300],
                made_at=prep["last_at"], published_at=None, path=None))
    slots.sort(key=lambda d: d.slot, reverse=True)
    return {"slots": slots, "status": status, "mode": cfg.publish.mode}


def _post_view(post: Post) -> dict[str, Any]:
    return {"id": post.id, "url": post.url, "author": post.author.display_name,
            "handle": post.author.handle, "text": post.text[:600],
            "created_at": post.created_at.isoformat(timespec="minutes"),
            "likes": post.metrics.likes, "reposts": post.metrics.reposts}


def _item_reports(store: Store, slot_key: str) -> dict[str, ItemReport]:
    """How each story of the slot's last writing run was written (outcome, provider, attempts,
    fallback reason, tokens), by story id; runs that wrote nothing (publish) are skipped."""
    for run in store.recent_runs(200):
        if run.slot == slot_key and run.report.items:
            return {i.story_id: i for i in run.report.items}
    return {}


def slot_page(cfg: Config, store: Store, slot_key: str) -> dict[str, Any]:
    """One slot: the digest (items with their stories and posts), its markdown, the
    candidates not chosen with why, and the runs of the slot."""
    draft = load(cfg, store, slot_key)
    key = draft.digest.slot.key
    row = store.get_digest(key)
    stories = store.slot_stories(key)
    wanted = {pid for s in stories for pid in s.post_ids}
    wanted.update(pid for ids in draft.post_ids for pid in ids)
    posts = {p.id: p for p in store.get_posts(sorted(wanted))}
    by_id = {s.story_id: s for s in stories}
    chosen = {i.story_id for i in draft.digest.items}
    written = _item_reports(store, key)
    items = []
    for n, (item, ids) in enumerate(zip(draft.digest.items, draft.post_ids, strict=True), 1):
        story: StoryRecord | None = by_id.get(item.story_id)
        items.append({
            "n": n, "item": item, "terms": ", ".join(item.key_terms),
            "posts": [_post_view(posts[i]) for i in ids if i in posts],
            "score": story.score if story else None, "rank": story.rank if story else None,
            "reasons": story.reasons if story else (),
            "parts": _parts(story.score_parts) if story else "",
            "written": written.get(item.story_id),
        })
    candidates = []
    links = {link.story_id: link for link in store.story_links(key)}
    for s in stories:
        if s.story_id in chosen:
            continue
        why = (f"filtered: {s.filtered}" if s.filtered
               else f"not chosen: ranked #{s.rank} (score {s.score:.2f}); the selection "
                    "took higher-ranked stories, within the per-author cap and items.max")
        link = links.get(s.story_id)
        if link is not None and link.kind == "repeat":
            why += (f": repeats “{link.earlier_title}” of {link.earlier_slot} "
                    f"({link.evidence})")
        candidates.append({
            "id": s.story_id, "rank": s.rank, "score": s.score, "why": why,
            "filtered": s.filtered, "reasons": s.reasons, "parts": _parts(s.score_parts),
            "posts": [_post_view(posts[i]) for i in s.post_ids if i in posts],
        })
    runs = [r for r in store.recent_runs(200) if r.slot == key][:10]
    return {"slot": key, "title": draft.digest.title, "state": draft.state, "reason": draft.reason,
            "path": draft.path, "categories": draft.digest.categories, "items": items,
            "candidates": candidates, "markdown": (row.markdown if row else None) or "",
            "runs": [{"id": r.id, "command": r.command, "outcome": r.outcome,
                      "started_at": r.started_at, "errors": r.report.errors} for r in runs],
            "llm": bool(cfg.llm.providers)}


def prepared_page(cfg: Config, store: Store, slot_key: str, shown: int = 30) -> dict[str, Any] | None:
    """A slot that ``prepare`` worked on but no run has written yet: when and how often it was
    prepared, its stories as last built (the ones written ahead marked), and what happens
    next. None when the slot has a digest or was never prepared."""
    try:
        slot = parse_slot(slot_key, cfg.digest.timezone, cfg.digest.slot_hours)
    except SlotError:
        return None
    prep = store.get_prepare(slot.key)
    if prep is None or store.get_digest(slot.key) is not None:
        return None
    ahead = set(store.prepared_items(slot.key).values())
    stories = sorted(store.slot_stories(slot.key), key=lambda s: (s.filtered is not None, s.rank))
    posts = {p.id: p for p in store.get_posts(sorted({s.representative for s in stories[:shown]}))}
    is_open = now_utc() < slot.end_utc
    return {
        "slot": slot.key, "prepare": prep, "open": is_open, "end": iso_utc(slot.end_utc),
        "next": (f"the window is open; the scheduler's close writes and publishes it "
                 f"{cfg.schedule.delay_seconds:g} s after the end" if is_open else
                 f"the window has closed; 'aidigest digest --slot {slot.key}' (or the scheduler) "
                 "writes it, using the items written ahead"),
        "stories": [{"id": s.story_id, "rank": s.rank, "score": s.score, "filtered": s.filtered,
                     "size": len(s.post_ids), "ahead": s.story_id in ahead,
                     "post": _post_view(posts[s.representative]) if s.representative in posts
                     else None} for s in stories[:shown]],
        "total": len(stories), "ahead": len(ahead),
    }


def _parts(parts: dict[str, float]) -> str:
    """Score parts in one line: ``engagement 1.58 · authors 1.50 · … · novelty 1``."""
    return " · ".join(f"{name} {value:g}" for name, value in parts.items())
