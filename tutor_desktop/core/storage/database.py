"""The database handle shared by every service.

Writes are serialised through one writer connection and a lock (SQLite allows
one writer anyway; queuing in-process avoids ``database is locked`` surprises
between the GUI's worker threads). Each thread reads through its own
connection, which WAL lets run alongside the writer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlean

from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.privacy.permissions import make_private_file
from tutor_desktop.core.storage.connection import Connection, open_connection
from tutor_desktop.core.storage.migrations import migrate


class StorageFullError(TutorError):
    """The disk is full; the last change was rolled back and nothing else was lost."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("disk_full")
        self.detail = detail


def _is_full(exc: BaseException) -> bool:
    return isinstance(exc, sqlean.OperationalError) and "full" in str(exc).lower()


class Database:
    """One SQLite file, migrated on open."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        # 0600 before SQLite opens it: its -wal and -shm files copy this mode.
        if str(path) != ":memory:" and self.path.parent.is_dir():
            make_private_file(self.path)
        self._write_lock = threading.RLock()
        self._writer: Connection = open_connection(self.path)
        self._local = threading.local()
        self._readers: list[Connection] = []
        self._readers_lock = threading.Lock()
        self.vec_available = _has_vec(self._writer)
        migrate(self._writer)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed on success, rolled back on any error."""
        with self._write_lock:
            conn = self._writer
            if conn.in_transaction:  # nested call from the same thread: join it
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                # SQLite may already have rolled back (e.g. SQLITE_FULL mid-statement);
                # a second ROLLBACK would hide the real error.
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if _is_full(exc):
                    raise StorageFullError(str(exc)) from exc
                raise

    def reader(self) -> Connection:
        """This thread's read connection (created on first use)."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_connection(self.path)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def query(self, sql: str, params: Any = ()) -> list[Any]:
        """Run a read-only query on this thread's connection."""
        conn = self._writer if self._writer_in_use_by_me() else self.reader()
        return list(conn.execute(sql, params).fetchall())

    def query_tuples(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        """Like :meth:`query`, as plain tuples: for bulk reads (a class's ~10,000 grid
        cells), where making a ``sqlite3.Row`` per row cost more than the query."""
        conn = self._writer if self._writer_in_use_by_me() else self.reader()
        cursor = conn.cursor()
        cursor.row_factory = None
        return list(cursor.execute(sql, params).fetchall())

    def query_one(self, sql: str, params: Any = ()) -> Any:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def _writer_in_use_by_me(self) -> bool:
        # Inside a write() on this thread, read through the writer to see our own changes.
        return bool(self._writer.in_transaction and _owns(self._write_lock))

    def integrity_check(self) -> str:
        return str(self.reader().execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        with self._write_lock:
            self._writer.close()


def _has_vec(conn: Connection) -> bool:
    try:
        conn.execute("SELECT vec_version()")
        return True
    except sqlean.OperationalError:
        return False


def _owns(lock: Any) -> bool:
    is_owned = getattr(lock, "_is_owned", None)
    return bool(is_owned()) if is_owned else False

