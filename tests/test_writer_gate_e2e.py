"""The quality gate end to end: ``aidigest run`` against the scripted local chat server, whose
first item answer breaks two gate rules (a 41-character headline, a repeated sentence) and whose
repair is good: exactly one repair request, naming the failed rules, then a published digest
holding the repaired item. And an answer still bad after its repair is never published."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.models import ItemReport
from aidigest.store import open_store
from llm_server import ChatServer, Reply, item_answer

SLOT = "2025-12-07T08"
LONG_TITLE = "这是一个故意写得很长很长的标题，用来检验质量闸门是否会拒绝超过四十个字符的标题啊啊啊"  # 42


def _configure(project: Path, server: ChatServer) -> None:
    cfg = project / "aidigest.toml"
    text = cfg.read_text(encoding="utf-8")
    text = text.replace("build = true", "build = false").replace("embeddings = true", "embeddings = false")
    text += ("\n[[llm.providers]]\n" 'name = "local"\n' f'base_url = "{server.base_url}"\n'
             'model = "local-zh"\n' 'api_key_env = "LOCAL_LLM_API_KEY"\n' "timeout = 5\n"
             "max_retries = 0\n" "max_concurrency = 1\n")
    cfg.write_text(text, encoding="utf-8")


def _first_user(body: dict[str, Any]) -> str:
    return next(str(m["content"]) for m in body["messages"] if m["role"] == "user")


def bad(body: dict[str, Any]) -> Reply:
    """A well-formed answer that breaks ``title-length`` and ``repeated-sentence``."""
    answer = item_answer(_first_user(body))
    first = answer["summary"].split("。")[0] + "。"
    answer["title"] = LONG_TITLE
    answer["summary"] = (first + answer["summary"])[:250]
    return Reply(json.dumps(answer, ensure_ascii=False))


def _repairs(server: ChatServer) -> list[str]:
    last = [str(r.json["messages"][-1]["content"]) for r in server.chat_requests]
    return [m for m in last if "未通过质量检查" in m]


def _items(project: Path) -> list[ItemReport]:
    with open_store(project / "aidigest.db") as store:
        (run,) = store.recent_runs(1)
    return list(run.report.items)


def test_bad_then_good_is_one_repair_then_published(
    project: Path, runner: CliRunner, server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_LLM_API_KEY", "sk-local")
    _configure(project, server)
    server.push(bad)  # the first item request; every later one gets a valid answer
    result = runner.invoke(main, ["run", "--slot", SLOT])
    assert result.exit_code == 0, result.output
    (repair,) = _repairs(server)
    assert "title-length" in repair and "repeated-sentence" in repair
    outcomes = [i.outcome for i in _items(project)]
    assert outcomes.count("repaired") == 1 and set(outcomes) == {"ok", "repaired"}
    page = (project / "site" / "content" / "posts" / f"{SLOT}.md").read_text(encoding="utf-8")
    assert LONG_TITLE not in page
    numbered = re.findall(r"^(\d+)\.\s+\[", page, re.M)
    assert len(numbered) == len(outcomes)
    for summary in re.findall(r"^    (\S.*)$", page, re.M):
        sentences = [s for s in summary.replace("**", "").split("。") if s]
        assert len(sentences) == len(set(sentences)), summary


def test_still_bad_after_the_repair_is_never_published(
    project: Path, runner: CliRunner, server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_LLM_API_KEY", "sk-local")
    _configure(project, server)
    server.push(bad, bad)
    result = runner.invoke(main, ["run", "--slot", SLOT])
    assert result.exit_code == 0, result.output
    assert len(_repairs(server)) == 1
    items = _items(project)
    rejected = [i for i in items if i.outcome == "rejected"]
    assert len(rejected) == 1 and "title-length" in " ".join(rejected[0].notes)
    page = (project / "site" / "content" / "posts" / f"{SLOT}.md").read_text(encoding="utf-8")
    assert LONG_TITLE not in page
    assert len(re.findall(r"^(\d+)\.\s+\[", page, re.M)) == len(items) - 1
