"""Unattended runs never publish degraded work silently: a provider that fails holds the slot
(draft file, no public page, held alert, exit 3, status shows it) and a later scheduled run
publishes it once the provider works; one refused item is replaced; a hanging provider ends
at the write deadline with progress lines; ``on_failure = "offline"`` warns.

Real local servers throughout: tests/llm_server.py (chat completions) and pytest-httpserver
(the webhook), driven through the real CLI; a fake clock for the scheduler."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from aidigest.cli import main
from aidigest.config import load_config
from aidigest.scheduler import Scheduler, pipeline_runner, store_done_checker
from aidigest.slots import parse_slot
from aidigest.store import open_store
from llm_server import ChatServer, Reply

SLOT = "2025-12-07T08"
KEY_ENV = "AIDIGEST_TEST_LLM_KEY"
POST = Path("site/content/posts/2025-12-07T08.md")
PAGE = Path("site/public/posts/2025-12-07t08/index.html")


def configure(root: Path, server: ChatServer, hook: str | None = None, *,
              timeout: float = 5.0, **llm: Any) -> None:
    """The ``aidigest init`` config plus one provider at ``server`` (and a webhook)."""
    path = root / "aidigest.toml"
    text = path.read_text("utf-8")
    settings = "".join(f"{k} = {json.dumps(v)}\n" for k, v in llm.items())
    text = text.replace("[llm]\n", "[llm]\n" + settings, 1)
    text = text.replace("embeddings = true", "embeddings = false")  # faster; not what is tested
    text += (f'\n[[llm.providers]]\nname = "local"\nbase_url = "{server.base_url}"\n'
             f'model = "test-model"\napi_key_env = "{KEY_ENV}"\ntimeout = {timeout}\n'
             "max_retries = 0\nmax_concurrency = 4\n")
    if hook:
        text += f'\n[notify.webhook]\nurl = "{hook}"\n'
    path.write_text(text, encoding="utf-8")


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test-not-a-secret")


def _status(runner: CliRunner) -> dict[str, Any]:
    result = runner.invoke(main, ["status", "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_provider_401_holds_the_slot_then_the_next_scheduled_run_publishes_it(
    project: Path, runner: CliRunner, server: ChatServer, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    configure(project, server, httpserver.url_for("/hook"))
    server.fallback = Reply(status=401, message="Incorrect API key provided")

    held = runner.invoke(main, ["run", "--slot", SLOT])

    assert held.exit_code == 3, held.output
    draft = (project / POST).read_text("utf-8")
    assert "\ndraft: true\n---\n" in draft and not (project / PAGE).exists()
    (request, _response), = httpserver.log
    alert = json.loads(request.get_data())
    assert alert["event"] == "held" and alert["slot"] == SLOT and "401" in alert["reason"]
    assert "items.min" in alert["reason"] and alert["url"] is None
    status = _status(runner)
    assert status["runs"][0]["outcome"] == "held" and "401" in status["runs"][0]["reason"]
    assert [h["slot"] for h in status["held"]] == [SLOT]

    server.fallback = None  # the key is fixed: the provider answers again
    cfg = load_config(project / "aidigest.toml")
    due = parse_slot(SLOT).end + timedelta(seconds=cfg.schedule.delay_seconds + 60)
    said: list[str] = []
    scheduler = Scheduler(cfg, pipeline_runner(cfg, said.append), store_done_checker(cfg),
                          clock=lambda: due, say=said.append)
    scheduler.run_pending()

    with open_store(cfg.store_path) as store:
        digest = store.get_digest(SLOT)
    assert digest and digest.state == "published" and digest.reason is None
    assert 8 <= len(digest.items) <= 12
    assert all(i.writer == "llm:test-model" and i.provider == "local"
               for i in digest.items)
    published = (project / POST).read_text("utf-8")
    assert "draft:" not in published and (project / PAGE).exists()
    assert json.loads(httpserver.log[-1][0].get_data())["event"] == "published"
    assert _status(runner)["held"] == []


def test_one_refused_item_is_replaced_by_the_next_ranked_story(
    project: Path, runner: CliRunner, server: ChatServer
) -> None:
    configure(project, server)
    server.push(Reply(status=400, message="content filter: the request was rejected"))

    result = runner.invoke(main, ["run", "--slot", SLOT, "--force"])

    assert result.exit_code == 0, result.output
    with open_store(project / "aidigest.db") as store:
        digest = store.get_digest(SLOT)
        report = store.recent_runs(1)[0].report
    assert digest and digest.state == "published"
    items = digest.items
    assert 8 <= len(items) <= 12 and all(i.writer == "llm:test-model" for i in items)
    refused = [i for i in report.items if i.outcome == "failed"]
    assert len(refused) == 1 and "content filter" in (refused[0].fallback_reason or "")
    assert refused[0].story_id not in {i.story_id for i in items}
    assert any("replaced by story" in n for n in report.notes)
    assert report.outcome == "published" and not report.warnings

    shown = runner.invoke(main, ["report", "--slot", SLOT, "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["outcome"] == "published" and data["sources"][0]["name"] == "sample"
    failed = [i for i in data["items"] if i["outcome"] == "failed"]
    assert len(failed) == 1 and failed[0]["attempts"] == 1 and failed[0]["provider"] is None
    assert "content filter" in failed[0]["fallback_reason"]
    ok = [i for i in data["items"] if i["outcome"] == "ok"]
    assert len(ok) == len(items) and all(i["provider"] == "local" for i in ok)
    assert all(i["attempts"] == 1 and i["prompt_tokens"] > 0 and i["completion_tokens"] > 0
               for i in ok)
    table = runner.invoke(main, ["report"])
    assert table.exit_code == 0 and "content filter" in table.stdout and "local" in table.stdout


def test_hanging_provider_ends_at_the_deadline_with_progress_lines(
    project: Path, runner: CliRunner, server: ChatServer
) -> None:
    configure(project, server, timeout=300, run_deadline_seconds=1.5)
    server.fallback = Reply(content="{}", delay=120)

    result = runner.invoke(main, ["run", "--slot", SLOT])

    assert result.exit_code == 3, result.output  # nothing written: held, not published late
    lines = [line for line in result.output.splitlines() if line.startswith("write: item ")]
    assert len(lines) >= 8 and all("failed no LLM item" in line for line in lines)
    assert lines[-1].startswith(f"write: item {len(lines)}/{len(lines)} ")
    with open_store(project / "aidigest.db") as store:
        report = store.recent_runs(1)[0].report
    assert all("deadline" in (i.fallback_reason or "") for i in report.items)
    assert any("categories: skipped" in n for n in report.notes)


def test_on_failure_offline_publishes_with_a_warning(
    project: Path, runner: CliRunner, server: ChatServer, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    configure(project, server, httpserver.url_for("/hook"), on_failure="offline")
    server.fallback = Reply(status=401)

    result = runner.invoke(main, ["run", "--slot", SLOT])

    assert result.exit_code == 0, result.output
    assert "warning: " in result.stderr and "written by the offline writer" in result.stderr
    assert "error:" not in result.stderr and "published-with-warnings;" in result.stderr
    body = json.loads(httpserver.log[-1][0].get_data())
    assert body["event"] == "published" and "offline writer" in body["warning"]
    assert "401" in body["warning"]
    assert "draft:" not in (project / POST).read_text("utf-8")
