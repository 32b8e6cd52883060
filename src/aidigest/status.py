"""What ``aidigest status`` and the desk's front page show, gathered once from the store:
recent runs (a run whose process is gone shows as ``interrupted``), held slots, digests,
source health, LLM spend and the schedule. Works on either store backend.

Returns JSON-ready data; does NOT print (the CLI's tables are in :mod:`aidigest.commands`,
the desk's pages in :mod:`aidigest.desk.views`) and does NOT change anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from aidigest.config import Config
from aidigest.store import DigestSummary, RunRecord, Store
from aidigest.timeutil import now_utc, parse_instant
from aidigest.window import downgrades

__all__ = ["held_slots", "live_slots", "pid_alive", "run_duration", "run_outcome", "status_data"]


def pid_alive(pid: int | None) -> bool:
    """Whether process ``pid`` exists (another user's counts as alive)."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_outcome(run: RunRecord) -> str:
    """A run's outcome as status shows it: a run still marked ``running`` whose process is
    gone (killed, crashed, the machine rebooted) shows as ``interrupted``."""
    if run.outcome != "running":
        return run.outcome
    return "running" if pid_alive(run.report.pid) else "interrupted"


def run_duration(run: RunRecord) -> float | None:
    """Seconds the run took: as measured by the run, else from its start and finish times."""
    measured = run.report.llm.get("duration_s")
    if measured is not None or not (run.started_at and run.finished_at):
        return measured
    started, finished = parse_instant(run.started_at), parse_instant(run.finished_at)
    return round((finished - started).total_seconds(), 3)


def status_data(cfg: Config, store: Store) -> dict[str, Any]:
    """Recent runs (outcomes checked against live pids), held slots with their reason,
    recent digests with their state, source health, LLM totals and the schedule."""
    from aidigest.scheduler import lock_holder, next_due, owed_slots

    now = now_utc()
    digests = {d.slot: d for d in store.list_digests(20)}
    runs = []
    for run in store.recent_runs(10):
        rep = run.report
        digest = digests.get(run.slot)
        runs.append({
            "id": run.id, "slot": run.slot, "command": run.command,
            "started_at": run.started_at, "finished_at": run.finished_at,
            "outcome": run_outcome(run), "duration_s": run_duration(run),
            "published_path": rep.published_path, "errors": list(rep.errors),
            "warnings": list(rep.warnings), "pid": rep.pid,
            "reason": digest.reason if digest and run.outcome == "held" else None,
        })
    next_slot, due = next_due(now, cfg)
    return {
        "store": store.backend,
        "timezone": cfg.digest.timezone,
        "downgrades": downgrades(cfg),
        "running_pid": lock_holder(cfg),
        "held": held_slots(cfg, digests.values(), now),
        "digests": [d.to_dict() for d in list(digests.values())[:10]],
        "owed_slots": [s.key for s in owed_slots(now, cfg, store)],
        "runs": runs,
        "sources": {name: h.to_dict() for name, h in store.source_health().items()},
        "llm": {"last_day": store.llm_totals(now - timedelta(days=1)).to_dict(),
                "last_month": store.llm_totals(now - timedelta(days=30)).to_dict()},
        "posts": store.count_posts(),
        "next_slot": next_slot.key,
        "next_slot_due": due.isoformat(),
        "live": live_slots(cfg, store),
    }


def live_slots(cfg: Config, store: Store, limit: int = 8) -> list[dict[str, Any]]:
    """Per recent slot: whether it was prepared (runs, calls, last outcome), the posts read
    from X and from every source while it was open, and, once published, the seconds from
    its end to the built page with the items written ahead used and wasted."""
    prepares = {p.slot: p for p in store.recent_prepares(limit)}
    latencies = {lat.slot: lat for lat in store.recent_latencies(limit)}
    keys = sorted(set(prepares) | set(latencies), reverse=True)[:limit]
    x_sources = {s.name for s in cfg.sources if s.kind == "x_api"}
    reads: dict[str, dict[str, Any]] = {}
    for r in store.source_reads(keys):
        reads.setdefault(r.slot, {})[r.source] = r.to_dict()
    rows = []
    for key in keys:
        p, lat, per = prepares.get(key), latencies.get(key), reads.get(key, {})
        rows.append({
            "slot": key,
            "prepared": p.to_dict() if p else None,
            "x_reads": sum(v["reads"] for n, v in per.items() if n in x_sources),
            "x_rereads": sum(v["rereads"] for n, v in per.items() if n in x_sources),
            "reads": per,
            "latency_s": lat.seconds if lat else None,
            "used": lat.used if lat else None, "wasted": lat.wasted if lat else None,
        })
    return rows


def held_slots(cfg: Config, digests: Iterable[DigestSummary], now: datetime) -> list[dict[str, Any]]:
    """Held slots with their reason; ``retried`` False for one older than ``[schedule]
    catch_up`` (the scheduler no longer tries it), with the commands that publish it."""
    from aidigest.scheduler import candidate_slots

    reach = {s.key for s in candidate_slots(now, cfg)}
    held = []
    for d in digests:
        if d.state != "held":
            continue
        slot = d.slot
        retried = slot in reach
        held.append({
            "slot": slot, "reason": d.reason, "path": d.path, "retried": retried,
            "publish_with": [f"aidigest run --slot {slot}", f"aidigest publish --slot {slot}"],
            "note": "retried by the scheduler at its next run" if retried else (
                f"NOT retried: older than [schedule] catch_up = {cfg.schedule.catch_up} slots; "
                f"'aidigest run --slot {slot}' writes it again and publishes it, or "
                f"'aidigest publish --slot {slot}' publishes the held draft as it is"),
        })
    return held
