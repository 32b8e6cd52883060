"""The disk cache of derived tables (stories/diskcache.py): a stored value is used only under
its key, a missing, corrupt or unwritable cache costs a rebuild and never an error, and
traditional → simplified matching is the same with a cold and a warm cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aidigest.stories import diskcache

TEXT = "開源模型發佈，對話與語音；OpenAI 發布 GPT-5"


def test_a_value_is_stored_under_its_key_and_rebuilt_for_another(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIDIGEST_CACHE_DIR", str(tmp_path / "cache"))
    built: list[str] = []

    def build(value: str) -> str:
        built.append(value)
        return value

    assert diskcache.load("t", "k1", lambda: build("one")) == "one"
    assert diskcache.load("t", "k1", lambda: build("two")) == "one"  # from disk
    assert diskcache.load("t", "k2", lambda: build("three")) == "three"  # another key
    assert built == ["one", "three"]
    assert diskcache.load("empty", "k", dict) == {}
    assert not (tmp_path / "cache" / "empty.marshal").exists()  # an empty table is not kept


def test_a_corrupt_file_or_an_unwritable_folder_only_costs_a_rebuild(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "t.marshal").write_bytes(b"\x00not marshal data")
    monkeypatch.setenv("AIDIGEST_CACHE_DIR", str(folder))
    assert diskcache.load("t", "k", lambda: "fresh") == "fresh"
    assert diskcache.load("t", "k", lambda: "other") == "fresh"  # rewritten whole
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("AIDIGEST_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    assert diskcache.load("t", "k", lambda: "built") == "built"
    assert not list(tmp_path.glob("**/.t-*"))  # no temporary file left behind


def test_the_default_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AIDIGEST_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert diskcache.cache_dir() == tmp_path / "aidigest"


def _simplified(cache: Path) -> str:
    code = ("from aidigest.stories.normalize import to_simplified; "
            f"print(to_simplified({TEXT!r}))")
    env = {**os.environ, "AIDIGEST_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-c", code], env=env, check=True,
                          capture_output=True, text=True).stdout


def test_simplified_text_is_the_same_cold_and_warm(tmp_path: Path) -> None:
    cold = _simplified(tmp_path / "c")
    assert (tmp_path / "c" / "opencc-t2s-changed.marshal").exists()
    assert _simplified(tmp_path / "c") == cold == "开源模型发布，对话与语音；OpenAI 发布 GPT-5\n"
    unwritable = tmp_path / "f"
    unwritable.write_text("")
    assert _simplified(unwritable / "x") == cold
