"""``aidigest prepare``: fetch, embed, build the stories of an open slot (or a closed one not yet
published) and write ahead the items likely to be chosen, so that the close only writes what
changed since.

An item written ahead is the LLM writer's ordinary cached answer, keyed by the story's content
(prompt version, model, :func:`aidigest.writer.prompt.content_hash`): the close runs the same
pipeline as a cold run and finds it in the cache only when the story is unchanged. So
preparing never changes the digest; it only moves calls ahead of the close. What to write is
decided by :func:`aidigest.live.plan.plan_writes` (chosen stories + :data:`MARGIN`, within a
budget of speculative calls).

Never publishes, never takes the slot's claim (the close does). Ctrl-C keeps every item
already written (the writer stores each as it arrives) and records them as written ahead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from aidigest.config import Config
from aidigest.errors import InputError
from aidigest.live.ingest import poll
from aidigest.live.plan import MARGIN, Plan, plan_writes
from aidigest.models import DigestItem, RunReport, Slot, Story
from aidigest.scheduler import DONE_STATES
from aidigest.slots import slot_containing
from aidigest.store import Store
from aidigest.stories import select_stories
from aidigest.stories.feature_cache import FeatureCache
from aidigest.timeutil import iso_utc, now_utc
from aidigest.window import stories_between
from aidigest.write_stage import next_candidates
from aidigest.writer import prompt as pr
from aidigest.writer.factory import make_writer

__all__ = ["PrepareResult", "cached_hashes", "check_slot", "open_slot", "prepare_slot"]

Say = Callable[[str], None]


@dataclass
class PrepareResult:
    slot: str
    outcome: str  # prepared | offline | interrupted
    stories: int
    chosen: int
    plan: Plan
    written: int  # items written ahead by this run
    valid: int  # items written ahead for this slot that the chosen stories would use now
    calls: int
    report: RunReport


def open_slot(cfg: Config, now: datetime | None = None) -> Slot:
    """The slot whose window is open at ``now``."""
    return slot_containing(now or now_utc(), cfg.digest.timezone, cfg.digest.slot_hours)


def check_slot(store: Store, slot: Slot, now: datetime) -> None:
    """InputError unless ``slot`` has started and is not published (nor a draft or rejected)."""
    if slot.start > now:
        raise InputError(f"slot {slot.key} has not started yet (its window opens at "
                         f"{slot.start.isoformat()}); prepare the open slot, or wait")
    digest = store.get_digest(slot.key)
    if digest is not None and digest.state in DONE_STATES:
        raise InputError(f"slot {slot.key} is already {digest.state}; prepare writes ahead only "
                         "for the open slot or a closed one not yet published")


def cached_hashes(cfg: Config, store: Store, stories: Sequence[Story]) -> set[str]:
    """Content hashes of ``stories`` whose item any configured model has in the LLM cache."""
    version = pr.load(pr.ITEM).version
    models = [p.model for p in cfg.llm.providers]
    found = set()
    for story in stories:
        content = pr.content_hash(story)
        if any(store.cache_get(pr.fingerprint(version, m, content)) is not None for m in models):
            found.add(content)
    return found


def prepare_slot(
    cfg: Config, store: Store, slot: Slot | None = None, *, fetch: bool = True,
    final: bool = True, at_end: bool = False, now: datetime | None = None,
    say: Say | None = None, should_stop: Callable[[], bool] | None = None,
    deadline: float | None = None, features: FeatureCache | None = None,
) -> PrepareResult:
    """Prepare ``slot`` (default: the open one). ``final`` (the default, and the scheduler's
    last prepare before the close) writes ahead; a periodic one fetches, embeds and builds
    the stories only; ``at_end``: the scheduler's prepare at the window's end, during
    ``delay_seconds`` (see :func:`aidigest.live.plan.plan_writes`). ``deadline``
    (``time.monotonic()``): calls not answered by then are given up. ``features``: the
    scheduler's per-post features cache.
    KeyboardInterrupt is recorded (outcome ``interrupted``) and raised again."""
    tell = say or (lambda _m: None)
    moment = now or now_utc()
    slot = slot or open_slot(cfg, moment)
    check_slot(store, slot, moment)
    report = RunReport(slot=slot.key, started_at=iso_utc(moment))
    written: list[tuple[str, str]] = []
    try:
        result = _prepare(cfg, store, slot, report, written, fetch=fetch, final=final,
                          at_end=at_end, now=moment, say=tell, should_stop=should_stop, deadline=deadline,
                          features=features)
    except KeyboardInterrupt:
        kept = _record_written(cfg, store, slot, report, written)
        store.record_prepare(slot.key, "interrupted", _calls(report), report.stories, kept,
                             note=f"interrupted; {kept} item(s) written ahead are kept")
        raise
    except Exception as exc:
        store.record_prepare(slot.key, "failed", _calls(report), report.stories, 0,
                             note=f"{type(exc).__name__}: {exc}"[:500])
        raise
    store.record_prepare(slot.key, result.outcome, result.calls, result.stories, result.valid,
                         note=result.plan.describe())
    return result


def _calls(report: RunReport) -> int:
    return int(report.llm.get("calls", 0))


def _record_written(cfg: Config, store: Store, slot: Slot, report: RunReport,
                    targets: list[tuple[str, str]]) -> int:
    """Record as written ahead the ``targets`` (content hash, story id) now in the cache."""
    version = pr.load(pr.ITEM).version
    models = [p.model for p in cfg.llm.providers]
    done = [(h, sid) for h, sid in targets
            if any(store.cache_get(pr.fingerprint(version, m, h)) is not None for m in models)]
    store.add_prepared_items(slot.key, done)
    return len(done)


def _prepare(
    cfg: Config, store: Store, slot: Slot, report: RunReport, targets: list[tuple[str, str]], *,
    fetch: bool, final: bool, now: datetime, say: Say, should_stop: Callable[[], bool] | None,
    deadline: float | None, features: FeatureCache | None = None, at_end: bool = False,
) -> PrepareResult:
    if fetch:
        sources = poll(cfg, store, slot)
        say(f"prepare {slot.key}: fetched {sum(s.new for s in sources)} new post(s)"
            + "".join(f"; source {s.name} failed: {s.error}" for s in sources if not s.ok))
    stories = stories_between(cfg, store, slot.start_utc, slot.end_utc, report, slot_key=slot.key,
                              features=features)
    report.stories = len(stories)
    store.save_stories(slot.key, stories)
    items = cfg.digest.items
    chosen = select_stories(stories, items.min, items.max, cfg.stories.per_author_cap)
    ranked = sorted((s for s in stories if not s.filtered), key=lambda s: (-s.score, s.id))
    margin = next_candidates(ranked, {s.id for s in chosen}, chosen, MARGIN,
                             cfg.stories.per_author_cap)
    hashes = {s.id: pr.content_hash(s) for s in [*chosen, *margin]}
    if not cfg.llm.providers:
        say(f"prepare {slot.key}: {len(stories)} stories; the offline writer needs nothing "
            "written ahead")
        return PrepareResult(slot.key, "offline", len(stories), len(chosen), Plan(), 0, 0, 0,
                             report)
    prepared = set(store.prepared_items(slot.key))
    before = store.get_prepare(slot.key)
    plan = plan_writes(chosen, margin, hashes, prepared,
                       cached_hashes(cfg, store, [*chosen, *margin]),
                       before.calls if before else 0, final=final, at_end=at_end)
    say(f"prepare {slot.key}: {len(stories)} stories, {len(chosen)} chosen; {plan.describe()}")
    writer = make_writer(cfg, store, slot_key=slot.key, report=report, deadline=deadline,
                         should_stop=should_stop)
    targets.extend((hashes[s.id], s.id) for s in plan.write)
    if plan.write:
        started = time.monotonic()
        writer.write_items(plan.write, report)
        say(f"prepare {slot.key}: wrote {len(plan.write)} item(s) ahead in "
            f"{time.monotonic() - started:.1f} s")
    written = _record_written(cfg, store, slot, report, targets)
    if plan.categories and {hashes[s.id] for s in chosen} <= cached_hashes(cfg, store, chosen):
        _categories(writer, store, chosen, ranked, report)
    valid = sum(1 for s in chosen if hashes[s.id] in set(store.prepared_items(slot.key)))
    return PrepareResult(slot.key, "prepared", len(stories), len(chosen), plan, written, valid,
                         _calls(report), report)


def _categories(writer: object, store: Store, chosen: Sequence[Story], ranked: Sequence[Story],
                report: RunReport) -> None:
    """Ask for the categories of the items the close would publish (the caller checked they
    are all cached), so an unchanged digest costs no categories call at the close either."""
    from aidigest.writer.llm import LlmWriter

    if not isinstance(writer, LlmWriter):
        return
    order = {s.id: n for n, s in enumerate(ranked)}
    stories = sorted(chosen, key=lambda s: order.get(s.id, len(order)))
    scratch = RunReport(slot=report.slot, started_at=report.started_at)
    written = writer.write_items(stories, scratch)  # every one from the cache: no call
    if scratch.llm.get("calls") or any(i is None for i in written):
        return  # an item is missing: the close's titles are not known yet
    items: list[DigestItem] = [i for i in written if i is not None]
    writer.categories(items, store.recent_categories(), report)
