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


def recompute_for_users(conn: Connection, user_ids: set[str]) -> None:
    """Derived rows of students whose log grew by sync: mastery and review cards are
    recomputed from the merged log (registered with core/sync/apply.py)."""
    from tutor_desktop.core.progress.service import refresh_card, refresh_mastery

    for user_id in sorted(user_ids):
        for subject, topic in conn.execute(
                "SELECT DISTINCT subject, topic FROM learning_interactions WHERE user_id = ?",
                (user_id,)).fetchall():
            refresh_mastery(conn, user_id, str(subject), str(topic))
        for (item_id,) in conn.execute(
                "SELECT DISTINCT item_id FROM learning_interactions WHERE user_id = ? "
                "AND kind = 'quiz' AND item_id != ''", (user_id,)).fetchall():
            refresh_card(conn, user_id, str(item_id))
