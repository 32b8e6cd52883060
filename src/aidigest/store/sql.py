"""The store's queries, written once for both backends: SQLite and PostgreSQL agree on
``INSERT … ON CONFLICT … DO UPDATE``, ``RETURNING`` and the functions used here. Each
backend (:mod:`aidigest.store.db`, :mod:`aidigest.store.postgres`) supplies the connection,
transactions, placeholders, the clock expression and error messages.

Every write is an upsert inside a transaction; re-ingesting a post updates it in place.
Does NOT decide anything: callers pass finished values in and get records back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from aidigest.errors import StoreError
from aidigest.models import Author, Digest, Metrics, Post, RunReport, SourceReport, Story
from aidigest.store.links import LinkAccess
from aidigest.store.live import LiveQueries
from aidigest.store.records import (
    AliasCount,
    AliasEvidence,
    Claim,
    ClaimAttempt,
    DigestItemRecord,
    DigestRecord,
    DigestSummary,
    LlmCall,
    LlmTotals,
    RunRecord,
    SourceHealth,
    StoryRecord,
)
from aidigest.store.tables import TableAccess
from aidigest.timeutil import iso_utc, now_utc, parse_instant

Row = Any  # sqlite3.Row or psycopg's dict row: both read by column name
DIGEST_STATES = ("published", "draft", "held", "rejected")
ZERO_METRICS = json.dumps(Metrics().to_dict())  # a feed copy of a post carries no metrics
CHUNK = 500
_TO_JSON = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(x, ensure_ascii=False)

_UPSERT_AUTHOR = """INSERT INTO authors (handle, name, followers, updated_at) VALUES (?,?,?,?)
    ON CONFLICT(handle) DO UPDATE SET
      name = CASE WHEN excluded.name != '' THEN excluded.name ELSE authors.name END,
      followers = COALESCE(excluded.followers, authors.followers),
      updated_at = excluded.updated_at"""

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

_POST_SQL = """SELECT p.*, a.name AS author_name, a.followers AS author_followers
               FROM posts p JOIN authors a ON a.handle = p.author_handle"""

_CLAIM = """INSERT INTO slot_claims (slot, owner, host, pid, claimed_at, expires_at)
    VALUES (?, ?, ?, ?, ?, {now} + ?)
    ON CONFLICT (slot) DO UPDATE SET owner = excluded.owner, host = excluded.host,
      pid = excluded.pid, claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
    WHERE slot_claims.expires_at < {now} OR slot_claims.owner = excluded.owner
    RETURNING owner"""


class SqlStore(TableAccess, LinkAccess, LiveQueries):
    """The shared queries. Subclasses implement the ``_``-prefixed plumbing below."""

    backend = "sql"
    location = ""
    #: SQL for "now, in seconds since the epoch, by the store's clock" (claims use it, so
    #: hosts whose clocks disagree still agree on when a lease ends)
    now_epoch = ""

    # -- plumbing each backend provides: _tx, _rows, _stream, _run, _many (store/plumbing.py)
    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        rows = self._rows(sql, args)
        return rows[0] if rows else None

    # -- posts ----------------------------------------------------------------------------
    def upsert_posts(self, posts: Iterable[Post]) -> tuple[int, int]:
        """Insert or update posts (and their authors). Returns ``(new, updated)``."""
        new = updated = 0
        stamp = iso_utc(now_utc())
        batch = list(posts)
        if not batch:
            return 0, 0
        with self._tx():  # one transaction: all of them or none (and one commit, not one a chunk)
            for start in range(0, len(batch), CHUNK):
                chunk = batch[start : start + CHUNK]
                known = self._existing_ids([p.id for p in chunk])
                authors = {p.author.handle: p.author for p in chunk}
                self._many(_UPSERT_AUTHOR, [(a.handle, a.name, a.followers, stamp)
                                            for a in authors.values()])
                self._many(_UPSERT_POST, [_post_args(p, stamp) for p in chunk])
                for post in chunk:
                    if post.id in known:
                        updated += 1
                    else:
                        new += 1
                        known.add(post.id)
        return new, updated

    def _existing_ids(self, ids: Sequence[str]) -> set[str]:
        marks = ",".join("?" * len(ids))
        return {r["id"] for r in self._rows(f"SELECT id FROM posts WHERE id IN ({marks})", ids)}

    def posts_between(self, start: datetime, end: datetime) -> list[Post]:
        """Posts with ``start <= created_at < end``, oldest first."""
        rows = self._rows(_POST_SQL + " WHERE p.created_at >= ? AND p.created_at < ? "
                          "ORDER BY p.created_at, p.id", (iso_utc(start), iso_utc(end)))
        return [_post(r) for r in rows]

    def iter_posts(self, since: datetime | None = None,
                   until: datetime | None = None) -> Iterator[Post]:
        """Every post (optionally bounded), oldest first, streamed."""
        sql, args = _POST_SQL + " WHERE 1=1", list[str]()
        if since is not None:
            sql, args = sql + " AND p.created_at >= ?", [*args, iso_utc(since)]
        if until is not None:
            sql, args = sql + " AND p.created_at < ?", [*args, iso_utc(until)]
        for row in self._stream(sql + " ORDER BY p.created_at, p.id", args):
            yield _post(row)

    def get_posts(self, ids: Sequence[str]) -> list[Post]:
        """The stored posts among ``ids`` (missing ids are skipped)."""
        found: list[Post] = []
        for start in range(0, len(ids), CHUNK):
            chunk = list(ids[start : start + CHUNK])
            marks = ",".join("?" * len(chunk))
            found.extend(_post(r) for r in self._rows(_POST_SQL + f" WHERE p.id IN ({marks})", chunk))
        return found

    def count_posts(self) -> int:
        row = self._one("SELECT COUNT(*) AS n FROM posts")
        return int(row["n"]) if row else 0

    def author_engagement(self, handles: Sequence[str], limit: int = 200) -> dict[str, float]:
        """Median engagement over each author's most recent stored posts (for ranking)."""
        result: dict[str, float] = {}
        for handle in set(handles):
            rows = self._rows("SELECT metrics FROM posts WHERE author_handle = ? AND repost_of IS "
                              "NULL ORDER BY created_at DESC LIMIT ?", (handle, limit))
            values = sorted(Metrics.from_dict(json.loads(r["metrics"])).engagement for r in rows)
            if values:
                result[handle] = values[len(values) // 2]
        return result

    def newest_post_at(self, source: str) -> datetime | None:
        """Creation time of the newest stored post that came from ``source``."""
        row = self._one("SELECT MAX(created_at) AS newest FROM posts WHERE source = ?", (source,))
        return parse_instant(row["newest"]) if row and row["newest"] else None

    # -- cursors and fetch health -------------------------------------------------------------
    def get_cursor(self, source: str, key: str) -> str | None:
        row = self._one("SELECT value FROM source_cursors WHERE source = ? AND key = ?", (source, key))
        return None if row is None else str(row["value"])

    def set_cursor(self, source: str, key: str, value: str) -> None:
        with self._tx():
            self._run("""INSERT INTO source_cursors (source, key, value, updated_at) VALUES (?,?,?,?)
                         ON CONFLICT(source, key) DO UPDATE SET value = excluded.value,
                         updated_at = excluded.updated_at""",
                      (source, key, value, iso_utc(now_utc())))

    def record_fetch(self, report: SourceReport, started_at: datetime) -> None:
        with self._tx():
            self._run(
                """INSERT INTO source_fetches (source, kind, started_at, ok, new, updated, pages,
                     http_status, duration_s, error, stale, newest_at, report)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                (report.name, report.kind, iso_utc(started_at), int(report.ok), report.new,
                 report.updated, report.pages, report.http_status, report.duration_s,
                 report.error, int(report.stale), report.newest_at,
                 json.dumps(asdict(report), ensure_ascii=False)),
            )

    def source_health(self) -> dict[str, SourceHealth]:
        """The latest fetch of each source (with its skipped count and warnings), plus its
        last success time."""
        last_ok = {r["source"]: r["at"] for r in self._rows(
            "SELECT source, MAX(started_at) AS at FROM source_fetches WHERE ok = 1 GROUP BY source")}
        health: dict[str, SourceHealth] = {}
        for row in self._rows("""SELECT f.* FROM source_fetches f JOIN (SELECT source, MAX(id) AS id
                                 FROM source_fetches GROUP BY source) last ON last.id = f.id
                                 ORDER BY f.source"""):
            saved = json.loads(row["report"] or "{}")
            health[row["source"]] = SourceHealth(
                id=int(row["id"]), source=row["source"], kind=row["kind"],
                started_at=row["started_at"], ok=bool(row["ok"]), new=int(row["new"]),
                updated=int(row["updated"]), pages=int(row["pages"]),
                http_status=row["http_status"], duration_s=float(row["duration_s"]),
                error=row["error"], stale=bool(row["stale"]), newest_at=row["newest_at"],
                skipped=int(saved.get("skipped", 0) or 0),
                warnings=tuple(saved.get("notes", [])), last_ok_at=last_ok.get(row["source"]))
        return health

    # -- stories and digests ------------------------------------------------------------------
    def save_stories(self, slot_key: str, stories: Sequence[Story]) -> None:
        """Replace the slot's stories and their links to earlier digests (``continues``)."""
        with self._tx():
            self._run("DELETE FROM stories WHERE slot = ?", (slot_key,))
            self._many(
                "INSERT INTO stories (slot, story_id, rank, post_ids, representative, score, "
                "reasons, filtered, score_parts) VALUES (?,?,?,?,?,?,?,?,?)",
                [(slot_key, s.id, rank, json.dumps(s.post_ids), s.representative.id, s.score,
                  json.dumps(list(s.reasons), ensure_ascii=False), s.filtered,
                  json.dumps({k: round(v, 4) for k, v in s.score_parts.items()}))
                 for rank, s in enumerate(stories, start=1)],
            )
            self._replace_links(slot_key, stories)

    def slot_stories(self, slot_key: str) -> list[StoryRecord]:
        """The stored stories of a slot (as its last run saw them), best first."""
        rows = self._rows("SELECT * FROM stories WHERE slot = ? ORDER BY rank", (slot_key,))
        return [StoryRecord(
            slot=r["slot"], story_id=r["story_id"], rank=int(r["rank"]),
            post_ids=tuple(json.loads(r["post_ids"])), representative=r["representative"],
            score=float(r["score"]), reasons=tuple(json.loads(r["reasons"])), filtered=r["filtered"],
            score_parts={k: float(v) for k, v in json.loads(r["score_parts"]).items()})
            for r in rows]

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
            self._run("DELETE FROM digest_items WHERE slot = ?", (key,))
            self._run("DELETE FROM digests WHERE slot = ?", (key,))
            self._run(
                "INSERT INTO digests (slot, title, made_at, categories, path, published_at, "
                "state, reason, markdown) VALUES (?,?,?,?,?,?,?,?,?)",
                (key, digest.title, digest.made_at.isoformat(),
                 json.dumps(list(digest.categories), ensure_ascii=False), path, published_at,
                 state, reason, markdown))
            self._many(
                "INSERT INTO digest_items (slot, position, story_id, post_id, post_ids, url, "
                "title, summary, key_terms, writer, provider) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [(key, pos, item.story_id, item.post_id, json.dumps(list(ids)), item.url,
                  item.title, item.summary, json.dumps(list(item.key_terms), ensure_ascii=False),
                  item.writer, item.provider)
                 for pos, (item, ids) in enumerate(zip(digest.items, post_ids, strict=True), 1)])

    def get_digest(self, slot_key: str) -> DigestRecord | None:
        """The digest of a slot (state, reason, markdown included) with its items."""
        row = self._one("SELECT * FROM digests WHERE slot = ?", (slot_key,))
        if row is None:
            return None
        items = self._rows("SELECT * FROM digest_items WHERE slot = ? ORDER BY position", (slot_key,))
        return DigestRecord(
            slot=row["slot"], title=row["title"], made_at=row["made_at"],
            categories=tuple(json.loads(row["categories"])), path=row["path"],
            published_at=row["published_at"], state=row["state"] or "published",
            reason=row["reason"], markdown=row["markdown"], items=tuple(_item(r) for r in items))

    def list_digests(self, limit: int = 50) -> list[DigestSummary]:
        """Digests newest slot first (no markdown, no items: their count)."""
        rows = self._rows(
            """SELECT d.slot, d.title, d.state, d.reason, d.path, d.made_at, d.published_at,
                      (SELECT COUNT(*) FROM digest_items i WHERE i.slot = d.slot) AS items
               FROM digests d ORDER BY d.slot DESC LIMIT ?""", (limit,))
        return [DigestSummary(slot=r["slot"], title=r["title"], state=r["state"] or "published",
                              reason=r["reason"], path=r["path"], made_at=r["made_at"],
                              published_at=r["published_at"], items=int(r["items"])) for r in rows]

    def published_items_since(self, since_slot_key: str,
                              before_slot_key: str) -> list[DigestItemRecord]:
        """Items of published digests with ``since <= slot < before`` (for novelty), newest
        first; drafts and held or rejected digests do not count."""
        rows = self._rows(
            """SELECT i.*, d.made_at FROM digest_items i JOIN digests d ON d.slot = i.slot
               WHERE i.slot >= ? AND i.slot < ? AND d.state = 'published'
               ORDER BY i.slot DESC, i.position""", (since_slot_key, before_slot_key))
        return [_item(r) for r in rows]

    def recent_categories(self, limit: int = 20) -> list[str]:
        """Categories of the latest digests, most used first."""
        counts: dict[str, int] = {}
        for row in self._rows("SELECT categories FROM digests ORDER BY slot DESC LIMIT ?", (limit,)):
            for cat in json.loads(row["categories"]):
                counts[cat] = counts.get(cat, 0) + 1
        return sorted(counts, key=lambda c: (-counts[c], c))

    # -- runs -----------------------------------------------------------------------------
    def start_run(self, slot_key: str, command: str, started_at: datetime) -> int:
        with self._tx():
            row = self._rows("INSERT INTO runs (slot, command, started_at) VALUES (?,?,?) "
                             "RETURNING id", (slot_key, command, iso_utc(started_at)))
        return int(row[0]["id"])

    def set_run_pid(self, run_id: int, pid: int) -> None:
        """Record which process runs ``run_id`` (in its report, until the run finishes)."""
        with self._tx():
            self._run("UPDATE runs SET report = ? WHERE id = ?", (json.dumps({"pid": pid}), run_id))

    def finish_run(self, run_id: int, report: RunReport) -> None:
        with self._tx():
            self._run("UPDATE runs SET finished_at = ?, outcome = ?, report = ? WHERE id = ?",
                      (report.finished_at, report.outcome,
                       json.dumps(report.to_dict(), ensure_ascii=False), run_id))

    def recent_runs(self, limit: int = 10) -> list[RunRecord]:
        return [_run(r) for r in self._rows("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))]

    def latest_run(self, slot_key: str | None = None) -> RunRecord | None:
        """The newest run (of ``slot_key`` if given), or None."""
        sql, args = "SELECT * FROM runs", list[str]()
        if slot_key is not None:
            sql, args = sql + " WHERE slot = ?", [slot_key]
        row = self._one(sql + " ORDER BY id DESC LIMIT 1", args)
        return None if row is None else _run(row)

    # -- LLM cache and accounting -------------------------------------------------------------
    def cache_get(self, key: str) -> str | None:
        row = self._one("SELECT response FROM llm_cache WHERE key = ?", (key,))
        return None if row is None else str(row["response"])

    def cache_put(self, key: str, prompt_version: str, model: str, content_hash: str,
                  response: str) -> None:
        with self._tx():
            self._run("""INSERT INTO llm_cache (key, prompt_version, model, content_hash, response,
                           created_at) VALUES (?,?,?,?,?,?)
                         ON CONFLICT (key) DO UPDATE SET prompt_version = excluded.prompt_version,
                           model = excluded.model, content_hash = excluded.content_hash,
                           response = excluded.response, created_at = excluded.created_at""",
                      (key, prompt_version, model, content_hash, response, iso_utc(now_utc())))

    def record_llm_call(self, call: LlmCall) -> None:
        with self._tx():
            self._run(
                """INSERT INTO llm_calls (run_id, slot, story_id, purpose, provider, model,
                     prompt_tokens, completion_tokens, latency_s, cost, outcome, created_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""",
                (call.run_id, call.slot, call.story_id, call.purpose, call.provider, call.model,
                 call.prompt_tokens, call.completion_tokens, call.latency_s, call.cost,
                 call.outcome, call.created_at or iso_utc(now_utc())))

    def llm_totals(self, since: datetime) -> LlmTotals:
        row = self._one(
            """SELECT COUNT(*) AS calls, COALESCE(SUM(prompt_tokens),0) AS prompt,
               COALESCE(SUM(completion_tokens),0) AS completion, COALESCE(SUM(cost),0) AS cost
               FROM llm_calls WHERE created_at >= ?""", (iso_utc(since),))
        if row is None:
            return LlmTotals()
        return LlmTotals(int(row["calls"]), int(row["prompt"]), int(row["completion"]),
                         round(float(row["cost"]), 6))

    # -- embeddings -----------------------------------------------------------------------
    def get_embeddings(self, post_ids: Sequence[str], model: str) -> dict[str, tuple[str, bytes]]:
        """``post_id -> (text_hash, vector bytes)`` for stored embeddings."""
        found: dict[str, tuple[str, bytes]] = {}
        for start in range(0, len(post_ids), CHUNK):
            chunk = list(post_ids[start : start + CHUNK])
            marks = ",".join("?" * len(chunk))
            for row in self._rows(f"SELECT post_id, text_hash, vector FROM embeddings WHERE "
                                  f"model = ? AND post_id IN ({marks})", [model, *chunk]):
                found[row["post_id"]] = (row["text_hash"], bytes(row["vector"]))
        return found

    def put_embeddings(self, model: str, rows: Iterable[tuple[str, str, bytes]]) -> None:
        with self._tx():
            self._many("""INSERT INTO embeddings (post_id, model, text_hash, vector) VALUES (?,?,?,?)
                          ON CONFLICT (post_id, model) DO UPDATE SET text_hash = excluded.text_hash,
                            vector = excluded.vector""",
                       [(pid, model, h, vec) for pid, h, vec in rows])

    # -- aliases and pair verdicts (the stories stage's memory) -------------------------------
    def add_alias_evidence(self, rows: Iterable[AliasEvidence | tuple[str, str, str, str]]) -> int:
        """Store (spelling, name, post id, kind) evidence; returns how many rows were new."""
        stamp = iso_utc(now_utc())
        added = 0
        with self._tx():
            for s, n, p, k in rows:
                added += self._run("INSERT INTO alias_evidence (spelling, name, post_id, kind, "
                                   "seen_at) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                                   (s, n, p, k, stamp))
        return added

    def alias_counts(self) -> list[AliasCount]:
        """(spelling, name, posts in brackets, posts side by side) over all evidence."""
        rows = self._rows(
            """SELECT spelling, name,
                      COUNT(DISTINCT CASE WHEN kind = 'paren' THEN post_id END) AS paren,
                      COUNT(DISTINCT CASE WHEN kind = 'beside' THEN post_id END) AS beside
               FROM alias_evidence GROUP BY spelling, name ORDER BY spelling, name""")
        return [AliasCount(r["spelling"], r["name"], int(r["paren"]), int(r["beside"])) for r in rows]

    def get_verdicts(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], bool]:
        """Cached verdicts for ``(a, b)`` pairs with ``a < b``."""
        found: dict[tuple[str, str], bool] = {}
        for a, b in pairs:
            row = self._one("SELECT same FROM pair_verdicts WHERE post_a = ? AND post_b = ?", (a, b))
            if row is not None:
                found[(a, b)] = bool(row["same"])
        return found

    def put_verdicts(self, verdicts: dict[tuple[str, str], bool], model: str) -> None:
        stamp = iso_utc(now_utc())
        with self._tx():
            self._many("""INSERT INTO pair_verdicts (post_a, post_b, same, model, created_at)
                          VALUES (?,?,?,?,?) ON CONFLICT (post_a, post_b) DO UPDATE SET
                          same = excluded.same, model = excluded.model,
                          created_at = excluded.created_at""",
                       [(a, b, int(same), model, stamp) for (a, b), same in verdicts.items()])

    # -- slot claims ----------------------------------------------------------------------
    def claim_slot(self, slot_key: str, owner: str, host: str, pid: int,
                   lease_seconds: float) -> ClaimAttempt:
        """Claim ``slot_key`` for ``owner`` for ``lease_seconds``: granted when nobody holds it,
        the holder's lease ran out (by the store's clock), or ``owner`` already holds it."""
        with self._tx():
            got = self._rows(_CLAIM.format(now=self.now_epoch),
                             (slot_key, owner, host, pid, iso_utc(now_utc()), float(lease_seconds)))
        return ClaimAttempt(bool(got), self.get_claim(slot_key))

    def renew_claim(self, slot_key: str, owner: str, lease_seconds: float) -> bool:
        """Extend ``owner``'s lease; False when the claim is no longer ``owner``'s."""
        with self._tx():
            changed = self._run(f"UPDATE slot_claims SET expires_at = {self.now_epoch} + ? "
                                "WHERE slot = ? AND owner = ?", (float(lease_seconds), slot_key, owner))
        return changed > 0

    def release_claim(self, slot_key: str, owner: str) -> None:
        """Give the slot up (only ``owner``'s own claim is removed)."""
        with self._tx():
            self._run("DELETE FROM slot_claims WHERE slot = ? AND owner = ?", (slot_key, owner))

    def get_claim(self, slot_key: str) -> Claim | None:
        row = self._one(f"SELECT slot, owner, host, pid, claimed_at, expires_at - {self.now_epoch} "
                        "AS left_s FROM slot_claims WHERE slot = ?", (slot_key,))
        if row is None:
            return None
        return Claim(row["slot"], row["owner"], row["host"], int(row["pid"]), row["claimed_at"],
                     round(float(row["left_s"]), 3))


def _post_args(post: Post, stamp: str) -> tuple[Any, ...]:
    return (post.id, post.platform, post.url, post.author.handle, iso_utc(post.created_at),
            post.lang, post.text, _TO_JSON(list(post.links)), post.reply_to,
            post.quote_of, post.repost_of, post.conversation_id, json.dumps(post.metrics.to_dict()),
            post.source, post.raw, stamp, stamp)


def _post(row: Row) -> Post:
    return Post(
        id=row["id"], url=row["url"],
        author=Author(row["author_handle"], row["author_name"] or "", row["author_followers"]),
        created_at=parse_instant(row["created_at"]), text=row["text"], platform=row["platform"],
        lang=row["lang"], links=tuple(json.loads(row["links"])), reply_to=row["reply_to"],
        quote_of=row["quote_of"], repost_of=row["repost_of"],
        conversation_id=row["conversation_id"],
        metrics=Metrics.from_dict(json.loads(row["metrics"])), source=row["source"], raw=row["raw"],
    )


def _item(row: Row) -> DigestItemRecord:
    return DigestItemRecord(
        slot=row["slot"], position=int(row["position"]), story_id=row["story_id"],
        post_id=row["post_id"], post_ids=tuple(json.loads(row["post_ids"])), url=row["url"],
        title=row["title"], summary=row["summary"], key_terms=tuple(json.loads(row["key_terms"])),
        writer=row["writer"], provider=row["provider"], made_at=_column(row, "made_at"))


def _column(row: Row, name: str) -> Any:
    """``row[name]``, or None when the query did not select that column."""
    try:
        return row[name]
    except (KeyError, IndexError):
        return None


def _run(row: Row) -> RunRecord:
    report = RunReport.from_dict(json.loads(row["report"] or "{}"), row["slot"], row["started_at"])
    return RunRecord(id=int(row["id"]), slot=row["slot"], command=row["command"],
                     started_at=row["started_at"], finished_at=row["finished_at"],
                     outcome=row["outcome"], report=report)
