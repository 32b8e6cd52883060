"""Two real ``aidigest run`` processes started at once on one slot: one publishes, the other
exits with a clear "already running" message; one digest, one file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from aidigest.config import load_config
from aidigest.store import open_store

AIDIGEST = Path(sys.executable).parent / "aidigest"
SLOT = "2025-12-07T08"


def test_two_runs_at_once_publish_one_digest(tmp_path: Path) -> None:
    root = tmp_path / "d"
    env = {k: v for k, v in os.environ.items()
           if not (k.endswith("_API_KEY") or k in ("AIDIGEST_CONFIG", "X_BEARER_TOKEN"))}
    subprocess.run([str(AIDIGEST), "init", str(root)], check=True, env=env,
                   capture_output=True, timeout=60)
    toml = root / "aidigest.toml"  # embeddings off: faster, the lock is what is tested
    toml.write_text(toml.read_text("utf-8").replace("embeddings = true", "embeddings = false"),
                    "utf-8")
    procs = [
        subprocess.Popen([str(AIDIGEST), "run", "--slot", SLOT], cwd=root, env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 1], outputs
    loser = outputs[[p.returncode for p in procs].index(1)]
    assert "already running (pid " in loser and "error:" in loser, loser
    assert "Traceback" not in loser
    posts = sorted((root / "site" / "content" / "posts").glob("*.md"))
    assert [p.name for p in posts] == [f"{SLOT}.md"]
    cfg = load_config(root / "aidigest.toml")
    with open_store(cfg.store_path) as store:
        runs = store.recent_runs()
        assert store.get_digest(SLOT) is not None
    assert [r.outcome for r in runs] == ["published"]


def test_schedule_process_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    import signal
    import time

    root = tmp_path / "d"
    subprocess.run([str(AIDIGEST), "init", str(root)], check=True, capture_output=True, timeout=60)
    toml = root / "aidigest.toml"
    toml.write_text(toml.read_text("utf-8").replace("catch_up = 6", "catch_up = 1")
                    .replace("embeddings = true", "embeddings = false"), "utf-8")
    proc = subprocess.Popen([str(AIDIGEST), "schedule"], cwd=root, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any("next slot" in x for x in lines):
        lines.append(proc.stderr.readline())
    assert any("next slot" in x for x in lines), lines  # caught up, now napping
    assert sum("schedule: running slot" in x for x in lines) == 2  # latest + catch_up = 1
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    rest = proc.communicate(timeout=20)[1]
    assert proc.returncode == 0 and "schedule: stopped" in rest, rest
    assert time.monotonic() - started < 10
    assert any(" fetch: " in x for x in lines)  # one line per stage
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00 ")  # the digest's zone
    assert all(stamp.match(x) for x in lines[1:] if x.strip()), lines  # after the CLI's header
