"""The scheduler's work while a window is open: a poll every ``[schedule] poll_minutes``, a
prepare every ``prepare_minutes`` and a final one :data:`~aidigest.live.plan.FINAL_LEAD_SECONDS`
before the close (timing decided by :func:`aidigest.live.plan.work_due`).

Each piece of work takes the run lock (so a cron ``aidigest run`` never writes beside it) but
never the slot's claim. A poll or prepare that fails is said and recorded, never raised: the
close runs all the same, and does everything a prepare did not. Does NOT publish.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from aidigest.config import Config
from aidigest.errors import AidigestError
from aidigest.live.ingest import poll
from aidigest.live.plan import FINAL_LEAD_SECONDS, work_due
from aidigest.live.prepare import prepare_slot
from aidigest.slots import Slot
from aidigest.store import open_store
from aidigest.stories.feature_cache import FeatureCache
from aidigest.timeutil import now_utc

__all__ = ["LiveWork"]

log = logging.getLogger(__name__)


@dataclass
class LiveWork:
    """Called by the scheduler while it waits for the next close (``Scheduler.while_open``):
    does the work due now for the open ``slot`` and returns when to look again."""

    cfg: Config
    say: Callable[[str], None]
    clock: Callable[[], datetime] = now_utc
    should_stop: Callable[[], bool] = lambda: False
    final_lead: float = FINAL_LEAD_SECONDS  # the final prepare starts this long before the close
    #: per-post features, computed at each poll; the scheduler's close gets the same cache
    features: FeatureCache | None = None
    last_poll: dict[str, datetime] = field(default_factory=dict)
    last_prepare: dict[str, datetime] = field(default_factory=dict)
    final_done: set[str] = field(default_factory=set)
    end_done: set[str] = field(default_factory=set)
    #: what was done, in order: (slot, action, outcome) — for the log and the tests
    done: list[tuple[str, str, str]] = field(default_factory=list)

    def __call__(self, slot: Slot, now: datetime) -> datetime | None:
        sched = self.cfg.schedule
        due = work_due(now, slot.end, self.last_poll.get(slot.key),
                       self.last_prepare.get(slot.key), slot.key in self.final_done,
                       sched.poll_minutes, sched.prepare_minutes, self.final_lead,
                       end_done=slot.key in self.end_done)
        if due.action is None:
            return due.next_at
        outcome = self._do(due.action, slot, now)
        self.done.append((slot.key, due.action, outcome))
        self.last_poll[slot.key] = now
        if due.action != "poll":
            self.last_prepare[slot.key] = now
        if due.action == "final":
            self.final_done.add(slot.key)
        if due.action == "end":
            self.end_done.add(slot.key)
        return self.clock()  # look again now: the next piece of work decides its own time

    def _do(self, action: str, slot: Slot, now: datetime) -> str:
        from aidigest.scheduler import run_lock

        try:
            with run_lock(self.cfg):
                store = open_store(self.cfg.store_target)
                try:
                    if action == "poll":
                        reports = poll(self.cfg, store, slot, self.features)
                        self.say(f"{slot.key} poll: {sum(r.new for r in reports)} new post(s), "
                                 f"{sum(r.reads for r in reports)} read")
                        return "polled"
                    close_in = (slot.end - now).total_seconds() + self.cfg.schedule.delay_seconds
                    # the end prepare's calls are the close's own: none is given up for time
                    deadline = None if action == "end" else time.monotonic() + max(1.0, close_in)
                    result = prepare_slot(
                        self.cfg, store, slot, final=action in ("final", "end"),
                        at_end=action == "end", now=now,
                        say=lambda m: self.say(f"{slot.key} {m}"), should_stop=self.should_stop,
                        deadline=deadline, features=self.features)
                    return result.outcome
                finally:
                    store.close()
        except KeyboardInterrupt:  # a stop request: recorded by prepare; the loop ends
            self.say(f"{slot.key} {action}: interrupted; what it wrote ahead is kept")
            return "interrupted"
        except AidigestError as exc:
            self.say(f"{slot.key} {action} failed: {exc}; the close does its work")
            return "failed"
        except Exception as exc:  # a bug must not block the close
            log.exception("%s of slot %s failed", action, slot.key)
            self.say(f"{slot.key} {action} failed: internal error ({type(exc).__name__}: {exc}); "
                     "the close does its work")
            return "failed"
