"""`aidigest init --llm NAME` writes a ready provider row; `aidigest llm test` probes every
provider against the local chat server (tests/llm_server.py): passes when it answers, fails
clearly (status, the key's variable NAME, never its value) on 401, a missing key, no provider."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.config import load_config
from aidigest.writer.presets import PRESETS
from llm_server import ChatServer, Reply

KEY = "sk-probe-canary-93b1"


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_init_llm_writes_a_ready_provider_row(tmp_path: Path, runner: CliRunner, name: str) -> None:
    result = runner.invoke(main, ["init", str(tmp_path / "d"), "--llm", name])
    assert result.exit_code == 0, result.output
    cfg = load_config(str(tmp_path / "d" / "aidigest.toml"))
    (row,) = cfg.llm.providers
    want = PRESETS[name]
    assert (row.name, row.base_url, row.model) == (want.name, want.base_url, want.model)
    assert row.api_key_env == want.api_key_env and row.json_mode
    assert row.base_url.startswith("http") and row.model
    if name != "ollama":
        assert row.api_key_env and row.api_key_env.endswith("_API_KEY")
        assert row.price_in > 0 and row.price_out > row.price_in
        assert f"export {row.api_key_env}=" in result.output


def test_init_llm_deepseek_row_is_uncommented(tmp_path: Path, runner: CliRunner) -> None:
    assert runner.invoke(main, ["init", str(tmp_path / "d"), "--llm", "deepseek"]).exit_code == 0
    text = (tmp_path / "d" / "aidigest.toml").read_text(encoding="utf-8")
    assert "\n[[llm.providers]]\nname = \"deepseek\"\nbase_url = \"https://api.deepseek.com\"\n" in text
    assert 'api_key_env = "DEEPSEEK_API_KEY"' in text and "\njson_mode = true " in text


def test_init_rejects_an_unknown_preset(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["init", str(tmp_path / "d"), "--llm", "nope"])
    assert result.exit_code == 2 and "deepseek" in result.output


def _provider(project: Path, server: ChatServer, json_mode: bool = True) -> None:
    cfg = project / "aidigest.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + (
        "\n[[llm.providers]]\n" 'name = "local"\n' f'base_url = "{server.base_url}"\n'
        'model = "local-zh"\n' 'api_key_env = "LOCAL_LLM_API_KEY"\n' "max_retries = 3\n"
        f"json_mode = {'true' if json_mode else 'false'}\n"), encoding="utf-8")


def test_llm_test_passes_against_a_working_server(
    project: Path, runner: CliRunner, server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_LLM_API_KEY", KEY)
    _provider(project, server)
    result = runner.invoke(main, ["llm", "test"])
    assert result.exit_code == 0, result.output
    assert "local" in result.output and "local-zh" in result.output and "yes" in result.output
    assert "on: answer is a JSON object" in result.output
    (request,) = server.chat_requests  # exactly one tiny request
    body = request.json
    assert body["response_format"] == {"type": "json_object"} and body["model"] == "local-zh"
    assert KEY not in result.output


def test_llm_test_without_json_mode_sends_no_response_format(
    project: Path, runner: CliRunner, server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_LLM_API_KEY", KEY)
    _provider(project, server, json_mode=False)
    server.push(Reply("好的，这是答案"))
    result = runner.invoke(main, ["llm", "test"])
    assert result.exit_code == 0, result.output
    assert "off: answer is NOT a JSON object" in result.output
    assert "response_format" not in server.chat_requests[0].json


def test_llm_test_fails_clearly_on_401(
    project: Path, runner: CliRunner, server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_LLM_API_KEY", KEY)
    _provider(project, server)
    server.push(Reply(status=401))
    result = runner.invoke(main, ["llm", "test"])
    assert result.exit_code == 1
    assert "HTTP 401" in result.output and "LOCAL_LLM_API_KEY" in result.output
    assert "provider local" in result.output and "Traceback" not in result.output
    assert KEY not in result.output
    assert len(server.chat_requests) == 1  # no retry of a refused key


def test_llm_test_names_a_missing_key_variable(
    project: Path, runner: CliRunner, server: ChatServer
) -> None:
    _provider(project, server)
    result = runner.invoke(main, ["llm", "test"])
    assert result.exit_code == 1 and "LOCAL_LLM_API_KEY is not set" in result.output
    assert server.chat_requests == []


def test_llm_test_without_providers_says_how_to_add_one(project: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["llm", "test"])
    assert result.exit_code == 1 and "--llm deepseek" in result.output


def test_json_mode_reaches_the_item_requests(
    project: Path, runner: CliRunner, server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_LLM_API_KEY", KEY)
    _provider(project, server)
    cfg = project / "aidigest.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("build = true", "build = false")
                   .replace("embeddings = true", "embeddings = false"), encoding="utf-8")
    result = runner.invoke(main, ["run", "--slot", "2025-12-07T08"])
    assert result.exit_code == 0, result.output
    assert server.chat_requests
    assert all(r.json.get("response_format") == {"type": "json_object"} for r in server.chat_requests)
