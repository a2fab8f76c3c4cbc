"""The database migrates forward, refuses a newer one, and stays consistent."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tutor_desktop.core.storage import SCHEMA_VERSION, Database, DatabaseTooNewError
from tutor_desktop.core.storage.connection import open_connection
from tutor_desktop.core.storage.migrations import MIGRATIONS, current_version, migrate

EXPECTED_TABLES = {
    "schools", "classes", "users", "teacher_classes", "conversations", "messages",
    "learning_interactions", "topic_mastery", "textbooks", "chunks", "sync_outbox", "settings",
}


def _tables(db: Database) -> set[str]:
    return {r["name"] for r in db.query("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_empty_database_gets_every_table_and_the_current_version(tmp_path: Path) -> None:
    db = Database(tmp_path / "t.sqlite3")
    assert _tables(db) >= EXPECTED_TABLES
    assert db.query_one("PRAGMA user_version")[0] == SCHEMA_VERSION
    assert db.query_one("PRAGMA journal_mode")[0] == "wal"
    assert db.query_one("PRAGMA foreign_keys")[0] == 1
    db.close()


def test_older_database_is_upgraded_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = open_connection(path)
    migrate(conn, MIGRATIONS[:1])  # a database as the first release left it
    conn.execute("INSERT INTO settings VALUES ('kept', '\"yes\"', '2026-01-01')")
    newer = (*MIGRATIONS, "ALTER TABLE settings ADD COLUMN note TEXT NOT NULL DEFAULT ''")
    assert migrate(conn, newer) == len(newer) - 1
    assert current_version(conn) == len(newer)
    row = conn.execute("SELECT value, note FROM settings WHERE key = 'kept'").fetchone()
    assert (row[0], row[1]) == ('"yes"', "")
    conn.close()


def test_failed_migration_leaves_the_previous_version_intact(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    conn = open_connection(path)
    migrate(conn)
    broken = (*MIGRATIONS, "CREATE TABLE half (x INTEGER);\nSELECT * FROM no_such_table;")
    with pytest.raises(Exception, match="no_such_table"):
        migrate(conn, broken)
    assert current_version(conn) == len(MIGRATIONS)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchone() is None
    conn.close()


def test_newer_database_is_refused_and_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    Database(path).close()
    conn = open_connection(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(DatabaseTooNewError) as info:
        Database(path)
    assert "newer version" in str(info.value)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_newer_database_gives_a_clear_cli_message(tmp_path: Path) -> None:
    import subprocess
    import sys

    data = tmp_path / "data"
    data.mkdir()
    Database(data / "tutor.sqlite3").close()
    conn = open_connection(data / "tutor.sqlite3")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    result = subprocess.run(
        [sys.executable, "-m", "tutor_desktop", "--data-dir", str(data), "setup", "--demo"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 3
    assert "newer version of Tutor Desktop" in result.stderr
    assert "Traceback" not in result.stderr
