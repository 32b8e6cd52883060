"""Several workers, one PostgreSQL store, one git remote: real ``aidigest digest`` processes,
each with its own clone of the site. Three started at once publish the slot once (one commit
on the remote, one notification) and all exit 0; a worker SIGKILLed mid-slot leaves a claim
that blocks the others until its lease runs out, then one of them publishes it, once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from aidigest.cli import main
from aidigest.publish import init_site
from aidigest.store import open_store
from llm_server import Reply, chat_server

SLOT = "2025-12-07T08"
LEASE_S = 15.0  # long enough for a loaded machine to start the next worker within it


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _remote(tmp_path: Path) -> Path:
    """A bare remote holding the starter site on ``main``."""
    bare, seed = tmp_path / "remote.git", tmp_path / "seed"
    git("init", "-q", "--bare", "-b", "main", str(bare), cwd=tmp_path)
    init_site(seed)
    git("init", "-q", "-b", "main", cwd=seed)
    git("add", ".", cwd=seed)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "starter site",
        cwd=seed)
    git("push", "-q", str(bare), "main", cwd=seed)
    return bare


def _worker(tmp_path: Path, name: str, bare: Path, url: str, hook: str, extra: str = "") -> Path:
    """A worker's folder: its own clone of the site and an aidigest.toml on the shared store."""
    root = tmp_path / name
    root.mkdir()
    git("clone", "-q", str(bare), str(root / "site"), cwd=tmp_path)
    (root / "aidigest.toml").write_text(
        f'[digest]\nstore_env = "AIDIGEST_TEST_STORE"\nsite = "site"\n\n'
        f"[schedule]\nlease_seconds = {LEASE_S}\n\n"
        '[stories]\nembeddings = false\n\n'
        '[publish]\nbuild = false\ngit = true\npush = true\n\n'
        f'[notify.webhook]\nurl = "{hook}"\n{extra}', encoding="utf-8")
    return root


def _env(url: str, host: str) -> dict[str, str]:
    """Each worker folder stands for a machine of its own (its claims name that host)."""
    return {**os.environ, "AIDIGEST_TEST_STORE": url, "AIDIGEST_HOSTNAME": host}


def _digest(root: Path, url: str, *more: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "aidigest.cli", "digest", "--slot", SLOT, *more],
                            cwd=root, env=_env(url, root.name), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _import_sample(root: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sample = root / "sample.jsonl"
    sample.write_text(resources.files("aidigest").joinpath("data", "sample_posts.jsonl")
                      .read_text("utf-8"), encoding="utf-8")
    monkeypatch.setenv("AIDIGEST_TEST_STORE", url)
    result = CliRunner().invoke(main, ["import", str(sample), "--config", str(root / "aidigest.toml")])
    assert result.exit_code == 0, result.output


def _slot_commits(bare: Path) -> list[str]:
    return [s for s in git("log", "--format=%s", "main", cwd=bare).splitlines()
            if s.startswith(f"digest {SLOT}")]


def _published_events(httpserver: HTTPServer) -> list[dict[str, object]]:
    return [json.loads(req.data) for req, _ in httpserver.log
            if json.loads(req.data).get("event") == "published"]


@pytest.fixture
def hook(httpserver: HTTPServer) -> str:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    return httpserver.url_for("/hook")


def test_three_workers_at_once_publish_one_commit_and_all_exit_0(
    tmp_path: Path, pg_url: str, hook: str, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = _remote(tmp_path)
    workers = [_worker(tmp_path, f"host{i}", bare, pg_url, hook) for i in range(3)]
    _import_sample(workers[0], pg_url, monkeypatch)

    procs = [_digest(root, pg_url) for root in workers]
    outputs = [proc.communicate(timeout=240) for proc in procs]

    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out + err
    said = [out + err for out, err in outputs]
    assert sum(f"{SLOT}: published" in s for s in said) == 1, said
    others = [s for s in said if f"{SLOT}: published" not in s]
    assert all("being written by another worker" in s or "already published" in s for s in others)
    assert len(_slot_commits(bare)) == 1
    assert len(_published_events(httpserver)) == 1
    posts = [p for root in workers for p in (root / "site" / "content" / "posts").glob(f"{SLOT}.md")]
    assert len(posts) == 1  # one worker wrote the file; the others wrote nothing
    with open_store(pg_url) as store:
        digest = store.get_digest(SLOT)
        assert digest and digest.state == "published" and store.get_claim(SLOT) is None


def test_a_killed_worker_is_taken_over_after_its_lease_and_the_slot_published_once(
    tmp_path: Path, pg_url: str, hook: str, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = _remote(tmp_path)
    with chat_server() as llm:
        llm.fallback = Reply(content="{}", delay=120)  # the first worker hangs while writing
        provider = (f'\n[[llm.providers]]\nname = "slow"\nbase_url = "{llm.base_url}"\n'
                    'model = "m"\ntimeout = 300\n')
        first = _worker(tmp_path, "host-a", bare, pg_url, hook, provider)
        second = _worker(tmp_path, "host-b", bare, pg_url, hook)
        _import_sample(first, pg_url, monkeypatch)

        doomed = _digest(first, pg_url)
        limit = time.monotonic() + 120
        while not llm.chat_requests:  # claimed, stories built, now writing
            assert doomed.poll() is None and time.monotonic() < limit, doomed.communicate()
            time.sleep(0.1)
        with open_store(pg_url) as store:
            claim = store.get_claim(SLOT)
        assert claim and claim.pid == doomed.pid
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=30)

        blocked = _digest(second, pg_url, "--offline")
        out, err = blocked.communicate(timeout=120)
        assert blocked.returncode == 0, out + err
        assert "being written by another worker" in out + err and f"pid {doomed.pid}" in out + err
        assert _slot_commits(bare) == []

        with open_store(pg_url) as store:  # the dead worker's lease runs out by the store's clock
            while (held := store.get_claim(SLOT)) and held.expires_in > 0:
                time.sleep(0.2)
        taker = _digest(second, pg_url, "--offline")
        out, err = taker.communicate(timeout=180)
        assert taker.returncode == 0, out + err
        assert f"{SLOT}: published" in out + err

        again = _digest(second, pg_url, "--offline")
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0 and "already published" in out + err

    assert len(_slot_commits(bare)) == 1
    assert len(_published_events(httpserver)) == 1
    assert not (first / "site" / "content" / "posts" / f"{SLOT}.md").exists()
