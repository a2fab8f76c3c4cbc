"""The one place progress rows are queued for sync.

Interactions are append-only and synced; assignments are last-writer-wins;
mastery and review cards are derived from the log and never synced. The
contract (tables, merge rules) is core/sync/contract.py; this maps the entity
names progress uses to its tables and queues the full row through the one
write path.
"""

from __future__ import annotations

from typing import Any

from tutor_desktop.core.storage.connection import Connection
from tutor_desktop.core.sync.outbox import record_change

_TABLES = {"learning_interaction": "learning_interactions",
           "practice_assignment": "practice_assignments"}


def queue_synced_row(conn: Connection, entity: str, entity_id: str,
                     payload: dict[str, Any] | None = None) -> None:
    """Queue one synced row in the caller's transaction (the full row is read back)."""
    record_change(conn, _TABLES.get(entity, entity), entity_id)
