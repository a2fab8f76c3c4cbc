"""The single place where every SQLite connection is prepared.

The stock ``sqlite3`` of many Python builds cannot load extensions, so we use
``sqlean`` (a drop-in ``sqlite3`` with extension loading and FTS5) and load
sqlite-vec into every connection here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlean as sqlite3

Connection = Any  # sqlean.Connection; sqlean ships no type stubs

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # FULL: lab PCs are switched off at the wall; a committed row must survive that.
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA mmap_size=268435456",
)


class VecUnavailableError(RuntimeError):
    """sqlite-vec could not be loaded; textbook search cannot work."""


def load_vec(conn: Connection) -> str:
    """Load sqlite-vec into ``conn`` and return its version."""
    try:
        import sqlite_vec

        conn.enable_load_extension(True)
        sqlite_vec.load(conn)
        conn.enable_load_extension(False)
        return str(conn.execute("SELECT vec_version()").fetchone()[0])
    except Exception as exc:  # ImportError, OperationalError, AttributeError
        raise VecUnavailableError(f"sqlite-vec could not be loaded: {exc}") from exc


def open_connection(path: Path | str, *, require_vec: bool = False) -> Connection:
    """Open ``path`` with our pragmas; load sqlite-vec (required only if asked).

    Connections are in autocommit mode (``isolation_level=None``): every write
    goes through :meth:`Database.write`, which opens ``BEGIN IMMEDIATE`` itself.
    """
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10)
    conn.row_factory = sqlite3.Row
    for pragma in PRAGMAS:
        conn.execute(pragma)
    try:
        load_vec(conn)
    except VecUnavailableError:
        if require_vec:
            conn.close()
            raise
    return conn


def sqlite_version() -> str:
    return str(sqlite3.sqlite_version)
