"""Configuration: defaults, unknown keys named, secrets only by variable name."""

from __future__ import annotations

from pathlib import Path

import pytest

from aidigest.config import config_from_dict, load_config, secret
from aidigest.errors import ConfigError, MissingSecretError


def test_defaults_match_the_design(tmp_path: Path) -> None:
    cfg = config_from_dict({}, tmp_path)
    assert cfg.digest.timezone == "Asia/Shanghai" and cfg.digest.slot_hours == 4
    assert (cfg.digest.items.min, cfg.digest.items.max) == (8, 12)
    assert cfg.store_path == tmp_path / "aidigest.db"
    assert cfg.site_path == tmp_path / "site"


def test_design_example_sources_validate(tmp_path: Path) -> None:
    cfg = config_from_dict({"sources": [
        {"name": "ai-voices", "kind": "x_api", "bearer_token_env": "X_BEARER_TOKEN",
         "base_url": "https://api.x.com", "users": ["dotey"], "lists": ["1585430245762441216"],
         "first_fetch_since": "2025-12-07T00:00:00Z"},
        {"name": "dotey-rsshub", "kind": "feed", "url": "http://localhost:1200/twitter/user/dotey"},
        {"name": "sample", "kind": "jsonl", "path": "posts.jsonl"},
    ], "llm": {"providers": [{"name": "deepseek", "base_url": "https://api.deepseek.com/v1",
                              "model": "deepseek-chat", "api_key_env": "DEEPSEEK_API_KEY"}]}}, tmp_path)
    assert [s.kind for s in cfg.sources] == ["x_api", "feed", "jsonl"]


@pytest.mark.parametrize("data,needle", [
    ({"digest": {"timezon": "UTC"}}, "digest.timezon"),
    ({"sources": [{"name": "a", "kind": "jsonl", "path": "p", "url": "u"}]}, "url"),
    ({"bogus": 1}, "bogus"),
    ({"digest": {"timezone": "Mars/Olympus"}}, "Mars/Olympus"),
    ({"digest": {"slot_hours": 5}}, "slot_hours"),
    ({"sources": [{"name": "a", "kind": "jsonl", "path": "p"},
                  {"name": "a", "kind": "jsonl", "path": "q"}]}, "repeated: a"),
])
def test_bad_config_names_the_key(tmp_path: Path, data: dict, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        config_from_dict(data, tmp_path, tmp_path / "aidigest.toml")
    assert needle in str(info.value)


def test_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="aidigest init"):
        load_config(tmp_path / "nope.toml")


def test_bad_toml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "aidigest.toml"
    path.write_text("[digest\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_missing_secret_names_the_variable_never_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIDIGEST_TEST_KEY", raising=False)
    with pytest.raises(MissingSecretError, match="AIDIGEST_TEST_KEY"):
        secret("AIDIGEST_TEST_KEY", "the LLM provider")
    monkeypatch.setenv("AIDIGEST_TEST_KEY", "sk-canary")
    assert secret("AIDIGEST_TEST_KEY", "x") == "sk-canary"
