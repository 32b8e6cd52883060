"""Progress of a run on stderr: a rich progress bar for the write stage on a terminal, plain
log lines (``write: item 3/10 ok by deepseek, 4.2 s``) otherwise (cron, CI, pipes).

Presentation only: the pipeline reports :class:`~aidigest.models.ItemProgress` events and
messages; this module shows them. Does NOT decide anything about the run.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from aidigest.models import ItemProgress


def item_line(event: ItemProgress) -> str:
    """One plain line for a finished item."""
    who = f"by {event.provider}" if event.provider else "no LLM item"
    title = f": {event.title[:40]}" if event.title else ""
    return (f"write: item {event.n}/{event.total} {event.outcome} {who}, "
            f"{event.seconds:.1f} s{title}")


class RunProgress:
    """Use as a context manager around a run; pass :meth:`say`, :meth:`on_item` and
    :meth:`on_wait` to the pipeline. ``live`` None = a bar only if ``console`` is a terminal."""

    def __init__(self, console: Console, live: bool | None = None) -> None:
        self.console = console
        self.live = console.is_terminal if live is None else live
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> RunProgress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def say(self, message: str) -> None:
        self.console.print(message, markup=False, highlight=False, emoji=False)

    def on_wait(self, message: str) -> None:
        if self._bar is None:
            self.say(message)

    def on_item(self, event: ItemProgress) -> None:
        if not self.live:
            self.say(item_line(event))
            return
        if self._bar is None:
            self._bar = Progress(TextColumn("write"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.description}", markup=False),
                                 TimeElapsedColumn(),
                                 console=self.console, transient=False)
            self._bar.start()
            self._task = self._bar.add_task("", total=event.total)
        assert self._task is not None
        who = event.provider or "—"
        self._bar.update(self._task, completed=event.n, total=event.total,
                         description=f"{event.outcome} by {who}")
        if event.n >= event.total:
            self._bar.stop()
            self._bar = None
