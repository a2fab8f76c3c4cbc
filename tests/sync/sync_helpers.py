"""Helpers shared by the sync tests: a school on a PC, and a PC's synced rows."""

from __future__ import annotations

from typing import Any

SYNCED = ("schools", "classes", "users", "teacher_classes", "conversations", "messages",
          "learning_interactions", "row_merges")


def rows(services: Any) -> dict[str, list[tuple]]:
    """The synced rows of a PC, comparable across PCs (local lockout columns left out)."""
    out = {}
    for table in SYNCED:
        columns = [r["name"] for r in services.db.query(f"PRAGMA table_info({table})")
                   if r["name"] not in ("failed_attempts", "locked_until")]
        out[table] = [tuple(r) for r in services.db.query(
            f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")]
    return out


def set_up_school(pc: Any) -> Any:
    accounts = pc.accounts
    accounts.first_run_setup("School 12", "Admin", "admin", "admin-pass-1")
    admin = accounts.sign_in_staff("admin", "admin-pass-1")
    class_7a = accounts.create_class(admin, "7A", 7)
    anu = accounts.create_student(admin, class_7a.id, "Анужин", "1234")
    return admin, class_7a, anu
