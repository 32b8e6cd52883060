"""End to end: ``aidigest init`` + an ``[[llm.providers]]`` row pointing at the local
chat-completions server, ``aidigest run --slot 2025-12-07T08``: the published digest has 8–12
items written by the server; a forced re-run reaches the server zero times; the canary key
appears nowhere but the Authorization header."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.store import open_store
from llm_server import ChatServer

CANARY = "sk-canary-e2e-51c0ffee9d"
SLOT = "2025-12-07T08"


def _configure(project: Path, server: ChatServer) -> None:
    cfg = project / "aidigest.toml"
    text = cfg.read_text(encoding="utf-8").replace("editor = false", "editor = true")
    text = text.replace("build = true", "build = false").replace("embeddings = true", "embeddings = false")
    text += (
        "\n[[llm.providers]]\n"
        'name = "local"\n'
        f'base_url = "{server.base_url}"\n'
        'model = "local-zh"\n'
        'api_key_env = "LOCAL_LLM_API_KEY"\n'
        "timeout = 5\n"
        "max_retries = 1\n"
        "price_in = 0.27\n"
        "price_out = 1.1\n"
    )
    cfg.write_text(text, encoding="utf-8")


def test_run_publishes_llm_items_and_rerun_costs_nothing(
    project: Path, runner: CliRunner, server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_LLM_API_KEY", CANARY)
    _configure(project, server)
    result = runner.invoke(main, ["run", "--slot", SLOT])
    assert result.exit_code == 0, result.output
    posts = list((project / "site" / "content" / "posts").glob("*.md"))
    assert len(posts) == 1
    page = posts[0].read_text(encoding="utf-8")
    numbered = re.findall(r"^(\d+)\.\s+\[", page, re.M)
    assert 8 <= len(numbered) <= 12
    summaries = re.findall(r"^    (\S.*)$", page, re.M)
    assert len(summaries) == len(numbered)
    assert all(s.startswith("多位作者") and "**" in s for s in summaries), summaries[:2]
    calls = len(server.chat_requests)
    assert calls == len(numbered) + 2  # editor + one per item + categories
    assert any("<<<CANDIDATES" in r.body.decode() for r in server.chat_requests)

    again = runner.invoke(main, ["run", "--slot", SLOT, "--force"])
    assert again.exit_code == 0, again.output
    assert len(server.chat_requests) == calls, "the re-run must reach the server zero times"
    assert posts[0].read_text(encoding="utf-8").split("---", 2)[2] == page.split("---", 2)[2]

    status = runner.invoke(main, ["status", "--json"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.output)["llm"]["last_day"]["calls"] == calls
    with open_store(project / "aidigest.db") as store:
        first, second = (r.report for r in reversed(store.recent_runs(2)))
    assert first.llm["calls"] == calls and first.llm["cost"] > 0
    assert {i.writer for i in first.items} == {"llm:local-zh"}
    assert second.llm["calls"] == 0 and second.llm["cache_hits"] == len(numbered) + 2
    assert {i.outcome for i in second.items} == {"cached"}
    for request in server.chat_requests:
        assert CANARY.encode() not in request.body
    for path in project.rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path
    assert CANARY not in result.output + again.output + status.output
