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


#: Text sizes in per cent: normal, large (young grades), largest (projector).
TEXT_SIZES = (100, 125, 150)
TEXT_SIZE_SETTING = "ui_text_size"


class PcSettings:
    """This PC's own display settings (not synced, no sign-in: whoever sits at the PC may
    make the text bigger). One object, so the window saves them the same way in-process
    and through ``tutor service``, whose database the window cannot open."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def text_size(self) -> int:
        """The saved text size, or 100 for a missing or unreadable value."""
        try:
            value = int(get_setting(self.db, TEXT_SIZE_SETTING, 100) or 100)
        except (TypeError, ValueError):
            return 100
        return value if value in TEXT_SIZES else 100

    def set_text_size(self, percent: int) -> int:
        """Keep ``percent`` for the next start; a size not offered is stored as 100."""
        value = percent if isinstance(percent, int) and percent in TEXT_SIZES else 100
        set_setting(self.db, TEXT_SIZE_SETTING, value)
        return value
