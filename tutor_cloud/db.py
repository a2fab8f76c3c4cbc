"""One SQL layer for the sync service: PostgreSQL (psycopg 3) in the cloud, SQLite on the hub.

The statements are written once, in the SQL both engines accept (``ON CONFLICT``,
``RETURNING``, row-value comparison); only the placeholder style and the
connection handling differ. Schema changes are versioned migrations recorded
in ``schema_migrations``, applied in order, each in its own transaction.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

MIGRATIONS: tuple[str, ...] = (
    # 1: schools, enrolled devices, the idempotency log, the school's current rows.
    """
    CREATE TABLE schools (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        code_hash TEXT NOT NULL UNIQUE,
        row_seq BIGINT NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE TABLE devices (
        token_hash TEXT PRIMARY KEY,
        id TEXT NOT NULL,
        school_id TEXT NOT NULL REFERENCES schools(id),
        name TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE INDEX devices_school ON devices (school_id, id);
    CREATE TABLE sync_events (
        school_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        entity TEXT NOT NULL,
        row_id TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (school_id, device_id, seq)
    );
    CREATE TABLE sync_rows (
        school_id TEXT NOT NULL,
        entity TEXT NOT NULL,
        row_id TEXT NOT NULL,
        hlc TEXT NOT NULL,
        author TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        parent_id TEXT,
        body TEXT,
        server_seq BIGINT NOT NULL,
        PRIMARY KEY (school_id, entity, row_id)
    );
    CREATE INDEX sync_rows_pull ON sync_rows (school_id, server_seq);
    CREATE INDEX sync_rows_parent ON sync_rows (school_id, parent_id);
    """,
    # 2: a hub's own state (its cursors with the cloud it forwards to).
    """
    CREATE TABLE hub_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
)


class Conn(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


class SqlDatabase(Protocol):
    dialect: str

    def transaction(self) -> contextlib.AbstractContextManager[Conn]: ...
    def close(self) -> None: ...


class _SqliteConn:
    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.raw.execute(sql, tuple(params)).fetchall()]


class SqliteDatabase:
    """The hub's database: one file, one connection, writes serialised by a lock."""

    dialect = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._raw = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                    timeout=30)
        self._raw.execute("PRAGMA journal_mode=WAL")
        self._raw.execute("PRAGMA synchronous=FULL")
        self._raw.execute("PRAGMA foreign_keys=ON")
        self._lock = threading.RLock()
        migrate(self)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Conn]:
        with self._lock:
            self._raw.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteConn(self._raw)
                self._raw.execute("COMMIT")
            except BaseException:
                self._raw.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._raw.close()


class _PgConn:
    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.raw.execute(sql.replace("?", "%s"), tuple(params), prepare=False)
        return list(cursor.fetchall()) if cursor.description else []


class PostgresDatabase:
    """The cloud's database: a connection pool; each request is one transaction."""

    dialect = "postgresql"

    def __init__(self, dsn: str, *, min_size: int = 2, max_size: int = 20) -> None:
        from psycopg_pool import ConnectionPool

        self.dsn = dsn
        self._pool = ConnectionPool(dsn, min_size=min_size, max_size=max_size, open=True,
                                    kwargs={"autocommit": False}, timeout=30)
        migrate(self)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Conn]:
        with self._pool.connection() as raw, raw.transaction():
            yield _PgConn(raw)

    def close(self) -> None:
        self._pool.close()


def open_database(url: str) -> SqlDatabase:
    """``postgresql://…`` → PostgreSQL; ``sqlite:///path`` or a plain path → SQLite."""
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(url)
    path = url.removeprefix("sqlite:///").removeprefix("sqlite://")
    return SqliteDatabase(path)


def migrate(db: SqlDatabase) -> int:
    """Apply the migrations not yet recorded; returns how many ran."""
    with db.transaction() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                     "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    applied = 0
    for version, script in enumerate(MIGRATIONS, start=1):
        with db.transaction() as conn:
            if db.dialect == "postgresql":  # one migrator at a time across API servers
                conn.execute("SELECT pg_advisory_xact_lock(7210)")
            if conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)):
                continue
            for statement in (s.strip() for s in script.split(";")):
                if statement:
                    conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations (version, applied_at) "
                         "VALUES (?, CURRENT_TIMESTAMP)", (version,))
            applied += 1
    return applied
