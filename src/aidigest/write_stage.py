"""The write stage's failure policy: what a run does with items the LLM could not write.

``[llm] on_failure = "hold"`` (the default): a failed item is replaced by the next-ranked
story not yet chosen (at most ``max_replacements`` stories in all, and only while replacing
still yields items); if fewer than ``items.min`` items (or fewer than were chosen, when fewer
qualified) end up written by the LLM, the slot is held, with the reason. ``"offline"``: the
offline writer writes the failed items and the run report carries a WARNING.

Decides only; the writer makes the calls and the pipeline writes, holds or publishes.
Does NOT touch the store or the site.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aidigest.config import Config
from aidigest.console import clip
from aidigest.models import DigestItem, RunReport, Story
from aidigest.writer import Writer
from aidigest.writer.offline import OfflineWriter
from aidigest.writer.update import DEFAULT_PREFIX


@dataclass
class Written:
    """The items to render, the story of each (same order), and why to hold (None: publish)."""

    items: list[DigestItem]
    stories: list[Story]
    held: str | None = None


def write_stage(
    cfg: Config, writer: Writer, chosen: Sequence[Story], ranked: Sequence[Story],
    report: RunReport, say: Callable[[str], None], *, deadline: float | None = None,
) -> Written:
    """Write ``chosen`` with ``writer`` and apply ``[llm] on_failure`` to what failed.

    ``ranked``: every story of the slot, best first (replacements come from it)."""
    written = list(writer.write_items(chosen, report))
    slots = list(zip(chosen, written, strict=True))
    if isinstance(writer, OfflineWriter):  # the embedded default: replace what the gate refused
        _replace_failed(cfg, writer, slots, ranked, report, say, deadline)
        return Written(*_kept(slots, ranked))
    if cfg.llm.on_failure == "offline":
        return Written(*offline_policy([s for s, _i in slots], [i for _s, i in slots], report,
                                       cfg.render.update_prefix))
    _replace_failed(cfg, writer, slots, ranked, report, say, deadline)
    good = [(s, i) for s, i in slots if i is not None]
    need = min(cfg.digest.items.min, len(chosen))
    order = {s.id: n for n, s in enumerate(ranked)}
    if len(good) >= need:
        good.sort(key=lambda pair: order.get(pair[0].id, len(order)))
        return Written([i for _s, i in good], [s for s, _i in good])
    reason = (f"only {len(good)} of the {need} items required (items.min) were written by the "
              f"LLM; {failure_summary(report)}")
    items, stories = fill_offline([s for s, _i in slots], [i for _s, i in slots], report,
                                  cfg.render.update_prefix)
    return Written(items, stories, reason)


def _kept(slots: Sequence[tuple[Story, DigestItem | None]], ranked: Sequence[Story]
          ) -> tuple[list[DigestItem], list[Story]]:
    """The written items in rank order, with their stories."""
    order = {s.id: n for n, s in enumerate(ranked)}
    good = sorted(((s, i) for s, i in slots if i is not None),
                  key=lambda pair: order.get(pair[0].id, len(order)))
    return [i for _s, i in good], [s for s, _i in good]


def _replace_failed(
    cfg: Config, writer: Writer, slots: list[tuple[Story, DigestItem | None]],
    ranked: Sequence[Story], report: RunReport, say: Callable[[str], None],
    deadline: float | None,
) -> None:
    """Replace failed items in ``slots`` in place, round by round, within the budget; stop
    when a round (the first included) wrote nothing or the deadline passed."""
    budget = cfg.llm.max_replacements
    used = {s.id for s, _i in slots}
    wrote_any = any(i is not None for _s, i in slots)
    while budget > 0 and wrote_any and (deadline is None or time.monotonic() < deadline):
        failed = [n for n, (_s, i) in enumerate(slots) if i is None]
        if not failed:
            return
        picks = next_candidates(ranked, used, [s for s, i in slots if i is not None],
                                min(len(failed), budget), cfg.stories.per_author_cap)
        if not picks:
            report.note("no further story to replace the failed items with")
            return
        budget -= len(picks)
        used.update(s.id for s in picks)
        say(f"write: replacing {len(picks)} failed item(s) with the next-ranked stories")
        for n, story in zip(failed, picks, strict=False):
            report.note(f"item of story {slots[n][0].id} failed; replaced by story {story.id}")
        new = list(writer.write_items(picks, report))
        for n, story, item in zip(failed, picks, new, strict=False):
            slots[n] = (story, item)
        wrote_any = any(i is not None for i in new)


def next_candidates(
    ranked: Sequence[Story], used: set[str], kept: Sequence[Story], count: int, cap: int
) -> list[Story]:
    """Up to ``count`` best stories not ``used`` nor filtered, at most ``cap`` items per
    representative author counting the ``kept`` ones. Pure."""
    authors = Counter(s.representative.author.handle.lower() for s in kept)
    picks: list[Story] = []
    for story in ranked:
        if len(picks) >= count:
            break
        author = story.representative.author.handle.lower()
        if story.filtered or story.id in used or authors[author] >= cap:
            continue
        picks.append(story)
        authors[author] += 1
    return picks


def failure_summary(report: RunReport, limit: int = 2) -> str:
    """The commonest reasons items failed, e.g. ``"3× local: http-401: …"``."""
    reasons = Counter(i.fallback_reason or "unknown" for i in report.items if i.outcome
                      in ("failed", "fallback", "rejected"))
    if not reasons:
        return "no item failed"
    return "; ".join(f"{n}× {clip(why, 160)}" for why, n in reasons.most_common(limit))


def offline_policy(
    chosen: Sequence[Story], written: Sequence[DigestItem | None], report: RunReport,
    update_prefix: str = DEFAULT_PREFIX,
) -> tuple[list[DigestItem], list[Story]]:
    """``on_failure = "offline"``: failed items written offline, with a WARNING saying how many
    and why (the notification carries it too)."""
    failed = sum(1 for i in written if i is None)
    items, stories = fill_offline(chosen, written, report, update_prefix)
    if failed:
        report.warn(
            f"{failed} of {len(items)} items were written by the offline writer (they keep the "
            f"posts' own language): {failure_summary(report)}")
    return items, stories


def fill_offline(
    chosen: Sequence[Story], written: Sequence[DigestItem | None], report: RunReport,
    update_prefix: str = DEFAULT_PREFIX,
) -> tuple[list[DigestItem], list[Story]]:
    """Items for the stories: an item the writer could not write (None) is written by the
    offline writer, past the same quality gate (an item the gate refuses is left out), and its
    latest ``report.items`` entry says so. Returns the items and their stories. Does NOT call
    any LLM."""
    offline = OfflineWriter(update_prefix)
    latest = {r.story_id: r for r in report.items}
    items: list[DigestItem] = []
    stories: list[Story] = []
    for story, item in zip(chosen, written, strict=True):
        entry = latest.get(story.id)
        if item is None:
            item, verdict = offline.gated(story)
            if entry is not None:
                entry.writer = offline.name
                entry.outcome = "fallback" if item is not None else "rejected"
                entry.notes.extend(verdict.notes)
        if item is not None:
            items.append(item)
            stories.append(story)
    return items, stories
