"""The desk's actions from the terminal, thin click commands over :mod:`aidigest.desk.actions`:
``aidigest publish --slot S`` (approve), ``aidigest reject --slot S`` and ``aidigest item …``
(edit, drop, move, swap, regenerate; each prints the slot's items afterwards).
Registered on the main command group by :mod:`aidigest.cli`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

import click

from aidigest.config import load_config
from aidigest.console import err, labelled, out
from aidigest.desk import actions
from aidigest.errors import AidigestError
from aidigest.store import open_store

_slot = click.option("--slot", required=True, help="Slot end of the digest, e.g. 2025-12-07T08.")
_config = click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                       help="Config file (default: ./aidigest.toml or $AIDIGEST_CONFIG).")


def _fail(exc: AidigestError) -> None:
    err.print(labelled("error:", str(exc)))
    sys.exit(1)


@click.command()
@_config
@_slot
@click.option("--no-build", is_flag=True, help="Do not build the site after publishing.")
def publish(config_path: str | None, slot: str, no_build: bool) -> None:
    """Publish (approve) a draft or held digest, as a run would publish it."""
    try:
        cfg = load_config(config_path)
        with open_store(cfg.store_target) as store:
            report = actions.approve(cfg, store, slot, lambda m: err.print(m, markup=False),
                                     build=False if no_build else None)
            row = store.get_digest(report.slot)
    except AidigestError as exc:
        _fail(exc)
        return
    for note in report.notes:
        err.print(labelled("note:", note))
    for problem in report.errors:
        err.print(labelled("error:", problem))
    for warning in report.warnings:
        err.print(labelled("warning:", warning))
    out.print(f"{report.slot}: {report.outcome}; {len(row.items) if row else 0} items"
              + (f"\ndigest: {report.published_path}" if report.published_path else ""), markup=False)
    if report.outcome == "failed":
        sys.exit(1)


@click.command()
@_config
@_slot
@click.option("--reason", default="", help="Why it is rejected (shown on the desk).")
def reject(config_path: str | None, slot: str, reason: str) -> None:
    """Reject a draft or held digest (its Hugo draft file is removed)."""
    try:
        cfg = load_config(config_path)
        with open_store(cfg.store_target) as store:
            draft = actions.reject(cfg, store, slot, reason)
    except AidigestError as exc:
        _fail(exc)
        return
    out.print(f"{draft.digest.slot.key}: rejected ({draft.reason})", markup=False)


def _do(config_path: str | None, work: Callable[[Any, Any], actions.Draft | tuple[actions.Draft, str]]
        ) -> None:
    """Run one action; an AidigestError is printed as one message and exits 1. An action that
    says what it did (swap: which writer wrote the item) has it printed first."""
    parent = click.get_current_context().parent
    config_path = config_path or (parent.params.get("config_path") if parent else None)
    try:
        cfg = load_config(config_path)
        with open_store(cfg.store_target) as store:
            done = work(cfg, store)
    except AidigestError as exc:
        _fail(exc)
        return
    draft, said = done if isinstance(done, tuple) else (done, "")
    if said:
        out.print(said, markup=False)
    out.print(f"{draft.digest.slot.key}: {draft.state}" + (f" ({draft.reason})" if draft.reason else ""),
              markup=False)
    for n, item in enumerate(draft.digest.items, 1):
        out.print(f"{n:>2}. {item.title}  [{item.writer}]", markup=False)


@click.group("item")
@_config
def item_group(config_path: str | None) -> None:
    """Change one item of a draft, held or published digest (as the desk's forms do)."""


@item_group.command("edit")
@_config
@_slot
@click.argument("position", type=int)
@click.option("--title", required=True, help="New headline (Chinese, at most 40 characters).")
@click.option("--summary", required=True, help="New summary (120–260 characters, **bold** terms).")
@click.option("--terms", default="", help="Comma-separated bold terms to mark in the summary.")
def edit(config_path: str | None, slot: str, position: int, title: str, summary: str,
         terms: str) -> None:
    """Replace item POSITION's title, summary and bold terms (validated like LLM output)."""
    words = [t for t in re.split(r"[,，、]", terms) if t.strip()]
    _do(config_path, lambda cfg, st: actions.edit_item(cfg, st, slot, position, title, summary, words))


@item_group.command("drop")
@_config
@_slot
@click.argument("position", type=int)
def drop(config_path: str | None, slot: str, position: int) -> None:
    """Remove item POSITION from the digest."""
    _do(config_path, lambda cfg, st: actions.drop_item(cfg, st, slot, position))


@item_group.command("move")
@_config
@_slot
@click.argument("position", type=int)
@click.argument("to", type=int)
def move(config_path: str | None, slot: str, position: int, to: int) -> None:
    """Move item POSITION to position TO."""
    _do(config_path, lambda cfg, st: actions.move_item(cfg, st, slot, position, to))


@item_group.command("swap")
@_config
@_slot
@click.argument("story")
@click.option("--position", type=int, default=None, help="Item to replace (default: append).")
def swap(config_path: str | None, slot: str, story: str, position: int | None) -> None:
    """Write candidate STORY (an id from `aidigest stories`) into the digest."""
    _do(config_path, lambda cfg, st: actions.swap_in(cfg, st, slot, story, position))


@item_group.command("regenerate")
@_config
@_slot
@click.argument("position", type=int)
def regenerate(config_path: str | None, slot: str, position: int) -> None:
    """Ask the LLM afresh for item POSITION (the cache is not used)."""
    _do(config_path, lambda cfg, st: actions.regenerate(cfg, st, slot, position)[0])
