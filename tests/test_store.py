"""The SQLite store: migrations, upserts in place, WAL, clear errors on bad files."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aidigest.errors import StoreError
from aidigest.models import Author, Metrics, Post
from aidigest.store import open_store
from aidigest.store.migrate import migrations


def _post(pid: str, likes: int = 1, **kw: object) -> Post:
    base = Post(
        id=pid, url=f"https://x.com/dotey/status/{pid}", author=Author("dotey", "宝玉", 120000),
        created_at=datetime(2025, 12, 6, 21, tzinfo=UTC), text=f"post {pid}", lang="zh",
        metrics=Metrics(likes=likes), source="sample",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_schema_is_migrated_and_wal(tmp_path: Path) -> None:
    with open_store(tmp_path / "a.db") as store:
        version = store.conn.execute("PRAGMA user_version").fetchone()[0]
        mode = store.conn.execute("PRAGMA journal_mode").fetchone()[0]
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert version == len(migrations()) == migrations()[-1][0] >= 1
    assert mode == "wal"
    assert {"authors", "posts", "source_cursors", "stories", "digests", "digest_items", "runs",
            "llm_cache", "llm_calls", "embeddings"} <= tables


def test_reingesting_updates_in_place(tmp_path: Path) -> None:
    with open_store(tmp_path / "a.db") as store:
        assert store.upsert_posts([_post("1", 5), _post("2")]) == (2, 0)
        assert store.upsert_posts([_post("1", 50)]) == (0, 1)
        assert store.count_posts() == 2
        (got,) = store.get_posts(["1"])
        assert got.metrics.likes == 50
        assert got.author == Author("dotey", "宝玉", 120000)
        assert got.raw is None and got.created_at.tzinfo is not None


def test_window_query_is_half_open(tmp_path: Path) -> None:
    start, end = datetime(2025, 12, 6, 20, tzinfo=UTC), datetime(2025, 12, 7, tzinfo=UTC)
    with open_store(tmp_path / "a.db") as store:
        store.upsert_posts([_post("a", created_at=start), _post("b", created_at=end),
                            _post("c", created_at=datetime(2025, 12, 6, 23, 59, 59, tzinfo=UTC))])
        assert [p.id for p in store.posts_between(start, end)] == ["a", "c"]


def test_reopening_keeps_data_and_cursors(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with open_store(path) as store:
        store.upsert_posts([_post("1")])
        store.set_cursor("ai-voices", "since_id:dotey", "1997")
    with open_store(path) as store:
        assert store.count_posts() == 1
        assert store.get_cursor("ai-voices", "since_id:dotey") == "1997"


def test_corrupt_file_is_reported_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bad.db"
    junk = b"this is not sqlite at all" * 100
    path.write_bytes(junk)
    with pytest.raises(StoreError) as info:
        open_store(path)
    assert "not a readable SQLite database" in str(info.value) and "untouched" in str(info.value)
    assert path.read_bytes() == junk


def test_store_from_the_future_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(StoreError, match="newer than this aidigest"):
        open_store(path)


def test_locked_store_waits_then_reports(tmp_path: Path) -> None:
    import threading
    import time

    path = tmp_path / "a.db"
    open_store(path).close()
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    with open_store(path, busy_timeout=0.3) as store:
        started = time.monotonic()
        with pytest.raises(StoreError, match="locked by another process"):
            store.upsert_posts([_post("1")])
        assert time.monotonic() - started >= 0.25
        threading.Timer(0.2, lambda: other.execute("COMMIT")).start()
        store.busy_timeout = 5
        store.conn.execute("PRAGMA busy_timeout = 5000")
        assert store.upsert_posts([_post("1")]) == (1, 0)
    other.close()


def test_older_schema_is_migrated_keeping_data(tmp_path: Path) -> None:
    from aidigest.store.migrate import migrate

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=1)
    conn.execute("INSERT INTO authors VALUES ('dotey', '宝玉', 1, '2025-01-01T00:00:00+00:00')")
    conn.execute("INSERT INTO posts (id, url, author_handle, created_at, text, first_seen_at, "
                 "updated_at) VALUES ('1', 'https://x.com/dotey/status/1', 'dotey', "
                 "'2025-12-06T21:00:00+00:00', 'old', 'x', 'x')")
    conn.close()
    with open_store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations())
        (post,) = store.get_posts(["1"])
        assert post.text == "old" and post.author.name == "宝玉"


def test_feed_copy_does_not_clobber_api_metrics_or_full_text(tmp_path: Path) -> None:
    full = "Introducing Qwen3-TTS: 49 voices, 10 languages and 9 dialects. " * 4
    with open_store(tmp_path / "a.db") as store:
        store.upsert_posts([_post("7", 300, text=full, links=("https://qwen.ai/blog",))])
        feed_copy = _post("7", 0, text=full[:90] + "…", source="rsshub")
        store.upsert_posts([replace(feed_copy, metrics=Metrics())])
        (got,) = store.get_posts(["7"])
        assert got.metrics.likes == 300 and got.text == full and got.links == ("https://qwen.ai/blog",)
        store.upsert_posts([_post("7", 450, text=full + " Update: now in the API.")])
        (got,) = store.get_posts(["7"])
        assert got.metrics.likes == 450 and got.text.endswith("now in the API.")
