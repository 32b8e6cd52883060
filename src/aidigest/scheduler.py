"""Run every slot shortly after it closes: the slot grid, catch-up and the single-instance lock.

:func:`run_lock` is an exclusive, non-blocking ``flock`` on a file beside the store, taken by
``aidigest run``/``digest`` and by every slot the scheduler runs, so two processes can never
write the same slot at once. :class:`Scheduler` decides WHICH slots are due (pure, from an
injected clock) and sleeps through an injected ``sleep``; it stops between slots on
SIGTERM/SIGINT.

Does NOT fetch, write or publish anything itself: each due slot is handed to a ``run_one``
callable (by default :func:`aidigest.pipeline.run_slot` with fetching on).
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from aidigest.config import Config
from aidigest.errors import AidigestError, AlreadyRunningError, Interrupted, StoreError
from aidigest.slots import Slot, latest_finished, zone
from aidigest.store import Store, open_store
from aidigest.timeutil import now_utc

if TYPE_CHECKING:
    from aidigest.stories.feature_cache import FeatureCache

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], None]
RunOne = Callable[[Slot], str]
#: Outcomes after which a slot is not run again by the scheduler.
DONE_OUTCOMES = frozenset({"published", "published-with-warnings", "published-with-errors",
                           "empty", "skipped", "draft"})
#: Digest states after which a slot is not run again (a ``held`` slot is retried).
DONE_STATES = frozenset({"published", "draft", "rejected"})
#: ``schedule --once`` exit statuses (the contract in README "Exit statuses").
EXIT_FAILED, EXIT_HELD, EXIT_STOPPED = 1, 3, 130


def lock_path(cfg: Config) -> Path:
    """The one-host lock file: beside a SQLite store (``aidigest.db`` → ``aidigest.db.lock``);
    with a PostgreSQL store, ``aidigest.lock`` beside the config (hosts coordinate through
    slot claims in the store, see :mod:`aidigest.claims`)."""
    if cfg.store_is_postgres:
        return cfg.base_dir / "aidigest.lock"
    store = cfg.store_path
    return store.with_name(store.name + ".lock")


@contextmanager
def run_lock(cfg: Config) -> Iterator[Path]:
    """Hold the store's run lock for the ``with`` block; AlreadyRunningError if another process
    holds it. The lock is released when the process ends, however it ends."""
    path = lock_path(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StoreError(f"cannot lock {path}: {exc.strerror}") from exc
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise AlreadyRunningError(
                f"aidigest is already running (pid {holder}) for the store {_where(cfg)}; "
                f"wait for it to finish (lock file: {path})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _where(cfg: Config) -> str:
    if not cfg.store_is_postgres:
        return str(cfg.store_path)
    from aidigest.store.postgres import redact_url

    return redact_url(cfg.digest.store) if "://" in cfg.digest.store else f"in ${cfg.digest.store_env}"


def lock_holder(cfg: Config) -> int | None:
    """The pid of the live process holding the run lock, read from the lock file WITHOUT taking
    the lock (a probe must never make a starting run fail); None when no run is in progress."""
    try:
        text = lock_path(cfg).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not text.isdigit():
        return None
    pid = int(text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:  # killed without releasing (the kernel dropped the lock)
        return None
    except PermissionError:  # alive, another user's
        return pid
    return pid


def due_at(slot: Slot, delay_seconds: float) -> datetime:
    """When ``slot`` should run: its end plus the delay that lets late posts arrive."""
    return slot.end + timedelta(seconds=delay_seconds)


def latest_due(now: datetime, cfg: Config) -> Slot:
    """The newest slot whose due time is at or before ``now``."""
    delay = timedelta(seconds=cfg.schedule.delay_seconds)
    return latest_finished(now - delay, cfg.digest.timezone, cfg.digest.slot_hours)


def next_due(now: datetime, cfg: Config) -> tuple[Slot, datetime]:
    """The first slot that becomes due after ``now`` and when."""
    upcoming = latest_due(now, cfg).next()
    return upcoming, due_at(upcoming, cfg.schedule.delay_seconds)


def candidate_slots(now: datetime, cfg: Config) -> list[Slot]:
    """The latest due slot and up to ``catch_up`` slots before it, oldest first."""
    newest = latest_due(now, cfg)
    slots = [newest]
    for _ in range(cfg.schedule.catch_up):
        slots.append(slots[-1].previous())
    return slots[::-1]


def owed_slots(now: datetime, cfg: Config, store: Store) -> list[Slot]:
    """Due slots (within the catch-up reach) that are not done yet: what the scheduler would
    run now, oldest first."""
    slots = candidate_slots(now, cfg)
    done = finished_slots(store, [s.key for s in slots])
    return [s for s in slots if s.key not in done]


def finished_slots(store: Store, keys: list[str]) -> set[str]:
    """Which of ``keys`` are done: a digest published, awaiting review or rejected, or a run
    that ended without error. A held slot is not done (later runs retry it)."""
    done = {k for k in keys if (d := store.get_digest(k)) and d.state in DONE_STATES}
    for run in store.recent_runs(max(50, 4 * len(keys))):
        if run.slot in keys and run.outcome in DONE_OUTCOMES:
            done.add(run.slot)
    return done


def pipeline_runner(
    cfg: Config, say: Callable[[str], None], should_stop: Callable[[], bool] | None = None,
    clock: Clock | None = None, features: FeatureCache | None = None,
) -> RunOne:
    """The default ``run_one``: fetch + write + publish the slot under the run lock; a stop
    request after the fetch stage ends the run before anything is written. ``clock``: the
    run's "now" (a benchmark's fast clock); default the real time. ``features``: the
    per-post features cache the polls filled (:class:`~aidigest.live.loop.LiveWork`)."""
    from aidigest.pipeline import RunOptions, run_slot
    from aidigest.progress import item_line

    def run_one(slot: Slot) -> str:
        with run_lock(cfg):
            store = open_store(cfg.store_target)
            try:
                options = RunOptions(
                    slot=slot, fetch=True, command="schedule", should_stop=should_stop,
                    now=clock() if clock else None, features=features,
                    on_item=lambda e: say(f"{slot.key} {item_line(e)}"),
                    on_wait=lambda m: say(f"{slot.key} {m}"))
                result = run_slot(cfg, store, options, progress=lambda m: say(f"{slot.key} {m}"))
            except Interrupted:  # a stop request while writing: recorded by run_slot
                return "interrupted"
            finally:
                store.close()
        for label, problems in (("error", result.report.errors),
                                ("warning", result.report.warnings)):
            for problem in problems:
                say(f"{slot.key} {label}: {problem}")
        return result.report.outcome

    return run_one


@dataclass
class Scheduler:
    """Runs due slots, catches up missed ones, sleeps until the next is due; stops on request.

    ``clock`` returns an aware datetime; ``sleep`` waits some seconds (tests pass fakes that
    advance a fake clock). ``is_done`` says whether a slot needs no run (by default: from the
    store); slots this scheduler already ran are never run twice by it.
    """

    cfg: Config
    run_one: RunOne
    is_done: Callable[[list[str]], set[str]]
    clock: Clock = now_utc
    sleep: Sleep = time.sleep
    say: Callable[[str], None] = log.info
    nap_seconds: float = 60.0
    retry_seconds: float = 120.0  # a slot skipped because another run held the lock
    stop_requested: bool = False
    blocked: bool = False
    ran: list[str] = field(default_factory=list)
    #: every slot this scheduler ran, with how it ended (the last time): an outcome of the
    #: run report, ``failed`` (an error kept it from running) or ``claimed`` (another
    #: process held the run lock)
    outcomes: dict[str, str] = field(default_factory=dict)
    #: work while the next slot is open (polls, prepares: :class:`aidigest.live.loop.LiveWork`):
    #: called with that slot and the time, returns when it wants to be called again
    while_open: Callable[[Slot, datetime], datetime | None] | None = None

    def stop(self, *_args: object) -> None:
        """Ask the loop to end after the current stage (a signal handler)."""
        if not self.stop_requested:
            self.say("schedule: stop requested; finishing the current stage")
        self.stop_requested = True

    def pending(self, now: datetime) -> list[Slot]:
        """Due slots not yet done, oldest first."""
        slots = candidate_slots(now, self.cfg)
        done = self.is_done([s.key for s in slots]) | set(self.ran)
        return [s for s in slots if s.key not in done]

    def run_pending(self) -> int:
        """Run every pending slot (stopping early on request); returns how many ran."""
        count = 0
        self.blocked = False
        try:
            due = self.pending(self.clock())
        except AidigestError as exc:  # the store is locked or unreadable right now
            self.say(f"schedule: cannot read the store: {exc}; trying again in "
                     f"{self.retry_seconds:g} s")
            self.blocked = True
            self.outcomes["store"] = "failed"
            return 0
        for slot in due:
            if self.stop_requested:
                break
            self.say(f"schedule: running slot {slot.key}")
            try:
                outcome = self.run_one(slot)
            except AidigestError as exc:  # locked by another run, store locked or unreadable
                self.say(f"schedule: slot {slot.key} skipped: {exc}; trying again in "
                         f"{self.retry_seconds:g} s")
                self.blocked = True
                claimed = isinstance(exc, AlreadyRunningError)
                self.outcomes[slot.key] = "claimed" if claimed else "failed"
                continue
            self.outcomes[slot.key] = outcome
            if outcome in DONE_OUTCOMES:  # a failed or held slot is tried again on the next pass
                self.ran.append(slot.key)
            elif outcome == "claimed":  # another host's worker: look again after retry_seconds
                self.blocked = True
            count += 1
            self.say(f"schedule: slot {slot.key} {outcome}")
        return count

    def exit_status(self) -> int:
        """``schedule --once``: 1 when any slot failed (or could not be run for an error), else
        3 when any was held, else 130 when a stop request (SIGTERM, Ctrl-C) ended it early,
        else 0 (every slot published, skipped, empty, a draft, or claimed by another process)."""
        ended = set(self.outcomes.values())
        if "failed" in ended:
            return EXIT_FAILED
        if "held" in ended:
            return EXIT_HELD
        stopped = self.stop_requested or bool(ended & {"stopped", "interrupted"})
        return EXIT_STOPPED if stopped else 0

    def summary(self) -> str:
        """One line: each slot run and how it ended, and the exit status that follows."""
        ran = ", ".join(f"{k} {v}" for k, v in self.outcomes.items()) or "no slot was due"
        return f"schedule: {ran}; exit status {self.exit_status()}"

    def wait_for_next(self) -> None:
        """Sleep until the next slot is due (or, after a slot was skipped for the lock, for
        ``retry_seconds``), in naps so that a stop request is noticed."""
        upcoming, when = next_due(self.clock(), self.cfg)
        self.say(f"schedule: next slot {upcoming.key} due at {when.isoformat()}")
        if self.blocked:
            when = min(when, self.clock() + timedelta(seconds=self.retry_seconds))
        while not self.stop_requested:
            left = (when - self.clock()).total_seconds()
            if left <= 0:
                return
            if self.while_open is not None:
                wake = self.while_open(upcoming, self.clock())
                now = self.clock()
                left = (when - now).total_seconds()
                if left <= 0 or self.stop_requested:
                    return
                if wake is not None:
                    left = min(left, max(0.0, (wake - now).total_seconds()))
                    if left == 0:
                        continue
            self.sleep(min(left, self.nap_seconds))

    def run_forever(self, until: Callable[[], bool] | None = None) -> None:
        """Loop: run pending slots, sleep; ends on stop() or when ``until()`` is true."""
        while not self.stop_requested and not (until and until()):
            self.run_pending()
            if self.stop_requested or (until and until()):
                break
            self.wait_for_next()
        self.say("schedule: stopped")


def store_done_checker(cfg: Config) -> Callable[[list[str]], set[str]]:
    """``is_done`` reading the store (opened per check, so other processes' runs count)."""

    def is_done(keys: list[str]) -> set[str]:
        store = open_store(cfg.store_target)
        try:
            return finished_slots(store, keys)
        finally:
            store.close()

    return is_done


@contextmanager
def stop_on_signals(scheduler: Scheduler, wake: threading.Event) -> Iterator[None]:
    """SIGTERM/SIGINT ask the scheduler to stop (and end its nap); the previous handlers come
    back afterwards."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def handler(_signum: int, _frame: FrameType | None) -> None:
        scheduler.stop()
        wake.set()

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def stamped(cfg: Config, say: Callable[[str], None], clock: Clock = now_utc) -> Callable[[str], None]:
    """``say`` with each line prefixed by the time in the digest's zone (a log for cron/nohup)."""
    tz = zone(cfg.digest.timezone)
    return lambda line: say(f"{clock().astimezone(tz).isoformat(timespec='seconds')} {line}")


def schedule(cfg: Config, say: Callable[[str], None], once: bool = False) -> Scheduler:
    """``aidigest schedule``: the real clock, the pipeline, the store; blocks until stopped."""
    say = stamped(cfg, say)
    wake = threading.Event()  # a signal ends the nap at once (time.sleep would resume)

    def nap(seconds: float) -> None:
        wake.wait(seconds)

    scheduler = Scheduler(cfg, pipeline_runner(cfg, say), store_done_checker(cfg), sleep=nap,
                          say=say)
    scheduler.run_one = pipeline_runner(cfg, say, lambda: scheduler.stop_requested)
    if not once:  # polls and prepares while each window is open; the close reuses their features
        from aidigest.live.loop import LiveWork
        from aidigest.stories.feature_cache import FeatureCache

        features = FeatureCache()
        scheduler.run_one = pipeline_runner(cfg, say, lambda: scheduler.stop_requested,
                                            features=features)
        scheduler.while_open = LiveWork(cfg, say, should_stop=lambda: scheduler.stop_requested,
                                        features=features)
    with stop_on_signals(scheduler, wake):
        if once:
            scheduler.run_pending()
            say(scheduler.summary())
        else:
            scheduler.run_forever()
    return scheduler
