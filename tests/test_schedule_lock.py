"""Two real ``aidigest run`` processes started at once on one slot: one publishes, the other
exits with a clear "already running" message; one digest, one file."""

from __future__ import annotations

import os
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
    assert [r["outcome"] for r in runs] == ["published"]
