"""What the CLI commands do, as functions the CLI calls: run a slot and print its outcome,
list stories of a window, gather status. Presentation only; the work is in the stages."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import tzinfo
from types import FrameType
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from aidigest.config import Config, load_config
from aidigest.console import clip, err, labelled, out
from aidigest.errors import AidigestError, Interrupted
from aidigest.models import RunReport, Slot, Story
from aidigest.pipeline import RunOptions, make_stories, resolve_slot, run_slot
from aidigest.progress import RunProgress
from aidigest.slots import parse_slot, zone
from aidigest.store import Store, open_store
from aidigest.timeutil import local_text, parse_instant
from aidigest.window import stories_between

EXIT_HELD = 3  # run/digest: the LLM could not write enough items; the slot is a held draft
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM
#: outcomes whose post is the public one, so a built page of it can be shown
PAGE_OUTCOMES = ("published", "published-with-warnings", "skipped")


@contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """SIGTERM raises :class:`Interrupted` in the main thread (as Ctrl-C raises
    KeyboardInterrupt), so a run ends at once; the previous handler comes back afterwards.
    Does nothing outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise Interrupted("SIGTERM")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stories_for_window(
    cfg: Config, store: Store, slot: Slot | None, since: str | None, until: str | None
) -> list[Story]:
    """Every story of a slot (default: latest finished) or of a custom ``since``–``until``,
    built exactly as a run builds them (:func:`aidigest.pipeline.stories_between`)."""
    if since or until:
        if not (since and until):
            raise AidigestError("give both --since and --until (or --slot)")
        lo, hi = parse_instant(since, "--since"), parse_instant(until, "--until")
        if hi <= lo:
            raise AidigestError(f"--until {until} is not after --since {since}")
        return stories_between(cfg, store, lo, hi)
    chosen = resolve_slot(cfg, slot)
    return make_stories(cfg, store, chosen, RunReport(chosen.key, ""))


def aliases_output(cfg: Config, store: Store, as_json: bool) -> None:
    """``aidigest stories --aliases``: configured and mined aliases (and the package count)."""
    from aidigest.window import alias_table

    table = alias_table(cfg, store)
    if as_json:
        click.echo(json.dumps([{"spelling": k, **v} for k, v in sorted(table.items())],
                              ensure_ascii=False, indent=1))
        return
    shown = Table(title="aliases (configured and mined; "
                  f"{sum(1 for v in table.values() if v['origin'] == 'package')} more built in)")
    for col in ("spelling", "name", "origin", "posts"):
        shown.add_column(col)
    for spelling, v in sorted(table.items(), key=lambda kv: (kv[1]["origin"], kv[0])):
        if v["origin"] != "package":
            shown.add_row(spelling, v["name"], v["origin"], str(v["posts"] or ""))
    out.print(shown)


def run_command(
    config_path: str | None, slot_text: str | None, offline: bool, dry_run: bool, force: bool,
    *, fetch: bool, command: str,
) -> None:
    """``aidigest digest`` / ``aidigest run``: run the slot, print the outcome."""
    cfg = load_config(config_path)
    slot = parse_slot(slot_text, cfg.digest.timezone, cfg.digest.slot_hours) if slot_text else None
    with RunProgress(err) as shown, _run_lock(cfg, dry_run), interrupt_on_sigterm():
        options = RunOptions(slot=slot, fetch=fetch, offline=offline, dry_run=dry_run,
                             force=force, command=command, on_item=shown.on_item,
                             on_wait=shown.on_wait)
        store = open_store(cfg.store_target)
        try:
            result = run_slot(cfg, store, options, progress=shown.say)
        except KeyboardInterrupt:
            err.print("interrupted: the run is recorded as interrupted; the slot is left to "
                      "the next run")
            sys.exit(EXIT_INTERRUPTED)
        finally:
            store.close()
    report = result.report
    if dry_run and result.markdown:
        click.echo(result.markdown, nl=False)
    print_report(report)
    if result.path:
        out.print(f"digest: {result.path}")
    if result.path and report.outcome in PAGE_OUTCOMES:  # a draft or held post has no page
        public = result.built or cfg.site_path / "public"
        page = public / "posts" / result.path.stem.lower() / "index.html"
        if page.exists():
            out.print(f"page: {page}")
    if report.outcome in ("failed",):
        sys.exit(1)
    if report.outcome == "held":
        sys.exit(EXIT_HELD)


def prepare_command(config_path: str | None, slot_text: str | None, fetch: bool) -> None:
    """``aidigest prepare``: write ahead for the open slot (or ``--slot``); never publishes."""
    from aidigest.live.prepare import prepare_slot
    from aidigest.scheduler import run_lock

    cfg = load_config(config_path)
    slot = parse_slot(slot_text, cfg.digest.timezone, cfg.digest.slot_hours) if slot_text else None
    with run_lock(cfg), interrupt_on_sigterm():
        store = open_store(cfg.store_target)
        try:
            result = prepare_slot(cfg, store, slot, fetch=fetch, say=err.print)
        except KeyboardInterrupt:
            err.print("interrupted: the items already written ahead are kept (the close uses "
                      "them); nothing was published")
            sys.exit(EXIT_INTERRUPTED)
        finally:
            store.close()
    for note in result.report.notes:
        err.print(labelled("note:", note))
    out.print(f"prepared {result.slot}: {result.stories} stories, {result.chosen} chosen; "
              f"{result.valid} of them written ahead and unchanged; {result.calls} LLM call(s) "
              "this time; nothing published (the close publishes)")


def _run_lock(cfg: Config, dry_run: bool) -> AbstractContextManager[object]:
    """The single-instance lock of the scheduler (none for a dry run, which writes nothing)."""
    from aidigest.scheduler import run_lock

    return nullcontext() if dry_run else run_lock(cfg)


def print_report(report: RunReport) -> None:
    for s in report.sources:
        state = "ok" if s.ok else f"FAILED: {s.error}"
        err.print(f"source {s.name}: {state}; {s.new} new, {s.updated} updated"
                  + (f", {s.skipped} skipped" if s.skipped else "")
                  + (" (STALE)" if s.stale else ""))
        for note in s.notes[:3]:
            err.print(f"  {s.name}: {note}")
    for note in report.notes:
        err.print(labelled("note:", note))
    for problem in report.errors:
        err.print(labelled("error:", problem))
    for warning in report.warnings:
        err.print(labelled("warning:", warning))
    writers: dict[str, int] = {}
    for item in report.items:
        if item.outcome not in ("failed", "rejected"):
            writers[item.writer] = writers.get(item.writer, 0) + 1
    summary = ", ".join(f"{n} by {w}" for w, n in writers.items()) or "no items"
    dropped = sum(1 for i in report.items if i.outcome in ("failed", "rejected"))
    if dropped:
        summary += f" ({dropped} failed or rejected by the quality gate, replaced where possible)"
    err.print(f"{report.slot}: {report.outcome}; {report.posts_in_window} posts in window, "
              f"{report.stories} stories, {summary}")


def sources_table(cfg: Config, store: Store, action: str) -> Table:
    health = store.source_health()
    tz = zone(cfg.digest.timezone)
    table = Table(title="sources" if action == "list" else "source health")
    cols = ["name", "kind", "enabled", "weight", "target"]
    if action == "status":
        cols += ["last fetch", "ok", "new", "skipped", "http", "newest post", "stale",
                 "error / warnings"]
    for col in cols:
        table.add_column(col)
    for s in cfg.sources:
        target = getattr(s, "url", None) or getattr(s, "path", None) or ",".join(
            [*getattr(s, "users", []), *(f"list:{x}" for x in getattr(s, "lists", []))])
        row = [s.name, s.kind, "yes" if s.enabled else "no", f"{s.weight:g}", str(target)]
        if action == "status":
            h = health.get(s.name)
            row += ["never", "", "", "", "", "", "", ""] if h is None else [
                local_text(h.started_at, tz) or "never", "yes" if h.ok else "NO", str(h.new),
                str(h.skipped), str(h.http_status or ""), local_text(h.newest_at, tz),
                "STALE" if h.stale else "", clip(h.error or "; ".join(h.warnings[:2]), 120)]
        table.add_row(*row)
    return table


def copy_command(cfg: Config, to_url: str | None, to_env: str | None) -> None:
    """``aidigest store copy``: copy the configured store into ``to_url`` (or the URL in
    ``$to_env``), print the comparison, exit 1 when a table differs."""
    from aidigest.config import secret
    from aidigest.store.copy import copy_store
    from aidigest.store.sql import SqlStore

    if bool(to_url) == bool(to_env):
        raise AidigestError("give the target as --to URL or --to-env NAME (one of them)")
    target = to_url or secret(to_env, "the target store's URL (--to-env)")
    with open_store(cfg.store_target) as source, open_store(target) as dest:
        if source.location == dest.location:
            raise AidigestError(f"--to names the configured store itself ({source.location})")
        if not (isinstance(source, SqlStore) and isinstance(dest, SqlStore)):
            raise AidigestError("store copy works between SQLite and PostgreSQL stores only")
        err.print(f"copying {source.location} into {dest.location}", markup=False)
        results = copy_store(source, dest, lambda m: err.print(m, markup=False))
    table = Table(title=f"store copy into {dest.location}")
    for col in ("table", "copied", "source rows", "target rows", "checksum"):
        table.add_column(col)
    for r in results:
        table.add_row(r.table, str(r.copied), str(r.source_rows), str(r.target_rows),
                      "equal" if r.ok else "DIFFERS")
    out.print(table)
    bad = [r.table for r in results if not r.ok]
    if bad:
        err.print(f"error: the copy differs from the source in {', '.join(bad)} (the target holds "
                  "rows the source lacks, or a writer changed the source meanwhile); the source "
                  "is untouched: stop other writers and run the copy again", markup=False)
        sys.exit(1)
    out.print(f"copied {sum(r.source_rows for r in results)} rows in {len(results)} tables; "
              f"every count and checksum is equal. Next: set [digest] store_env to the variable "
              "holding this URL", markup=False)


def status_tables(data: dict[str, Any]) -> list[Table]:
    """``status`` as tables, every time in the digest's zone."""
    tz = zone(data["timezone"])
    runs = Table(title="recent runs")
    for col in ("id", "slot", "command", "outcome", "started", "secs", "published / why",
                "warnings"):
        runs.add_column(col)
    for r in data["runs"]:
        runs.add_row(str(r["id"]), r["slot"], r["command"], r["outcome"],
                     local_text(r["started_at"], tz), str(r["duration_s"] or ""),
                     str(r["published_path"] or r["reason"] or "; ".join(r["errors"])),
                     clip("; ".join(r["warnings"]), 160))
    health = Table(title="sources")
    for col in ("source", "last fetch", "ok", "new", "stale", "error"):
        health.add_column(col)
    for name, h in data["sources"].items():
        health.add_row(name, local_text(h["started_at"], tz), "yes" if h["ok"] else "NO",
                       str(h["new"]),
                       "STALE" if h["stale"] else "", clip(str(h["error"] or ""), 120))
    llm = Table(title=f"LLM ({data['posts']} posts stored)")
    for col in ("period", "calls", "prompt tokens", "completion tokens", "cost"):
        llm.add_column(col)
    for period, t in data["llm"].items():
        llm.add_row(period, str(t["calls"]), str(t["prompt_tokens"]),
                    str(t["completion_tokens"]), f"{t['cost']:.4f}")
    shown = [runs, health, llm, _schedule_table(data, tz)]
    if data.get("live"):
        shown.append(_live_table(data["live"], tz))
    if data.get("downgrades"):
        notes = Table(title="running without", show_header=False)
        notes.add_column("note")
        for note in data["downgrades"]:
            notes.add_row(Text(note))  # literal: a hint such as 'aidigest[embeddings]' stays whole
        shown.append(notes)
    return shown


def _live_table(rows: list[dict[str, Any]], tz: tzinfo) -> Table:
    """Per slot: prepared, X reads, slot end -> built page, items written ahead used/wasted."""
    table = Table(title="live at the close")
    for col in ("slot", "prepared", "X reads", "all reads", "end -> page", "ahead used/wasted"):
        table.add_column(col)
    for r in rows:
        p = r["prepared"]
        prepared = (f"{p['outcome']} x{p['runs']} ({p['calls']} calls; last "
                    f"{local_text(p['last_at'], tz)})" if p else "no")
        total = sum(v["reads"] for v in r["reads"].values())
        again = f" ({r['x_rereads']} again)" if r["x_rereads"] else ""
        latency = f"{r['latency_s']:.1f} s" if r["latency_s"] is not None else ""
        ahead = f"{r['used']}/{r['wasted']}" if r["latency_s"] is not None and p else ""
        table.add_row(r["slot"], prepared, f"{r['x_reads']}{again}", str(total), latency, ahead)
    return table


def _schedule_table(data: dict[str, Any], tz: tzinfo) -> Table:
    table = Table(title="schedule", show_header=False)
    table.add_column("what")
    table.add_column("value")
    pid = data["running_pid"]
    table.add_row("now", f"running now (pid {pid})" if pid else "idle")
    table.add_row("next slot", f"{data['next_slot']} due {local_text(data['next_slot_due'], tz)}")
    table.add_row("due, not done", ", ".join(data["owed_slots"]) or "none")
    for held in data["held"]:
        table.add_row(f"HELD {held['slot']}",
                      f"{held['reason']} (draft: {held['path']}); {held['note']}")
    return table
