"""The sync outbox: every change that must reach the cloud, queued in the same
transaction as the change itself, so a crash can never lose one without the other."""

from __future__ import annotations

import json
from typing import Any

from tutor_desktop.core.storage.connection import Connection
from tutor_desktop.core.storage.ids import utc_now


def enqueue(conn: Connection, entity: str, entity_id: str, payload: dict[str, Any],
            op: str = "upsert") -> None:
    """Queue a change; call inside the ``Database.write()`` that made it."""
    conn.execute(
        "INSERT INTO sync_outbox (entity, entity_id, op, payload, created_at) VALUES (?,?,?,?,?)",
        (entity, entity_id, op, json.dumps(payload, ensure_ascii=False), utc_now()),
    )


def pending(conn: Connection, limit: int = 100) -> list[Any]:
    return list(conn.execute(
        "SELECT * FROM sync_outbox WHERE sent_at IS NULL ORDER BY seq LIMIT ?", (limit,)
    ).fetchall())
