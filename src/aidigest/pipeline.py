"""Run one slot end to end: fetch → window → stories → select → write → render → publish.

Each stage lives in its own subpackage; this module only sequences them and records the
run report (per-source and per-item outcomes) in the store. A failing source or item is
recorded and the run goes on; only a failure that leaves nothing to publish ends the run.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from aidigest.claims import ClaimLostError, SlotClaim, describe
from aidigest.config import Config
from aidigest.errors import AidigestError, InputError
from aidigest.live.close import account_prepared, record_latency
from aidigest.live.ingest import record_reads
from aidigest.live.plan import at_close
from aidigest.models import Digest, ItemProgress, RunReport, Slot, Story
from aidigest.publish import build_site, post_path, write_atomic
from aidigest.publish.followups import after_publish, notify_event, retry_push
from aidigest.render import render_digest
from aidigest.slots import latest_finished, zone
from aidigest.sources.runner import fetch_all
from aidigest.store import Store
from aidigest.stories import select_stories
from aidigest.stories.feature_cache import FeatureCache
from aidigest.timeutil import iso_utc, now_utc
from aidigest.window import stories_between
from aidigest.write_stage import write_stage
from aidigest.writer import Writer
from aidigest.writer.factory import make_writer

Progress = Callable[[str], None]
log = logging.getLogger(__name__)


@dataclass
class RunOptions:
    """What a run should do. ``slot`` None = the latest finished slot at ``now``."""

    slot: Slot | None = None
    fetch: bool = False
    offline: bool = False
    dry_run: bool = False
    force: bool = False
    build: bool | None = None
    command: str = "digest"
    now: datetime | None = None
    should_stop: Callable[[], bool] | None = None  # checked between stages and while writing
    on_item: Callable[[ItemProgress], None] | None = None  # each written item (progress)
    on_wait: Callable[[str], None] | None = None  # a line while no item finishes for a while
    features: FeatureCache | None = None  # the schedule process's per-post features cache


@dataclass
class RunResult:
    report: RunReport
    markdown: str | None = None
    path: Path | None = None
    built: Path | None = None
    stories: list[Story] = field(default_factory=list)
    built_clock: float | None = None  # time.monotonic() when the page was built (or written)


def resolve_slot(cfg: Config, slot: Slot | None, now: datetime | None = None) -> Slot:
    if slot is not None:
        return slot
    return latest_finished(now or now_utc(), cfg.digest.timezone, cfg.digest.slot_hours)


def make_stories(cfg: Config, store: Store, slot: Slot, report: RunReport,
                 run_id: int | None = None, features: FeatureCache | None = None) -> list[Story]:
    """The stories of a slot (:func:`aidigest.window.stories_between`), saved in the store."""
    stories = stories_between(cfg, store, slot.start_utc, slot.end_utc, report,
                              run_id=run_id, slot_key=slot.key, features=features)
    report.stories = len(stories)
    store.save_stories(slot.key, stories)
    return stories


def run_slot(
    cfg: Config, store: Store, options: RunOptions, progress: Progress | None = None
) -> RunResult:
    """Run one slot; never raises for a bad source or item (they are in the report).

    An interrupt (Ctrl-C, SIGTERM turned into :class:`~aidigest.errors.Interrupted`, a stop
    request while writing) is recorded as outcome ``interrupted`` and raised again; the slot
    is left to the next run."""
    say = progress or (lambda _msg: None)
    slot = resolve_slot(cfg, options.slot, options.now)
    started = options.now or now_utc()
    if slot.end > started:
        raise InputError(
            f"slot {slot.key} has not ended yet (it ends at {slot.end.isoformat()}); a digest "
            "covers a finished window: wait until then, or pick an earlier slot")
    report = RunReport(slot=slot.key, started_at=iso_utc(started), pid=os.getpid())
    run_id = store.start_run(slot.key, options.command, started)
    store.set_run_pid(run_id, report.pid or 0)
    clock = time.monotonic()
    claim = None if options.dry_run else SlotClaim(cfg, slot.key)
    try:
        holder = claim.take(store) if claim else None
        if holder is not None:
            claim = None
            result = _claimed_elsewhere(slot, report, describe(holder), say)
        else:
            result = _run_stages(cfg, store, slot, options, report, run_id, say, claim)
    except ClaimLostError as exc:
        result = _claimed_elsewhere(slot, report, str(exc), say)
    except KeyboardInterrupt:
        report.outcome = "interrupted"
        report.error("interrupted; the slot is left to the next run")
        raise
    except AidigestError as exc:
        report.outcome = "failed"
        report.error(str(exc))
        result = RunResult(report)
    except Exception as exc:  # a bug: record it in the run report rather than lose the run
        report.outcome = "failed"
        report.error(f"internal error ({type(exc).__name__}: {exc}); please report it")
        log.exception("run of slot %s failed", slot.key)
        result = RunResult(report)
    finally:
        if claim is not None:
            claim.release(store)
        report.finished_at = iso_utc(now_utc())
        report.llm.setdefault("duration_s", round(time.monotonic() - clock, 3))
        store.finish_run(run_id, report)
    return result


def _claimed_elsewhere(slot: Slot, report: RunReport, holder: str, say: Progress) -> RunResult:
    """Another worker holds the slot: this one leaves it (normal on several hosts)."""
    report.outcome = "claimed"
    report.note(f"slot {slot.key} is being written by another worker ({holder}); this worker "
                "leaves it to that one")
    say(report.notes[-1])
    return RunResult(report)


def _run_stages(
    cfg: Config, store: Store, slot: Slot, options: RunOptions, report: RunReport,
    run_id: int, say: Progress, claim: SlotClaim | None = None,
) -> RunResult:
    began, clock = options.now or now_utc(), time.monotonic()
    if options.fetch:
        say("fetch: pulling enabled sources")
        report.sources = fetch_all(cfg, store)
        record_reads(store, slot.key, report.sources)
        failed = [s.name for s in report.sources if not s.ok]
        if failed:
            report.warn(f"sources failed: {', '.join(failed)} (the others were read; "
                        "'aidigest sources status' says why)")
    if options.should_stop and options.should_stop():
        report.outcome = "stopped"
        report.note("stop requested after fetching; the slot runs again next time")
        return RunResult(report)
    existing = store.get_digest(slot.key)
    if (existing and existing.path and existing.state != "held"
            and not (options.force or options.dry_run)):
        report.outcome = "skipped"
        state = existing.state
        where = "published" if state == "published" else f"{state} (not published)"
        report.note(
            f"slot {slot.key} is already {where} at {existing.path}; use --force to rewrite"
        )
        say(report.notes[-1])
        retry_push(cfg, report, say)
        local = Path(existing.path)  # with several hosts, maybe another host's clone
        return RunResult(report, path=local, built=_build_if_missing(cfg, local, options, report, say)
                         if local.exists() else None)
    say(f"stories: building stories for {slot.key} ({slot.start.isoformat()} – {slot.end.isoformat()})")
    stories = make_stories(cfg, store, slot, report, run_id, options.features)
    deadline = time.monotonic() + cfg.llm.run_deadline_seconds
    writer, chosen = _select(cfg, store, stories, options, report, slot, run_id, deadline)
    if not chosen:
        report.outcome = "empty"
        report.note(f"no publishable story in slot {slot.key}; nothing published")
        say(report.notes[-1])
        retry_push(cfg, report, say)
        return RunResult(report, stories=stories)
    say(f"write: {len(chosen)} items with the {writer.name} writer")
    ranked = sorted((s for s in stories if not s.filtered), key=lambda s: (-s.score, s.id))
    done = write_stage(cfg, writer, chosen, ranked, report, say, deadline=deadline)
    account_prepared(store, slot, done.stories, report)
    categories = writer.categories(done.items, store.recent_categories(), report)
    made_at = (options.now or now_utc()).astimezone(zone(cfg.digest.timezone)).replace(microsecond=0)
    digest = Digest(slot, made_at, tuple(categories), tuple(done.items), cfg.digest.series)
    post_ids = [s.post_ids for s in done.stories]
    if options.dry_run:
        report.outcome = "dry-run"
        if done.held:
            report.note(f"a real run would hold this slot: {done.held}")
        return RunResult(report, markdown=render(cfg, digest, draft=bool(done.held)),
                         stories=stories)
    if claim is not None:  # a worker frozen past its lease must not publish beside its successor
        claim.confirm(store)
    if done.held:
        result = hold_digest(cfg, store, digest, post_ids, done.held, report, say)
    elif cfg.publish.mode == "review":  # every run ends as a draft for the desk
        result = hold_digest(cfg, store, digest, post_ids, review_reason(cfg, slot), report, say,
                             state="draft")
    else:
        result = publish_digest(cfg, store, digest, post_ids, report, say, build=options.build)
        if result.built_clock is not None and at_close(slot.end_utc, began):
            _live_latency(store, slot, began + timedelta(seconds=result.built_clock - clock),
                          options.command, report, say)
    result.stories = stories
    return result


def _live_latency(store: Store, slot: Slot, built_at: datetime, command: str,
                  report: RunReport, say: Progress) -> None:
    """Record the seconds from the slot's end to its page (a run at the close only: see
    :func:`aidigest.live.plan.at_close`)."""
    seconds = record_latency(store, slot, built_at, command, report)
    say(f"live: page ready {seconds:.1f} s after the slot's end")


def review_reason(cfg: Config, slot: Slot) -> str:
    """Why a review-mode run stops at a draft, with the desk's address when configured."""
    where = f"{cfg.serve.url.rstrip('/')}/slots/{slot.key}" if cfg.serve.url else "aidigest serve"
    return f"review mode: approve it at {where} or with 'aidigest publish --slot {slot.key}'"


def render(cfg: Config, digest: Digest, *, draft: bool = False) -> str:
    """The digest as Hugo markdown with the configured template and author suffix."""
    template_dir = cfg.resolve(cfg.publish.template_dir) if cfg.publish.template_dir else None
    return render_digest(digest, author_suffix=cfg.digest.author_suffix,
                         template_dir=template_dir, draft=draft)


def _build_if_missing(
    cfg: Config, post: Path, options: RunOptions, report: RunReport, say: Progress
) -> Path | None:
    """Build the site when a published slot's page is missing (a run killed mid-build)."""
    if not (options.build if options.build is not None else cfg.publish.build):
        return None
    if (cfg.site_path / "public" / "posts" / post.stem.lower() / "index.html").exists():
        return None
    try:
        built = build_site(cfg.site_path)
    except AidigestError as exc:
        report.warn(str(exc))
        return None
    report.note(f"the page of {post.name} was missing; site rebuilt")
    say(f"build: site built in {built}")
    return built


def _select(
    cfg: Config, store: Store, stories: Sequence[Story], options: RunOptions,
    report: RunReport, slot: Slot, run_id: int, deadline: float,
) -> tuple[Writer, list[Story]]:
    writer = make_writer(cfg, store, offline=options.offline, slot_key=slot.key, run_id=run_id,
                         report=report, deadline=deadline, should_stop=options.should_stop,
                         on_item=options.on_item, on_wait=options.on_wait)
    items = cfg.digest.items
    chosen = select_stories(stories, items.min, items.max, cfg.stories.per_author_cap)
    if cfg.llm.editor and chosen:
        candidates = [s for s in stories if not s.filtered][: cfg.llm.editor_candidates]
        chosen = writer.edit(candidates, items.min, items.max, report) or chosen
    if 0 < len(chosen) < items.min:
        report.note(f"only {len(chosen)} stories qualified (fewer than items.min = {items.min})")
    return writer, chosen


def publish_digest(
    cfg: Config, store: Store, digest: Digest, post_ids: Sequence[Sequence[str]],
    report: RunReport, say: Progress, *, build: bool | None = None,
) -> RunResult:
    """Publish a finished digest: write the post atomically, record it as published (with its
    markdown), build the site (``build`` None = ``[publish] build``), git commit/push, notify.

    Used by runs and to approve a draft. A build, git or notification failure is a warning:
    the post is published all the same (outcome ``published-with-warnings``), and
    ``report.warnings`` (also e.g. items written offline) go into the notification. Does NOT
    write items or decide whether the digest is good enough.
    """
    path = post_path(cfg.site_path, digest.slot, cfg.publish.filename)
    markdown = render(cfg, digest)
    write_atomic(path, markdown)
    store.save_digest(digest, post_ids, str(path), state="published", markdown=markdown)
    report.published_path = str(path)
    say(f"publish: wrote {path}")
    built = None
    if build if build is not None else cfg.publish.build:
        try:
            built = build_site(cfg.site_path)
            say(f"build: site built in {built}")
        except AidigestError as exc:
            report.warn(str(exc))
            say(f"build: {exc}")
    ready = time.monotonic()  # the page is live (before git and notifications)
    after_publish(cfg, digest, path, report, say)
    report.outcome = "published-with-warnings" if report.warnings else "published"
    return RunResult(report, markdown=markdown, path=path, built=built, built_clock=ready)


def hold_digest(
    cfg: Config, store: Store, digest: Digest, post_ids: Sequence[Sequence[str]], reason: str,
    report: RunReport, say: Progress, *, state: str = "held",
) -> RunResult:
    """Keep a digest out of the public site: write it as a Hugo draft (``draft: true``), record
    it with ``state`` ("held": the LLM could not write enough items; "draft": review mode)
    and ``reason``, and notify every channel with that event.

    Does NOT build the site, commit or push; the slot's page stays unpublished.
    """
    if state not in ("held", "draft"):
        raise ValueError(f"hold_digest: state must be 'held' or 'draft', not {state!r}")
    path = post_path(cfg.site_path, digest.slot, cfg.publish.filename)
    markdown = render(cfg, digest, draft=True)
    write_atomic(path, markdown)
    store.save_digest(digest, post_ids, str(path), state=state, reason=reason, markdown=markdown)
    report.outcome = state
    report.note(f"slot {digest.slot.key} {state}: {reason}; draft written to {path}")
    say(f"{state}: {reason}; draft written to {path} (not built, committed or pushed)")
    notify_event(cfg, digest, path, report, say, event=state, reason=reason)
    return RunResult(report, markdown=markdown, path=path)
