"""Run one slot end to end: fetch → window → stories → select → write → render → publish.

Each stage lives in its own subpackage; this module only sequences them and records the
run report (per-source and per-item outcomes) in the store. A failing source or item is
recorded and the run goes on; only a failure that leaves nothing to publish ends the run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from aidigest.config import Config
from aidigest.errors import AidigestError
from aidigest.models import Digest, Post, RunReport, Slot, Story
from aidigest.publish import build_site, post_path, write_atomic
from aidigest.publish.followups import after_publish, retry_push
from aidigest.render import render_digest
from aidigest.slots import latest_finished, zone
from aidigest.sources.runner import fetch_all
from aidigest.store import Store
from aidigest.stories import build_stories, select_stories
from aidigest.stories.embed import embeddings_for
from aidigest.timeutil import iso_utc, now_utc
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
    should_stop: Callable[[], bool] | None = None  # checked between stages (scheduler: SIGTERM)


@dataclass
class RunResult:
    report: RunReport
    markdown: str | None = None
    path: Path | None = None
    built: Path | None = None
    stories: list[Story] = field(default_factory=list)


def resolve_slot(cfg: Config, slot: Slot | None, now: datetime | None = None) -> Slot:
    if slot is not None:
        return slot
    return latest_finished(now or now_utc(), cfg.digest.timezone, cfg.digest.slot_hours)


def window_posts(store: Store, slot: Slot) -> list[Post]:
    """Posts created inside the slot plus the posts they reference (up to two hops)."""
    posts = {p.id: p for p in store.posts_between(slot.start_utc, slot.end_utc)}
    frontier = list(posts.values())
    for _ in range(2):
        wanted = {
            ref for p in frontier for ref in (p.repost_of, p.quote_of, p.reply_to)
            if ref and ref not in posts
        }
        if not wanted:
            break
        frontier = store.get_posts(sorted(wanted))
        posts.update((p.id, p) for p in frontier)
    return sorted(posts.values(), key=lambda p: (p.created_at, p.id))


def history_for(cfg: Config, store: Store, slot: Slot) -> list[dict[str, object]]:
    """Items published in the ``novelty_hours`` before this slot (for novelty)."""
    since = slot.end - timedelta(hours=cfg.stories.novelty_hours)
    since_key = since.astimezone(zone(cfg.digest.timezone)).strftime("%Y-%m-%dT%H")
    return list(store.published_items_since(since_key, slot.key))


def make_stories(cfg: Config, store: Store, slot: Slot, report: RunReport) -> list[Story]:
    posts = window_posts(store, slot)
    report.posts_in_window = sum(1 for p in posts if slot.start_utc <= p.created_at < slot.end_utc)
    embeddings = embeddings_for(posts, store, enabled=cfg.stories.embeddings)
    stories = build_stories(
        posts,
        slot=slot,
        settings=cfg.stories,
        history=history_for(cfg, store, slot),
        baselines=store.author_engagement([p.author.handle for p in posts]),
        source_weights={s.name: s.weight for s in cfg.sources},
        embeddings=embeddings,
    )
    report.stories = len(stories)
    store.save_stories(slot.key, stories)
    return stories


def run_slot(
    cfg: Config, store: Store, options: RunOptions, progress: Progress | None = None
) -> RunResult:
    """Run one slot; never raises for a bad source or item (they are in the report)."""
    say = progress or (lambda _msg: None)
    slot = resolve_slot(cfg, options.slot, options.now)
    started = options.now or now_utc()
    report = RunReport(slot=slot.key, started_at=iso_utc(started))
    run_id = store.start_run(slot.key, options.command, started)
    clock = time.monotonic()
    try:
        result = _run_stages(cfg, store, slot, options, report, run_id, say)
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
        report.finished_at = iso_utc(now_utc())
        report.llm.setdefault("duration_s", round(time.monotonic() - clock, 3))
        store.finish_run(run_id, report)
    return result


def _run_stages(
    cfg: Config, store: Store, slot: Slot, options: RunOptions, report: RunReport,
    run_id: int, say: Progress,
) -> RunResult:
    if options.fetch:
        say("fetch: pulling enabled sources")
        report.sources = fetch_all(cfg, store)
        failed = [s.name for s in report.sources if not s.ok]
        if failed:
            report.error(f"sources failed: {', '.join(failed)}")
    if options.should_stop and options.should_stop():
        report.outcome = "stopped"
        report.note("stop requested after fetching; the slot runs again next time")
        return RunResult(report)
    existing = store.get_digest(slot.key)
    if existing and existing.get("path") and not (options.force or options.dry_run):
        report.outcome = "skipped"
        report.note(
            f"slot {slot.key} is already published at {existing['path']}; use --force to rewrite"
        )
        say(report.notes[-1])
        retry_push(cfg, report, say)
        return RunResult(report, path=Path(existing["path"]),
                         built=_build_if_missing(cfg, Path(existing["path"]), options, report, say))
    say(f"stories: building stories for {slot.key} ({slot.start.isoformat()} – {slot.end.isoformat()})")
    stories = make_stories(cfg, store, slot, report)
    writer, chosen = _select(cfg, store, stories, options, report, slot, run_id)
    if not chosen:
        report.outcome = "empty"
        report.note(f"no publishable story in slot {slot.key}; nothing published")
        say(report.notes[-1])
        retry_push(cfg, report, say)
        return RunResult(report, stories=stories)
    say(f"write: {len(chosen)} items with the {writer.name} writer")
    written = writer.write_items(chosen, report)  # None: the quality gate rejected that item
    chosen = [story for story, item in zip(chosen, written, strict=True) if item is not None]
    items = [item for item in written if item is not None]
    categories = writer.categories(items, store.recent_categories(), report)
    made_at = (options.now or now_utc()).astimezone(zone(cfg.digest.timezone)).replace(microsecond=0)
    digest = Digest(slot, made_at, tuple(categories), tuple(items), cfg.digest.series)
    template_dir = cfg.resolve(cfg.publish.template_dir) if cfg.publish.template_dir else None
    markdown = render_digest(digest, author_suffix=cfg.digest.author_suffix,
                             template_dir=template_dir)
    if options.dry_run:
        report.outcome = "dry-run"
        return RunResult(report, markdown=markdown, stories=stories)
    return _publish(cfg, store, digest, chosen, markdown, options, report, say, stories)


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
        report.error(str(exc))
        return None
    report.note(f"the page of {post.name} was missing; site rebuilt")
    say(f"build: site built in {built}")
    return built


def _select(
    cfg: Config, store: Store, stories: Sequence[Story], options: RunOptions,
    report: RunReport, slot: Slot, run_id: int,
) -> tuple[Writer, list[Story]]:
    writer = make_writer(cfg, store, offline=options.offline, slot_key=slot.key, run_id=run_id,
                         report=report)
    items = cfg.digest.items
    chosen = select_stories(stories, items.min, items.max, cfg.stories.per_author_cap)
    if cfg.llm.editor and chosen:
        candidates = [s for s in stories if not s.filtered][: cfg.llm.editor_candidates]
        chosen = writer.edit(candidates, items.min, items.max, report) or chosen
    if 0 < len(chosen) < items.min:
        report.note(f"only {len(chosen)} stories qualified (fewer than items.min = {items.min})")
    return writer, chosen


def _publish(
    cfg: Config, store: Store, digest: Digest, chosen: Sequence[Story], markdown: str,
    options: RunOptions, report: RunReport, say: Progress, stories: list[Story],
) -> RunResult:
    path = post_path(cfg.site_path, digest.slot, cfg.publish.filename)
    write_atomic(path, markdown)
    store.save_digest(digest, [s.post_ids for s in chosen], str(path))
    report.published_path = str(path)
    say(f"publish: wrote {path}")
    built = None
    if options.build if options.build is not None else cfg.publish.build:
        try:
            built = build_site(cfg.site_path)
            say(f"build: site built in {built}")
        except AidigestError as exc:
            report.error(str(exc))
    after_publish(cfg, digest, path, report, say)
    report.outcome = "published" if not report.errors else "published-with-errors"
    return RunResult(report, markdown=markdown, path=path, built=built, stories=stories)
