"""The stories of a window are built one way for every caller (aidigest.window): a slot and
the same window given as --since/--until give the same stories; aliases mined from stored
posts are kept and used by later windows; optional LLM adjudication of borderline pairs
(one batched call, cached, accounted, malformed answers ignored) against a local chat server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.config import load_config
from aidigest.store import open_store
from aidigest.stories.pairs import FEATURES
from llm_server import ChatServer, Reply
from stories_eval import make_post

SLOT = "2025-12-07T08"  # 04:00–08:00 Asia/Shanghai = 20:00–24:00 UTC on 12-06


def stories_json(runner: CliRunner, *args: str) -> list[dict[str, object]]:
    result = runner.invoke(main, ["stories", *args, "--json"])
    assert result.exit_code == 0, result.output
    return list(json.loads(result.output))


def groups(stories: list[dict[str, object]]) -> set[frozenset[str]]:
    return {frozenset(s["posts"]) for s in stories}  # type: ignore[arg-type]


def test_a_slot_and_the_same_window_as_since_until_build_the_same_stories(
    project: Path, runner: CliRunner
) -> None:
    assert runner.invoke(main, ["fetch"]).exit_code == 0
    by_slot = stories_json(runner, "--slot", SLOT)
    by_window = stories_json(runner, "--since", "2025-12-06T20:00:00Z", "--until",
                             "2025-12-07T00:00:00Z")
    assert len(by_slot) > 20
    assert by_slot == by_window


def _store_posts(project: Path, posts: list[object]) -> None:
    cfg = load_config(project / "aidigest.toml")
    with open_store(cfg.store_path) as store:
        store.upsert_posts(posts)  # type: ignore[arg-type]


def _set(project: Path, old: str, new: str) -> None:
    cfg = project / "aidigest.toml"
    text = cfg.read_text(encoding="utf-8")
    assert old in text
    cfg.write_text(text.replace(old, new), encoding="utf-8")


WINDOW_1 = ("--since", "2025-12-05T00:00:00Z", "--until", "2025-12-06T00:00:00Z")
WINDOW_2 = ("--since", "2025-12-06T00:00:00Z", "--until", "2025-12-07T00:00:00Z")


@pytest.mark.parametrize("mining", [True, False])
def test_an_alias_mined_from_stored_posts_joins_a_later_window(
    project: Path, runner: CliRunner, mining: bool
) -> None:
    _store_posts(project, [
        make_post("11", "cn1", "硅基流动（SiliconFlow）宣布完成新一轮融资", "2025-12-05T08:00:00Z"),
        make_post("21", "cn2", "硅基流动上线新的推理服务，支持更多开源模型", "2025-12-06T09:00:00Z"),
        make_post("22", "us1", "SiliconFlow launches its new inference service for open models",
                  "2025-12-06T09:30:00Z"),
    ])
    if not mining:
        _set(project, "mine_aliases = true", "mine_aliases = false")
    stories_json(runner, *WINDOW_1)  # the window of the teaching post
    joined = frozenset({"21", "22"}) in groups(stories_json(runner, *WINDOW_2))
    assert joined is mining
    table = {row["spelling"]: row for row in json.loads(
        runner.invoke(main, ["stories", "--aliases", "--json"]).output)}
    if mining:
        assert table["硅基流动"] == {"spelling": "硅基流动", "name": "siliconflow",
                                    "origin": "mined", "posts": 1}
    else:
        assert "硅基流动" not in table


# -- LLM adjudication -------------------------------------------------------------------

def _adjudicating(project: Path, server: ChatServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pair model under which two posts sharing one rare name score just under the link
    threshold (borderline), and a provider row pointing at the local chat server."""
    weights = [2.0 if f == "names" else 0.0 for f in FEATURES]
    part = {"weights": weights, "bias": -3.0, "threshold": 0.5}
    (project / "model.json").write_text(json.dumps(
        {"features": list(FEATURES), "full": part, "plain": part, "group_margin": 0.5}))
    _set(project, "llm_adjudicate = false", 'llm_adjudicate = true\npair_model = "model.json"')
    monkeypatch.setenv("LOCAL_LLM_API_KEY", "sk-test-adjudicate")
    cfg = project / "aidigest.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + (
        f'\n[[llm.providers]]\nname = "local"\nbase_url = "{server.base_url}"\n'
        'model = "local-zh"\napi_key_env = "LOCAL_LLM_API_KEY"\ntimeout = 5\nmax_retries = 0\n'),
        encoding="utf-8")
    _store_posts(project, [
        make_post("1", "a", "Startup Zephyrix unveils a warehouse robot arm", "2025-12-06T09:00:00Z"),
        make_post("2", "b", "Hands-on with the Zephyrix arm at the expo", "2025-12-06T09:10:00Z"),
        make_post("3", "c", "Startup Quantora opens a research lab in Paris", "2025-12-06T09:20:00Z"),
        make_post("4", "d", "Why Quantora is hiring for its lab", "2025-12-06T09:30:00Z"),
    ])


def _adjudicate_calls(project: Path) -> int:
    with sqlite3.connect(project / "aidigest.db") as conn:
        return int(conn.execute(
            "SELECT COUNT(*) FROM llm_calls WHERE purpose = 'adjudicate'").fetchone()[0])


def test_borderline_pairs_are_asked_once_in_one_batched_call(
    project: Path, runner: CliRunner, server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _adjudicating(project, server, monkeypatch)
    server.push(Reply(json.dumps({"answers": [{"pair": 1, "same": True},
                                              {"pair": 2, "same": False}]})))
    found = groups(stories_json(runner, *WINDOW_2))
    assert frozenset({"1", "2"}) in found and frozenset({"3", "4"}) not in found
    requests = server.chat_requests
    assert len(requests) == 1
    prompt = requests[0].json["messages"][-1]["content"]
    assert "1. A: Startup Zephyrix" in prompt and "2. A: Startup Quantora" in prompt
    assert _adjudicate_calls(project) == 1
    again = groups(stories_json(runner, *WINDOW_2))  # cached verdicts: no second call
    assert again == found and len(server.chat_requests) == 1


@pytest.mark.parametrize("answer", [
    "I think they are the same.", '{"answers": "yes"}', '{"answers": [{"pair": 9, "same": true}, '
    '{"pair": "1", "same": "yes"}, 7]}', "",
])
def test_a_malformed_verdict_is_ignored(
    project: Path, runner: CliRunner, server: ChatServer, monkeypatch: pytest.MonkeyPatch,
    answer: str,
) -> None:
    _adjudicating(project, server, monkeypatch)
    server.push(Reply(answer))
    found = groups(stories_json(runner, *WINDOW_2))
    assert len(server.chat_requests) == 1
    assert frozenset({"1", "2"}) not in found and frozenset({"3", "4"}) not in found


def test_a_failing_provider_leaves_the_scores_standing(
    project: Path, runner: CliRunner, server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _adjudicating(project, server, monkeypatch)
    server.push(Reply(status=401, content='{"error": {"message": "bad key"}}'))
    found = groups(stories_json(runner, *WINDOW_2))
    assert {frozenset({"1"}), frozenset({"2"})} <= found
