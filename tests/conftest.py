"""Shared fixtures: the recorded data in ../shared/data (skipped where absent) and a fresh
aidigest directory made by the real ``aidigest init``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from aidigest.cli import main
from aidigest.store import Store, open_store
from llm_server import ChatServer, chat_server
from sources_replay import Replay

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SAMPLE_SLOT = "2025-12-07T08"


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` beside the repository; tests using it skip in a user's clone."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"recorded data not found at {SHARED_DATA} (../shared is absent in this clone)")
    return SHARED_DATA


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def project(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory made by ``aidigest init`` and made current (as a user would ``cd``)."""
    root = tmp_path / "digest"
    result = runner.invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(root)
    monkeypatch.delenv("AIDIGEST_CONFIG", raising=False)
    for name in list(os.environ):
        if name.endswith("_API_KEY") or name == "X_BEARER_TOKEN":
            monkeypatch.delenv(name, raising=False)
    return root


@pytest.fixture
def replay(httpserver: HTTPServer) -> Replay:
    """A local X API / feed server replaying recorded answers (tests/sources_replay.py)."""
    return Replay(httpserver)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "store.db") as st:
        yield st


@pytest.fixture
def server() -> Iterator[ChatServer]:
    """A local OpenAI-compatible chat server (tests/llm_server.py), scripted by the test."""
    with chat_server() as srv:
        yield srv
