"""Sync between lab PCs, the school hub and the cloud.

The public write API for every feature that adds synced rows is two calls,
made inside the ``Database.write()`` that changed the row::

    from tutor_desktop.core.sync import record_change, record_delete
    record_change(conn, "learning_interactions", row_id)   # insert or update
    record_delete(conn, "conversations", row_id)           # tombstone

A new table is declared once in :mod:`tutor_desktop.core.sync.contract`.
"""

from tutor_desktop.core.sync.contract import (
    LOCAL_TABLES,
    SYNCED_TABLES,
    Merge,
    SyncedTable,
    Version,
)
from tutor_desktop.core.sync.outbox import Event, record_change, record_delete

__all__ = [
    "LOCAL_TABLES",
    "SYNCED_TABLES",
    "Event",
    "Merge",
    "SyncedTable",
    "Version",
    "record_change",
    "record_delete",
]
