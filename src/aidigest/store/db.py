"""SQLite store (WAL): posts with their raw payloads, cursors, fetch health, stories,
digests, runs, LLM cache and accounting, embeddings.

Every write is an upsert inside a transaction; re-ingesting a post updates it in place.
Does NOT decide anything: callers pass finished values in and get rows back.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from aidigest.errors import StoreError
from aidigest.models import Author, Digest, Metrics, Post, RunReport, SourceReport, Story
from aidigest.store.migrate import migrate
from aidigest.timeutil import iso_utc, now_utc, parse_instant

BUSY_TIMEOUT_MS = 15000
DIGEST_STATES = ("published", "draft", "held", "rejected")
ZERO_METRICS = json.dumps(Metrics().to_dict())  # a feed copy of a post carries no metrics


_UPSERT_POST = f"""INSERT INTO posts (id, platform, url, author_handle, created_at, lang,
         text, links, reply_to, quote_of, repost_of, conversation_id, metrics,
         source, raw, first_seen_at, updated_at)
       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
       ON CONFLICT(id) DO UPDATE SET
         url=excluded.url, author_handle=excluded.author_handle,
         lang=COALESCE(excluded.lang, posts.lang),
         text=CASE WHEN length(excluded.text) >= length(posts.text) * 0.8
                   THEN excluded.text ELSE posts.text END,
         links=CASE WHEN excluded.links != '[]' THEN excluded.links
                    ELSE posts.links END,
         reply_to=COALESCE(excluded.reply_to, posts.reply_to),
         quote_of=COALESCE(excluded.quote_of, posts.quote_of),
         repost_of=COALESCE(excluded.repost_of, posts.repost_of),
         conversation_id=COALESCE(excluded.conversation_id,
                                  posts.conversation_id),
         metrics=CASE WHEN excluded.metrics = '{ZERO_METRICS}' THEN posts.metrics
                      ELSE excluded.metrics END,
         raw=COALESCE(excluded.raw, posts.raw),
         updated_at=excluded.updated_at"""


def open_store(path: str | Path, busy_timeout: float = BUSY_TIMEOUT_MS / 1000) -> Store:
    """Open (creating and migrating as needed) the store at ``path``.

    A writer waits up to ``busy_timeout`` seconds for another process's lock, then fails
    with a StoreError saying the store is locked.
    """
    return Store(Path(path), busy_timeout)


class Store:
    """One connection to the SQLite file. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: Path, busy_timeout: float = BUSY_TIMEOUT_MS / 1000) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        if path != Path(":memory:"):
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(
                str(path), timeout=busy_timeout, isolation_level=None
            )
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            migrate(self.conn)
        except sqlite3.DatabaseError as exc:
            raise StoreError(_explain(path, exc, busy_timeout)) from exc

    # -- plumbing -----------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tx(self) -> _Transaction:
        return _Transaction(self.conn, self.path, self.busy_timeout)

    # -- posts --------------------------------------------------------------------
    def upsert_posts(self, posts: Iterable[Post]) -> tuple[int, int]:
        """Insert or update posts (and their authors). Returns ``(new, updated)``."""
        new = updated = 0
        stamp = iso_utc(now_utc())
        with self._tx():
            for post in posts:
                self._upsert_author(post.author, stamp)
                exists = self.conn.execute(
                    "SELECT 1 FROM posts WHERE id = ?", (post.id,)
                ).fetchone()
                self.conn.execute(
                    _UPSERT_POST,
                    (
                        post.id, post.platform, post.url, post.author.handle,
                        iso_utc(post.created_at), post.lang, post.text,
                        json.dumps(list(post.links), ensure_ascii=False),
                        post.reply_to, post.quote_of, post.repost_of, post.conversation_id,
                        json.dumps(post.metrics.to_dict()), post.source, post.raw,
                        stamp, stamp,
                    ),
                )
                if exists:
                    updated += 1
                else:
                    new += 1
        return new, updated

    def _upsert_author(self, author: Author, stamp: str) -> None:
        self.conn.execute(
            """INSERT INTO authors (handle, name, followers, updated_at) VALUES (?,?,?,?)
               ON CONFLICT(handle) DO UPDATE SET
                 name = CASE WHEN excluded.name != '' THEN excluded.name ELSE authors.name END,
                 followers = COALESCE(excluded.followers, authors.followers),
                 updated_at = excluded.updated_at""",
            (author.handle, author.name, author.followers, stamp),
        )

    _POST_SQL = """SELECT p.*, a.name AS author_name, a.followers AS author_followers
                   FROM posts p JOIN authors a ON a.handle = p.author_handle"""

    def posts_between(self, start: datetime, end: datetime) -> list[Post]:
        """Posts with ``start <= created_at < end``, oldest first."""
        rows = self.conn.execute(
            self._POST_SQL + " WHERE p.created_at >= ? AND p.created_at < ? "
            "ORDER BY p.created_at, p.id",
            (iso_utc(start), iso_utc(end)),
        )
        return [_post(r) for r in rows]

    def iter_posts(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[Post]:
        """Every post (optionally bounded), oldest first, streamed."""
        sql, args = self._POST_SQL + " WHERE 1=1", list[str]()
        if since is not None:
            sql, args = sql + " AND p.created_at >= ?", [*args, iso_utc(since)]
        if until is not None:
            sql, args = sql + " AND p.created_at < ?", [*args, iso_utc(until)]
        for row in self.conn.execute(sql + " ORDER BY p.created_at, p.id", args):
            yield _post(row)

    def get_posts(self, ids: Sequence[str]) -> list[Post]:
        """The stored posts among ``ids`` (missing ids are skipped)."""
        found: list[Post] = []
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(self._POST_SQL + f" WHERE p.id IN ({marks})", chunk)
            found.extend(_post(r) for r in rows)
        return found

    def count_posts(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0])

    def author_engagement(self, handles: Sequence[str], limit: int = 200) -> dict[str, float]:
        """Median engagement over each author's most recent stored posts (for ranking)."""
        result: dict[str, float] = {}
        for handle in set(handles):
            rows = self.conn.execute(
                "SELECT metrics FROM posts WHERE author_handle = ? AND repost_of IS NULL "
                "ORDER BY created_at DESC LIMIT ?",
                (handle, limit),
            ).fetchall()
            values = sorted(Metrics.from_dict(json.loads(r[0])).engagement for r in rows)
            if values:
                result[handle] = values[len(values) // 2]
        return result

    # -- cursors and fetch health ------------------------------------------------------
    def get_cursor(self, source: str, key: str) -> str | None:
        row = self.conn.execute(
            "SELECT value FROM source_cursors WHERE source = ? AND key = ?", (source, key)
        ).fetchone()
        return None if row is None else str(row[0])

    def set_cursor(self, source: str, key: str, value: str) -> None:
        with self._tx():
            self.conn.execute(
                """INSERT INTO source_cursors (source, key, value, updated_at) VALUES (?,?,?,?)
                   ON CONFLICT(source, key) DO UPDATE SET value = excluded.value,
                   updated_at = excluded.updated_at""",
                (source, key, value, iso_utc(now_utc())),
            )

    def record_fetch(self, report: SourceReport, started_at: datetime) -> None:
        with self._tx():
            self.conn.execute(
                """INSERT INTO source_fetches (source, kind, started_at, ok, new, updated, pages,
                     http_status, duration_s, error, stale, newest_at, report)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                (
                    report.name, report.kind, iso_utc(started_at), int(report.ok), report.new,
                    report.updated, report.pages, report.http_status, report.duration_s,
                    report.error, int(report.stale), report.newest_at,
                    json.dumps(asdict(report), ensure_ascii=False),
                ),
            )

    def source_health(self) -> dict[str, dict[str, Any]]:
        """The latest fetch of each source (with its skipped count and warnings), plus its
        last success time."""
        health: dict[str, dict[str, Any]] = {}
        rows = self.conn.execute(
            """SELECT f.* FROM source_fetches f JOIN (SELECT source, MAX(id) AS id
               FROM source_fetches GROUP BY source) last ON last.id = f.id ORDER BY f.source"""
        )
        for row in rows:
            item = dict(row)
            saved = json.loads(item.pop("report", None) or "{}")
            item["skipped"] = int(saved.get("skipped", 0) or 0)
            item["warnings"] = list(saved.get("notes", []))
            ok_row = self.conn.execute(
                "SELECT MAX(started_at) FROM source_fetches WHERE source = ? AND ok = 1",
                (row["source"],),
            ).fetchone()
            item["last_ok_at"] = ok_row[0]
            health[row["source"]] = item
        return health

    # -- stories, digests, runs ----------------------------------------------------
    def save_stories(self, slot_key: str, stories: Sequence[Story]) -> None:
        with self._tx():
            self.conn.execute("DELETE FROM stories WHERE slot = ?", (slot_key,))
            self.conn.executemany(
                "INSERT INTO stories (slot, story_id, rank, post_ids, representative, score, "
                "reasons, filtered, score_parts) VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (slot_key, s.id, rank, json.dumps(s.post_ids), s.representative.id,
                     s.score, json.dumps(list(s.reasons), ensure_ascii=False), s.filtered,
                     json.dumps({k: round(v, 4) for k, v in s.score_parts.items()}))
                    for rank, s in enumerate(stories, start=1)
                ],
            )

    def save_digest(
        self, digest: Digest, post_ids: Sequence[Sequence[str]], path: str | None, *,
        state: str = "published", reason: str | None = None, markdown: str | None = None,
    ) -> None:
        """Store a digest and its items (replacing an earlier version of the same slot).

        ``state`` is one of :data:`DIGEST_STATES`; ``published_at`` is set only for a
        published digest with a path. Does NOT write the post file.
        """
        if state not in DIGEST_STATES:
            raise StoreError(f"unknown digest state {state!r}; one of {', '.join(DIGEST_STATES)}")
        key = digest.slot.key
        published_at = iso_utc(now_utc()) if path and state == "published" else None
        with self._tx():
            self.conn.execute("DELETE FROM digests WHERE slot = ?", (key,))
            self.conn.execute(
                "INSERT INTO digests (slot, title, made_at, categories, path, published_at, "
                "state, reason, markdown) VALUES (?,?,?,?,?,?,?,?,?)",
                (key, digest.title, digest.made_at.isoformat(),
                 json.dumps(list(digest.categories), ensure_ascii=False), path, published_at,
                 state, reason, markdown),
            )
            for pos, (item, ids) in enumerate(zip(digest.items, post_ids, strict=True), 1):
                self.conn.execute(
                    "INSERT INTO digest_items (slot, position, story_id, post_id, post_ids, url, "
                    "title, summary, key_terms, writer, provider) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (key, pos, item.story_id, item.post_id, json.dumps(list(ids)), item.url,
                     item.title, item.summary,
                     json.dumps(list(item.key_terms), ensure_ascii=False), item.writer,
                     item.provider),
                )

    def get_digest(self, slot_key: str) -> dict[str, Any] | None:
        """The digest row of a slot (state, reason, markdown included) with its ``items``."""
        row = self.conn.execute("SELECT * FROM digests WHERE slot = ?", (slot_key,)).fetchone()
        if row is None:
            return None
        result = dict(row)
        result["categories"] = json.loads(row["categories"])
        result["items"] = [
            {**dict(r), "post_ids": json.loads(r["post_ids"]),
             "key_terms": json.loads(r["key_terms"])}
            for r in self.conn.execute(
                "SELECT * FROM digest_items WHERE slot = ? ORDER BY position", (slot_key,)
            )
        ]
        return result

    def published_items_since(self, since_slot_key: str, before_slot_key: str) -> list[dict[str, Any]]:
        """Items of published digests with ``since <= slot < before`` (for novelty), newest
        first; drafts and held or rejected digests do not count."""
        rows = self.conn.execute(
            """SELECT i.*, d.made_at FROM digest_items i JOIN digests d ON d.slot = i.slot
               WHERE i.slot >= ? AND i.slot < ? AND d.state = 'published'
               ORDER BY i.slot DESC, i.position""",
            (since_slot_key, before_slot_key),
        )
        return [
            {**dict(r), "post_ids": json.loads(r["post_ids"]),
             "key_terms": json.loads(r["key_terms"])}
            for r in rows
        ]

    def recent_categories(self, limit: int = 20) -> list[str]:
        """Categories of the latest digests, most used first."""
        counts: dict[str, int] = {}
        for row in self.conn.execute(
            "SELECT categories FROM digests ORDER BY slot DESC LIMIT ?", (limit,)
        ):
            for cat in json.loads(row[0]):
                counts[cat] = counts.get(cat, 0) + 1
        return sorted(counts, key=lambda c: (-counts[c], c))

    def start_run(self, slot_key: str, command: str, started_at: datetime) -> int:
        with self._tx():
            cur = self.conn.execute(
                "INSERT INTO runs (slot, command, started_at) VALUES (?,?,?)",
                (slot_key, command, iso_utc(started_at)),
            )
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, report: RunReport) -> None:
        with self._tx():
            self.conn.execute(
                "UPDATE runs SET finished_at = ?, outcome = ?, report = ? WHERE id = ?",
                (report.finished_at, report.outcome,
                 json.dumps(report.to_dict(), ensure_ascii=False), run_id),
            )

    def recent_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        return [{**dict(r), "report": json.loads(r["report"])} for r in rows]

    # -- LLM cache and accounting ------------------------------------------------
    def cache_get(self, key: str) -> str | None:
        row = self.conn.execute("SELECT response FROM llm_cache WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def cache_put(
        self, key: str, prompt_version: str, model: str, content_hash: str, response: str
    ) -> None:
        with self._tx():
            self.conn.execute(
                "INSERT OR REPLACE INTO llm_cache VALUES (?,?,?,?,?,?)",
                (key, prompt_version, model, content_hash, response, iso_utc(now_utc())),
            )

    def record_llm_call(self, **fields: Any) -> None:
        fields.setdefault("created_at", iso_utc(now_utc()))
        names = ",".join(fields)
        marks = ",".join("?" * len(fields))
        with self._tx():
            self.conn.execute(
                f"INSERT INTO llm_calls ({names}) VALUES ({marks})", tuple(fields.values())
            )

    def llm_totals(self, since: datetime) -> dict[str, float]:
        row = self.conn.execute(
            """SELECT COUNT(*), COALESCE(SUM(prompt_tokens),0), COALESCE(SUM(completion_tokens),0),
               COALESCE(SUM(cost),0) FROM llm_calls WHERE created_at >= ?""",
            (iso_utc(since),),
        ).fetchone()
        return {"calls": row[0], "prompt_tokens": row[1], "completion_tokens": row[2],
                "cost": round(float(row[3]), 6)}

    # -- embeddings --------------------------------------------------------------
    def get_embeddings(self, post_ids: Sequence[str], model: str) -> dict[str, tuple[str, bytes]]:
        """``post_id -> (text_hash, vector bytes)`` for stored embeddings."""
        found: dict[str, tuple[str, bytes]] = {}
        for start in range(0, len(post_ids), 500):
            chunk = list(post_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                f"SELECT post_id, text_hash, vector FROM embeddings WHERE model = ? "
                f"AND post_id IN ({marks})",
                [model, *chunk],
            ):
                found[row[0]] = (row[1], bytes(row[2]))
        return found

    def put_embeddings(self, model: str, rows: Iterable[tuple[str, str, bytes]]) -> None:
        with self._tx():
            self.conn.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?,?,?,?)",
                [(pid, model, h, vec) for pid, h, vec in rows],
            )

    # -- added in round two (kept at the end for easy merges) ------------------------
    def list_digests(self, limit: int = 50) -> list[dict[str, Any]]:
        """Digests newest slot first: slot, title, state, reason, path, made_at,
        published_at and ``items`` (the item count). Does NOT load markdown or items."""
        rows = self.conn.execute(
            """SELECT d.slot, d.title, d.state, d.reason, d.path, d.made_at, d.published_at,
                      (SELECT COUNT(*) FROM digest_items i WHERE i.slot = d.slot) AS items
               FROM digests d ORDER BY d.slot DESC LIMIT ?""",
            (limit,),
        )
        return [dict(r) for r in rows]

    def set_run_pid(self, run_id: int, pid: int) -> None:
        """Record which process runs ``run_id`` (in its report, until the run finishes)."""
        with self._tx():
            self.conn.execute("UPDATE runs SET report = ? WHERE id = ?",
                              (json.dumps({"pid": pid}), run_id))

    def latest_run(self, slot_key: str | None = None) -> dict[str, Any] | None:
        """The newest run (of ``slot_key`` if given) with its report decoded, or None."""
        sql, args = "SELECT * FROM runs", []
        if slot_key is not None:
            sql, args = sql + " WHERE slot = ?", [slot_key]
        row = self.conn.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
        return None if row is None else {**dict(row), "report": json.loads(row["report"])}

    def slot_stories(self, slot_key: str) -> list[dict[str, Any]]:
        """The stored stories of a slot (as its last run saw them), best first: story_id, rank,
        post_ids, representative, score, score_parts, reasons, filtered. Does NOT load the posts."""
        rows = self.conn.execute("SELECT * FROM stories WHERE slot = ? ORDER BY rank", (slot_key,))
        return [{**dict(r), "post_ids": json.loads(r["post_ids"]), "reasons": json.loads(r["reasons"]),
                 "score_parts": json.loads(r["score_parts"])} for r in rows]


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error), errors as StoreError."""

    def __init__(self, conn: sqlite3.Connection, path: Path, timeout: float) -> None:
        self.conn, self.path, self.timeout = conn, path, timeout

    def __enter__(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(_explain(self.path, exc, self.timeout)) from exc

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as err:
                self.conn.execute("ROLLBACK")
                raise StoreError(_explain(self.path, err, self.timeout)) from err
        else:
            self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(_explain(self.path, exc, self.timeout)) from exc


def _explain(path: Path, exc: BaseException, timeout: float = BUSY_TIMEOUT_MS / 1000) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return (f"the store {path} is locked by another process (waited "
                f"{timeout:g}s); try again when it has finished")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (f"the store {path} is not a readable SQLite database ({text}); it was left "
                "untouched: restore it from a backup, or move it aside to start a new one")
    return f"store {path}: {text}"


def _post(row: sqlite3.Row) -> Post:
    return Post(
        id=row["id"],
        url=row["url"],
        author=Author(row["author_handle"], row["author_name"] or "", row["author_followers"]),
        created_at=parse_instant(row["created_at"]),
        text=row["text"],
        platform=row["platform"],
        lang=row["lang"],
        links=tuple(json.loads(row["links"])),
        reply_to=row["reply_to"],
        quote_of=row["quote_of"],
        repost_of=row["repost_of"],
        conversation_id=row["conversation_id"],
        metrics=Metrics.from_dict(json.loads(row["metrics"])),
        source=row["source"],
        raw=row["raw"],
    )


def newest_post_at(store: Store, source: str) -> datetime | None:
    """Creation time of the newest stored post that came from ``source``."""
    row = store.conn.execute(
        "SELECT MAX(created_at) FROM posts WHERE source = ?", (source,)
    ).fetchone()
    return parse_instant(row[0]) if row and row[0] else None
