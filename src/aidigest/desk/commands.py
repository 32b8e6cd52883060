"""``aidigest item …``: the desk's item actions from the terminal (edit, drop, move, swap,
regenerate), thin click commands over :mod:`aidigest.desk.actions`. Each prints the slot's
items afterwards. Does NOT publish (``aidigest publish --slot S`` does).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

import click

from aidigest.config import load_config
from aidigest.console import err, out
from aidigest.desk import actions
from aidigest.errors import AidigestError
from aidigest.store import open_store

_slot = click.option("--slot", required=True, help="Slot end of the digest, e.g. 2025-12-07T08.")
_config = click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                       help="Config file (default: ./aidigest.toml or $AIDIGEST_CONFIG).")


def _do(config_path: str | None, work: Callable[[Any, Any], actions.Draft]) -> None:
    """Run one action; an AidigestError is printed as one message and exits 1."""
    parent = click.get_current_context().parent
    config_path = config_path or (parent.params.get("config_path") if parent else None)
    try:
        cfg = load_config(config_path)
        with open_store(cfg.store_path) as store:
            draft = work(cfg, store)
    except AidigestError as exc:
        err.print(f"[red]error:[/red] {exc}", markup=True, soft_wrap=True)
        sys.exit(1)
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
