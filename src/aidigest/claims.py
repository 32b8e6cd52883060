"""Exactly-once slots across hosts: before it writes a slot, a worker claims the slot in the
store with a lease (``[schedule] lease_seconds``) and a thread renews the lease while it works.

A worker that finds the slot claimed by a live worker leaves it (the run ends as ``claimed``,
exit status 0); a worker killed with SIGKILL stops renewing, and once its lease has run out
(by the store's clock) the next worker takes the slot over (at once, when the dead worker ran
on the same host: its pid is gone). Right before it publishes, a
worker confirms it still holds the claim, so a worker that was frozen past its lease never
publishes beside the one that took over. The store decides; hosts need no shared clock.

Does NOT decide whether a slot is done (a published slot is skipped by the pipeline once the
claim is held) and does NOT replace the one-host lock file of :mod:`aidigest.scheduler`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable

from aidigest.config import Config
from aidigest.errors import AidigestError, StoreError
from aidigest.status import pid_alive
from aidigest.store import Claim, Store, open_store

__all__ = ["ClaimLostError", "SlotClaim", "describe"]

log = logging.getLogger(__name__)
HOST_ENV = "AIDIGEST_HOSTNAME"  # the name a worker's claims give for its host (default: hostname)


class ClaimLostError(AidigestError):
    """Another worker took the slot over (this worker's lease ran out); nothing is published."""


def describe(claim: Claim) -> str:
    """``host example-1, pid 412; its lease runs 840 s more`` (or: ran out)."""
    left = (f"its lease runs {claim.expires_in:.0f} s more" if claim.expires_in > 0
            else "its lease has run out")
    return f"host {claim.host}, pid {claim.pid}, since {claim.claimed_at}; {left}"


class SlotClaim:
    """One worker's claim of one slot. :meth:`take` it, :meth:`confirm` before publishing,
    :meth:`release` at the end (also on errors)."""

    def __init__(self, cfg: Config, slot_key: str,
                 opener: Callable[[], Store] | None = None) -> None:
        self.slot_key = slot_key
        self.lease = cfg.schedule.lease_seconds
        self.host = os.environ.get(HOST_ENV, "").strip() or socket.gethostname()
        self.pid = os.getpid()
        self.owner = f"{self.host}:{self.pid}:{uuid.uuid4().hex[:8]}"
        self._open = opener or (lambda: open_store(cfg.store_target))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = False

    def take(self, store: Store) -> Claim | None:
        """Claim the slot. None when this worker now holds it (its lease is renewed from now
        on); else the live claim of the worker that holds it."""
        attempt = store.claim_slot(self.slot_key, self.owner, self.host, self.pid, self.lease)
        holder = attempt.claim
        if not attempt.acquired and holder and holder.host == self.host and not pid_alive(holder.pid):
            # a worker of this host that died (killed, crashed): no need to wait for its lease
            log.info("slot %s: taking over the claim of dead pid %s", self.slot_key, holder.pid)
            store.release_claim(self.slot_key, holder.owner)
            attempt = store.claim_slot(self.slot_key, self.owner, self.host, self.pid, self.lease)
        if not attempt.acquired:
            return attempt.claim
        self._thread = threading.Thread(target=self._renew_loop, name=f"claim-{self.slot_key}",
                                        daemon=True)
        self._thread.start()
        return None

    def confirm(self, store: Store) -> None:
        """Renew the lease now; ClaimLostError when another worker has taken the slot over."""
        if self.lost or not store.renew_claim(self.slot_key, self.owner, self.lease):
            self.lost = True
            holder = store.get_claim(self.slot_key)
            where = f" by {describe(holder)}" if holder else ""
            raise ClaimLostError(
                f"slot {self.slot_key} was taken over{where} after this worker's lease of "
                f"{self.lease:g} s ran out; this worker publishes nothing (raise [schedule] "
                "lease_seconds if runs are often paused this long)")

    def release(self, store: Store) -> None:
        """Stop renewing and give the slot up (only this worker's own claim is removed)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            store.release_claim(self.slot_key, self.owner)
        except StoreError as exc:  # the lease runs out by itself
            log.warning("could not release the claim of slot %s: %s", self.slot_key, exc)

    def _renew_loop(self) -> None:
        """Renew every third of the lease on a connection of its own; a failed renewal (the
        store unreachable for a moment) is tried again at the next tick."""
        interval = max(self.lease / 3, 0.05)
        store: Store | None = None
        try:
            while not self._stop.wait(interval):
                try:
                    store = store or self._open()
                    if not store.renew_claim(self.slot_key, self.owner, self.lease):
                        self.lost = True
                        return
                except StoreError as exc:
                    log.warning("renewing the claim of slot %s failed: %s", self.slot_key, exc)
                    if store is not None:
                        store.close()
                    store = None
        finally:
            if store is not None:
                store.close()
