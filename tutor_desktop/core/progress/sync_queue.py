"""The one place progress rows are queued for sync.

Why one function: the sync contract (issue "sync") is being defined in parallel;
when its API lands, switching is this one edit. Interactions are append-only
and synced; mastery and review cards are derived from them and never synced.
"""

from __future__ import annotations

from typing import Any

from tutor_desktop.core.storage.connection import Connection
from tutor_desktop.core.storage.outbox import enqueue


def queue_synced_row(conn: Connection, entity: str, entity_id: str,
                     payload: dict[str, Any]) -> None:
    """Queue one synced row in the caller's transaction."""
    enqueue(conn, entity, entity_id, payload)
