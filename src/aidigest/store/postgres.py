"""The PostgreSQL backend (psycopg 3): the queries of :mod:`aidigest.store.sql` over one
connection in autocommit mode, each write in its own transaction; the schema version in
``schema_version``, migrated under an advisory lock so workers starting at once migrate once.

Used when ``[digest] store`` is a ``postgresql://`` URL or ``[digest] store_env`` names a
variable holding one. Messages name the server without the password. Needs the ``postgres``
extra (``pip install 'aidigest[postgres]'``). Does NOT create the database or its role.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aidigest.errors import StoreError
from aidigest.store.migrate import migrations, statements
from aidigest.store.sql import Row, SqlStore
from aidigest.store.tables import quoted

__all__ = ["PostgresStore", "is_postgres_url", "redact_url"]

SCHEMES = ("postgresql://", "postgres://")
MIGRATION_LOCK = 0x61696467  # pg_advisory_xact_lock key: "aidg"
CONNECT_TIMEOUT = 10


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.strip().lower().startswith(SCHEMES)


def redact_url(url: str) -> str:
    """``url`` without its password (in the authority or as a ``password=`` parameter)."""
    try:
        parts = urlsplit(url.strip())
        netloc = parts.netloc
        if "@" in netloc:
            auth, host = netloc.rsplit("@", 1)
            user = auth.split(":", 1)[0]
            netloc = f"{user}@{host}" if user else host
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() != "password"])
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    except ValueError:
        return "the configured postgresql:// URL"


def _password(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
        found = parts.password or dict(parse_qsl(parts.query)).get("password")
    except ValueError:
        return None
    return found or None


class PostgresStore(SqlStore):
    """One connection to a PostgreSQL database. Use as a context manager or :meth:`close`."""

    backend = "postgresql"
    now_epoch = "CAST(extract(epoch FROM clock_timestamp()) AS DOUBLE PRECISION)"

    def __init__(self, url: str) -> None:
        try:
            import psycopg
            from psycopg.rows import dict_row
        except ImportError:
            raise StoreError(
                "the store is a postgresql:// URL but psycopg is not installed; install it with "
                "pip install 'aidigest[postgres]'") from None
        self._psycopg = psycopg
        self.location = redact_url(url)
        self._secret = _password(url)
        self._sql: dict[str, str] = {}
        try:
            self.conn = psycopg.connect(url, autocommit=True, row_factory=dict_row,
                                        connect_timeout=CONNECT_TIMEOUT,
                                        application_name="aidigest")
        except psycopg.Error as exc:
            raise StoreError(self._explain(exc, "cannot reach")) from None
        try:
            self._migrate()
        except BaseException:
            self.conn.close()
            raise

    # -- plumbing -----------------------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> PostgresStore:
        return self

    def _explain(self, exc: BaseException, doing: str = "error from") -> str:
        text = " ".join(str(exc).split()) or type(exc).__name__
        if self._secret:
            text = text.replace(self._secret, "***")
        hint = ""
        if doing == "cannot reach":
            hint = ("; check that the server runs and accepts connections, and the URL (host, "
                    "port, database, user; the password comes from [digest] store_env)")
        return f"{doing} the PostgreSQL store {self.location}: {text}{hint}"

    def _q(self, sql: str) -> str:
        """The shared ``?`` placeholders as psycopg's ``%s`` (the queries hold no ``?``/``%``
        literals)."""
        found = self._sql.get(sql)
        if found is None:
            found = self._sql[sql] = sql.replace("%", "%%").replace("?", "%s")
        return found

    @contextmanager
    def _tx(self) -> Iterator[None]:
        try:
            with self.conn.transaction():
                yield
        except self._psycopg.Error as exc:
            raise StoreError(self._explain(exc)) from None

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        try:
            return self.conn.execute(self._q(sql), tuple(args)).fetchall()
        except self._psycopg.Error as exc:
            raise StoreError(self._explain(exc)) from None

    def _stream(self, sql: str, args: Sequence[Any] = ()) -> Iterator[Row]:
        try:
            with self.conn.transaction(), self.conn.cursor(name="aidigest_stream") as cur:
                cur.itersize = 2000
                cur.execute(self._q(sql), tuple(args))
                yield from cur
        except self._psycopg.Error as exc:
            raise StoreError(self._explain(exc)) from None

    def _run(self, sql: str, args: Sequence[Any] = ()) -> int:
        try:
            return int(self.conn.execute(self._q(sql), tuple(args)).rowcount)
        except self._psycopg.Error as exc:
            raise StoreError(self._explain(exc)) from None

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        try:
            with self.conn.cursor() as cur:
                cur.executemany(self._q(sql), [tuple(r) for r in rows])
        except self._psycopg.Error as exc:
            raise StoreError(self._explain(exc)) from None

    # -- whole tables (store copy) ------------------------------------------------------------
    def table_names(self) -> list[str]:
        rows = self._rows("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                          "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")
        return [r["table_name"] for r in rows]

    def table_columns(self, table: str) -> tuple[list[str], list[str]]:
        cols = self._rows("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                          "current_schema() AND table_name = ? ORDER BY ordinal_position", (table,))
        key = self._rows(
            """SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
               AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST(? AS regclass)
               AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)""", (table,))
        return [r["column_name"] for r in cols], [r["attname"] for r in key]

    def after_copy(self, table: str) -> None:
        """Move an identity column's sequence past the copied ids (the next run gets a new id)."""
        found = self._one("SELECT pg_get_serial_sequence(?, 'id') AS seq", (table,)) \
            if "id" in self.table_columns(table)[0] else None
        if found and found["seq"]:
            with self._tx():
                self._rows(f"SELECT setval(?, COALESCE((SELECT MAX(id) FROM {quoted(table)}), 1), "
                           f"(SELECT MAX(id) FROM {quoted(table)}) IS NOT NULL) AS v", (found["seq"],))

    # -- schema ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        row = self._one("SELECT to_regclass('schema_version') IS NOT NULL AS present")
        if not row or not row["present"]:
            return 0
        found = self._one("SELECT MAX(version) AS v FROM schema_version")
        return int(found["v"] or 0) if found else 0

    def _migrate(self) -> None:
        """Apply pending migrations in one transaction under an advisory lock."""
        available = migrations("postgresql")
        latest = available[-1][0] if available else 0
        with self._tx():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            self.conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, "
                              "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            version = self.schema_version()
            if version > latest:
                raise StoreError(
                    f"the PostgreSQL store {self.location} has schema version {version}, newer "
                    f"than this aidigest knows ({latest}); upgrade aidigest")
            for number, _name, sql in available:
                if number <= version:
                    continue
                for statement in statements(sql):
                    self.conn.execute(statement)
                self.conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))
