"""Ctrl-C and SIGTERM end a real ``aidigest run`` process within 5 s while it waits on a
hanging LLM provider, and the run is recorded as ``interrupted``; a run killed outright
(SIGKILL, no chance to record anything) never shows as ``running`` in ``status``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.store import open_store
from llm_server import ChatServer, Reply, chat_server
from test_failure_policy import KEY_ENV, SLOT, configure

STARTUP_S = 240  # the stories stage on 2 shared cores; only a bound for a broken run


@pytest.fixture
def hanging() -> Iterator[ChatServer]:
    with chat_server() as srv:
        srv.fallback = Reply(content="{}", delay=90)
        yield srv


def _start_writing(project: Path, server: ChatServer) -> subprocess.Popen[bytes]:
    """``aidigest run`` in a subprocess, returned once it is waiting on the provider."""
    configure(project, server, timeout=300)
    env = {**os.environ, KEY_ENV: "sk-test-not-a-secret"}
    proc = subprocess.Popen([sys.executable, "-m", "aidigest.cli", "run", "--slot", SLOT],
                            cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    limit = time.monotonic() + STARTUP_S
    while not server.chat_requests:
        if proc.poll() is not None or time.monotonic() > limit:
            proc.kill()
            _out, err = proc.communicate()
            pytest.fail(f"the run never reached the writer: {err.decode()[-2000:]}")
        time.sleep(0.1)
    return proc


def _status(runner: CliRunner) -> dict[str, Any]:
    result = runner.invoke(main, ["status", "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_while_writing_ends_the_run_within_5_s_recorded_interrupted(
    project: Path, runner: CliRunner, hanging: ChatServer, sig: signal.Signals
) -> None:
    proc = _start_writing(project, hanging)
    proc.send_signal(sig)
    try:
        code = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"{sig.name} did not end the run within 5 s")
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert code == 130, err
    assert "Traceback" not in err and "interrupted" in err
    with open_store(project / "aidigest.db") as store:
        run = store.recent_runs(1)[0]
    assert run.outcome == "interrupted" and run.finished_at
    assert _status(runner)["runs"][0]["outcome"] == "interrupted"
    assert _status(runner)["running_pid"] is None
    assert not (project / "site/content/posts/2025-12-07T08.md").exists()


def test_a_killed_run_never_shows_as_running(
    project: Path, runner: CliRunner, hanging: ChatServer
) -> None:
    proc = _start_writing(project, hanging)
    assert _status(runner)["runs"][0]["outcome"] == "running"  # alive: really running
    proc.kill()
    proc.wait(timeout=30)
    with open_store(project / "aidigest.db") as store:
        assert store.recent_runs(1)[0].outcome == "running"  # nothing could record the end
    shown = _status(runner)["runs"][0]
    assert shown["outcome"] == "interrupted" and shown["pid"] == proc.pid
