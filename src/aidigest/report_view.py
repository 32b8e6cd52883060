"""``aidigest report``: one run's report as tables or JSON — per source (new, updated,
skipped, warnings), per item (writer, provider, attempts, fallback reason, tokens), the
outcome, and every note, warning and error.

Presentation only: reads the run report the pipeline stored. Does NOT run anything.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from aidigest.console import clip, labelled
from aidigest.errors import InputError
from aidigest.status import run_outcome
from aidigest.store import Store


def report_data(store: Store, slot_key: str | None = None) -> dict[str, Any]:
    """The latest run (of ``slot_key`` if given) as one JSON-ready object; InputError if
    there is none."""
    run = store.latest_run(slot_key)
    if run is None:
        where = f"for slot {slot_key}" if slot_key else "yet"
        raise InputError(f"no run recorded {where}; run 'aidigest run' (or 'aidigest digest "
                         "--slot S') first, or pick a slot listed by 'aidigest status'")
    rep = run.report
    digest = store.get_digest(run.slot)
    return {
        "run": run.id, "slot": run.slot, "command": run.command,
        "started_at": run.started_at, "finished_at": run.finished_at,
        "outcome": run_outcome(run),
        "digest_state": digest.state if digest else None,
        "reason": digest.reason if digest else None,
        "published_path": rep.published_path,
        "posts_in_window": rep.posts_in_window, "stories": rep.stories,
        "sources": [
            {"name": s.name, "kind": s.kind, "ok": s.ok, "new": s.new, "updated": s.updated,
             "skipped": s.skipped, "error": s.error, "warnings": list(s.notes)}
            for s in rep.sources
        ],
        "items": [
            {"story_id": i.story_id, "writer": i.writer, "outcome": i.outcome,
             "provider": i.provider, "attempts": i.attempts, "fallback_reason": i.fallback_reason,
             "prompt_tokens": i.prompt_tokens, "completion_tokens": i.completion_tokens}
            for i in rep.items
        ],
        "llm": dict(rep.llm),
        "warnings": list(rep.warnings), "errors": list(rep.errors), "notes": list(rep.notes),
    }


def report_tables(data: dict[str, Any]) -> list[Table | Text | str]:
    """Tables (sources, items) and lines (outcome; every note, warning and error, as
    ``note:``, ``warning:`` and ``error:`` lines) for the console."""
    head = (f"run {data['run']} of slot {data['slot']} ({data['command']}): {data['outcome']}; "
            f"{data['posts_in_window']} posts in window, {data['stories']} stories")
    shown: list[Table | Text | str] = [head]
    if data["reason"] and data["digest_state"] != "published":
        shown.append(f"{data['digest_state']}: {data['reason']}")
    sources = Table(title="sources")
    for col in ("source", "ok", "new", "updated", "skipped", "warnings / error"):
        sources.add_column(col)
    for s in data["sources"]:
        problems = "; ".join([*(s["warnings"]), *([s["error"]] if s["error"] else [])])
        sources.add_row(s["name"], "yes" if s["ok"] else "NO", str(s["new"]), str(s["updated"]),
                        str(s["skipped"]), clip(problems, 160))
    items = Table(title="items")
    for col in ("#", "story", "writer", "outcome", "provider", "attempts", "tokens in/out",
                "fallback reason"):
        items.add_column(col)
    for n, i in enumerate(data["items"], 1):
        items.add_row(str(n), i["story_id"], i["writer"], i["outcome"], i["provider"] or "",
                      str(i["attempts"]), f"{i['prompt_tokens']}/{i['completion_tokens']}",
                      clip(i["fallback_reason"] or "", 160))
    shown += [sources, items]
    shown += [labelled("note:", n) for n in data["notes"]]
    shown += [labelled("warning:", w) for w in data["warnings"]]
    shown += [labelled("error:", e) for e in data["errors"]]
    return shown
