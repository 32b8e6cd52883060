"""Crash safety: a real ``aidigest run`` (the venv's console script, in a directory made by
``aidigest init``) is killed with SIGKILL at each stage boundary — after fetching, while the
LLM writer is waiting on a model answer, while publishing (the Hugo build) — and then:

- the store opens cleanly and passes SQLite's integrity check;
- no partial or empty post file exists (the post is absent, or complete);
- the next run completes the slot, reusing the posts already fetched (0 new) and the items
  already written (no second LLM request for a story that was answered).

The whole process group is killed, as a service manager does (the Hugo child included).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.store import DigestRecord, open_store
from llm_server import ChatServer, Reply, auto_answer, chat_server

AIDIGEST = Path(sys.executable).parent / "aidigest"
SLOT = "2025-12-07T08"
SAMPLE_POSTS = 92  # posts in the bundled sample file
CANARY = "sk-canary-crash-0badf00d"
ANSWERED = 3  # item requests answered before the model hangs


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not (k.endswith("_API_KEY") or k in ("AIDIGEST_CONFIG", "X_BEARER_TOKEN"))}
    env["LOCAL_LLM_API_KEY"] = CANARY
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def _init(tmp_path: Path, llm_url: str | None = None) -> Path:
    root = tmp_path / "digest"
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    toml = root / "aidigest.toml"
    text = toml.read_text("utf-8").replace("embeddings = true", "embeddings = false")
    if llm_url:
        text += (
            "\n[[llm.providers]]\n"
            'name = "local"\n'
            f'base_url = "{llm_url}"\n'
            'model = "local-zh"\n'
            'api_key_env = "LOCAL_LLM_API_KEY"\n'
            "timeout = 60\n"
            "max_retries = 0\n"
            "max_concurrency = 1\n"  # one request at a time: "the first N answered" is exact
        )
    toml.write_text(text, "utf-8")
    return root


def _start(root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(AIDIGEST), "run", "--slot", SLOT], cwd=root, env=_env(), text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )


def _kill(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _kill_on_line(root: Path, prefix: str) -> list[str]:
    """Run ``aidigest run``; SIGKILL its process group on the first stderr line starting
    with ``prefix``. Returns the lines read."""
    proc = _start(root)
    watchdog = threading.Timer(60, _kill, (proc,))
    watchdog.start()
    lines: list[str] = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))
            if line.startswith(prefix):
                _kill(proc)
                break
    finally:
        watchdog.cancel()
        _kill(proc)
    assert proc.returncode == -signal.SIGKILL, lines
    assert any(line.startswith(prefix) for line in lines), lines
    return lines


def _finish(root: Path) -> str:
    """The next, uninterrupted run; returns its stderr."""
    done = subprocess.run([str(AIDIGEST), "run", "--slot", SLOT], cwd=root, env=_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr


def _store_is_sound(root: Path) -> DigestRecord | None:
    """The store opens, passes the integrity check and holds every fetched post; returns
    the slot's digest row (None if not published)."""
    with open_store(root / "aidigest.db") as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.count_posts() == SAMPLE_POSTS
        return store.get_digest(SLOT)


def _posts(root: Path) -> list[Path]:
    return sorted((root / "site" / "content" / "posts").glob("*.md"))


def _assert_complete(post: Path) -> int:
    """A whole digest: front matter with the slot's title, 8–12 numbered items each with a
    summary, ending in a newline. Returns the number of items."""
    text = post.read_text("utf-8")
    assert text.startswith("---\ntitle: \"2025.12.07.08 "), text[:80]
    assert text.endswith("\n")
    numbered = re.findall(r"^(\d+)\.\s+\[", text, re.M)
    summaries = re.findall(r"^    \S", text, re.M)
    assert 8 <= len(numbered) <= 12 and len(summaries) == len(numbered), text
    assert numbered == [str(n) for n in range(1, len(numbered) + 1)]
    return len(numbered)


def _no_partial_post(root: Path) -> None:
    for post in _posts(root):
        assert post.stat().st_size > 0, f"empty post {post}"
        _assert_complete(post)


def _published_once(root: Path) -> int:
    posts = _posts(root)
    assert [p.name for p in posts] == [f"{SLOT}.md"]
    count = _assert_complete(posts[0])
    page = root / "site" / "public" / "posts" / SLOT.lower() / "index.html"
    assert page.is_file() and page.stat().st_size > 0, "the slot's page is built"
    row = _store_is_sound(root)
    assert row is not None and row.path == str(posts[0])
    return count


def test_killed_after_fetch_next_run_reuses_the_posts(tmp_path: Path) -> None:
    root = _init(tmp_path)
    lines = _kill_on_line(root, "stories: ")
    assert lines[0].startswith("fetch: ")
    assert _store_is_sound(root) is None
    assert _posts(root) == []
    stderr = _finish(root)
    assert "source sample: ok; 0 new," in stderr, stderr
    assert f"{SLOT}: published" in stderr
    _published_once(root)


def test_killed_while_publishing_next_run_completes_the_slot(tmp_path: Path) -> None:
    root = _init(tmp_path)
    lines = _kill_on_line(root, "publish: wrote ")
    assert not any(line.startswith("build: ") for line in lines)
    _no_partial_post(root)
    written = [p.read_bytes() for p in _posts(root)]
    assert len(written) == 1, "the post was written before the line was printed"
    assert _store_is_sound(root) is not None
    stderr = _finish(root)
    assert "source sample: ok; 0 new," in stderr
    _published_once(root)
    assert [p.read_bytes() for p in _posts(root)] == written, "the published post is kept"


@pytest.fixture
def hanging_server() -> Iterator[tuple[ChatServer, threading.Event, threading.Event]]:
    """The local chat server: ``ANSWERED`` item requests answered, the next one hangs until
    released (``received`` is set when it arrives); then well-behaved answers."""
    received, release = threading.Event(), threading.Event()

    def hang(body: dict[str, Any]) -> Reply:
        received.set()
        release.wait(90)
        return Reply(auto_answer(body))

    with chat_server() as server:
        server.push(*([lambda body: Reply(auto_answer(body))] * ANSWERED), hang)
        try:
            yield server, received, release
        finally:
            release.set()


def _wait_cached(root: Path, count: int, timeout: float = 20.0) -> bool:
    """True once the run's store holds ``count`` cached LLM answers (read-only look)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(f"file:{root / 'aidigest.db'}?mode=ro", uri=True) as conn:
                if conn.execute("SELECT COUNT(*) FROM llm_cache").fetchone()[0] >= count:
                    return True
        except sqlite3.Error:
            pass
        time.sleep(0.05)
    return False


def _item_prompt(request: Any) -> str:
    return str(request.json["messages"])


def test_killed_while_writing_next_run_asks_only_for_unwritten_items(
    tmp_path: Path, hanging_server: tuple[ChatServer, threading.Event, threading.Event]
) -> None:
    server, received, release = hanging_server
    root = _init(tmp_path, server.base_url)
    proc = _start(root)
    try:
        assert received.wait(60), "the writer never sent request N+1"
        # the answers of the first N are stored by the run's main thread as they complete; a
        # worker may already send request N+1 a moment before answer N is stored
        assert _wait_cached(root, ANSWERED), "answered items were not stored"
    finally:
        _kill(proc)
    assert proc.stderr is not None
    first_lines = proc.stderr.read().splitlines()
    assert any(line.startswith("write: ") for line in first_lines), first_lines
    assert not any(line.startswith("publish: ") for line in first_lines)
    first = list(server.chat_requests)
    assert len(first) == ANSWERED + 1
    assert all("<<<POSTS" in r.body.decode() for r in first), "all were item requests"
    assert _store_is_sound(root) is None
    assert _posts(root) == []
    release.set()

    stderr = _finish(root)
    assert "source sample: ok; 0 new," in stderr
    count = _published_once(root)
    second = server.chat_requests[len(first):]
    answered = {_item_prompt(r) for r in first[:ANSWERED]}
    asked_again = [r for r in second if _item_prompt(r) in answered]
    assert asked_again == [], "a story answered before the kill was asked for again"
    items = [r for r in second if "<<<POSTS" in r.body.decode()]
    assert len(items) == count - ANSWERED
    assert _item_prompt(first[ANSWERED]) in {_item_prompt(r) for r in items}
    with open_store(root / "aidigest.db") as store:
        report = store.recent_runs(1)[0].report
    assert report.llm["cache_hits"] == ANSWERED
    assert sorted(i.outcome for i in report.items).count("cached") == ANSWERED
    assert {i.writer for i in report.items} == {"llm:local-zh"}
