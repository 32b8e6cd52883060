"""Run a batch of blocking tasks (LLM calls) on daemon worker threads, with a deadline, a stop
check and a heartbeat.

Daemon threads, not ``concurrent.futures``: a task stuck in a hanging HTTP request must not
keep the process alive after the run has given up on it (the executor's threads are joined at
interpreter exit). Results are handed back to the calling thread, which alone touches the
store. Does NOT retry, time a single task out (the HTTP client's timeout does), or know what
the tasks do.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from aidigest.errors import Interrupted

R = TypeVar("R")
POLL_S = 0.2  # how often the stop check runs while waiting
HEARTBEAT_S = 10.0


def run_tasks(
    tasks: Sequence[Callable[[], R]],
    workers: int,
    *,
    deadline: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_wait: Callable[[float, int], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[tuple[int, R]]:
    """Yield ``(index, result)`` as tasks finish. Stops yielding when ``deadline`` (a
    ``clock()`` value) passes, leaving unfinished tasks to die with their threads; raises
    :class:`Interrupted` as soon as ``should_stop()`` is true, after yielding the results
    already finished (a stop never throws away an answer that was paid for). ``on_wait(seconds_waited,
    pending)`` is called every HEARTBEAT_S without a result. A task must not raise."""
    jobs: queue.Queue[int] = queue.Queue()
    done: queue.Queue[tuple[int, R]] = queue.Queue()
    for index in range(len(tasks)):
        jobs.put(index)

    def work() -> None:
        while True:
            try:
                index = jobs.get_nowait()
            except queue.Empty:
                return
            done.put((index, tasks[index]()))

    for n in range(max(1, min(workers, len(tasks)))):
        threading.Thread(target=work, name=f"llm-writer-{n}", daemon=True).start()
    pending = len(tasks)
    started = last = clock()
    while pending:
        if should_stop is not None and should_stop():
            yield from _drain(done)  # answers already in are handed back (and stored) first
            raise Interrupted("stop requested while writing")
        now = clock()
        if deadline is not None and now >= deadline:
            return
        wait = POLL_S if deadline is None else max(0.0, min(POLL_S, deadline - now))
        try:
            item = done.get(timeout=wait)
        except queue.Empty:
            if on_wait is not None and clock() - last >= HEARTBEAT_S:
                last = clock()
                on_wait(last - started, pending)
            continue
        pending -= 1
        last = clock()
        yield item


def _drain(done: queue.Queue[tuple[int, R]]) -> Iterator[tuple[int, R]]:
    """The results already finished, without waiting."""
    while True:
        try:
            yield done.get_nowait()
        except queue.Empty:
            return
