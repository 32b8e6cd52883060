"""Slot claims on one host: a claim left by a dead process of this host is taken over at once
(no wait for its lease); a live process's claim is left alone."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from aidigest.claims import SlotClaim
from aidigest.config import config_from_dict
from aidigest.store import open_store


def test_a_dead_local_workers_claim_is_taken_over_at_once(tmp_path: Path) -> None:
    cfg = config_from_dict({}, tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    host = socket.gethostname()
    with open_store(cfg.store_target) as store:
        assert store.claim_slot("2025-12-07T08", f"{host}:{dead_pid}:x", host, dead_pid, 900).acquired
        assert store.claim_slot("2025-12-07T04", f"{host}:{os.getppid()}:y", host, os.getppid(), 900).acquired
        claim = SlotClaim(cfg, "2025-12-07T08")
        assert claim.take(store) is None  # acquired
        held = store.get_claim("2025-12-07T08")
        assert held and held.owner == claim.owner
        claim.release(store)
        live = SlotClaim(cfg, "2025-12-07T04")
        holder = live.take(store)
        assert holder and holder.pid == os.getppid()  # a live process of this host keeps it
