"""Run-time settings a teacher or admin changes in the app (JSON values by key)."""

from __future__ import annotations

import json
from typing import Any

from tutor_desktop.core.storage.database import Database
from tutor_desktop.core.storage.ids import utc_now


def get_setting(db: Database, key: str, default: Any = None) -> Any:
    row = db.query_one("SELECT value FROM settings WHERE key = ?", (key,))
    return default if row is None else json.loads(row["value"])


def set_setting(db: Database, key: str, value: Any) -> None:
    with db.write() as conn:
        conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) "
            "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, json.dumps(value, ensure_ascii=False), utc_now()),
        )
