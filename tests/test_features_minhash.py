"""MinHash signatures (:func:`aidigest.stories.features.minhash_signatures`) equal their
definition: per post and hash function, the minimum of ``(a*s + b) mod P`` over its shingles;
a post without shingles gets ``P`` everywhere. Checked across chunk sizes (chunks hold whole
posts; a chunk boundary must not change a signature)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from aidigest.models import Author, Post
from aidigest.stories import features as F


def _post(i: int, text: str) -> Post:
    from datetime import UTC, datetime

    return Post(id=str(i), url=f"https://x.com/a/status/{i}", author=Author("a"),
                created_at=datetime(2025, 12, 6, tzinfo=UTC), text=text)


def _definition(feats: list[F.Features]) -> np.ndarray:
    out = np.full((len(feats), len(F._A)), F._PRIME, dtype=np.uint64)
    for row, f in enumerate(feats):
        for j, (a, b) in enumerate(zip(F._A.tolist(), F._B.tolist(), strict=True)):
            if len(f.shingles):
                out[row, j] = min((a * int(s) + b) % F._PRIME for s in f.shingles.tolist())
    return out


@pytest.fixture(scope="module")
def feats() -> list[F.Features]:
    texts = ["OpenAI released GPT-5.1 today with a bigger context window",
             "阿里发布Qwen3-TTS，支持多种语言的语音合成", "", "ab", "Gemini 3 Pro tops the benchmark",
             "x" * 300, "Anthropic Claude Opus 4.5 系统卡发布"]
    found = F.featurize_many([_post(i, t) for i, t in enumerate(texts * 3)])
    # posts whose shingles are emptied mid-list: rows without shingles between others
    return [dataclasses.replace(f, shingles=F._EMPTY) if i % 5 == 4 else f for i, f in enumerate(found)]


@pytest.mark.parametrize("chunk", [1, 10, 100, 65536])
def test_signatures_equal_the_definition(feats: list[F.Features], chunk: int) -> None:
    expected = _definition(feats)
    assert (F._block_signatures(feats, chunk) == expected).all()


def test_signatures_in_blocks_and_without_shingles(feats: list[F.Features]) -> None:
    expected = _definition(feats)
    assert (F.minhash_signatures(feats, block=4) == expected).all()
    empty = [f for f in feats if not len(f.shingles)]
    assert empty and (F.minhash_signatures(empty) == F._PRIME).all()
    assert F.minhash_signatures([]).shape == (0, len(F._A))
