"""The one write path of synced rows: queue the full row in the same transaction.

Every change to a synced table calls :func:`record_change` (or
:func:`record_delete`) inside the ``Database.write()`` that made it::

    with db.write() as conn:
        conn.execute("INSERT INTO learning_interactions (...) VALUES (...)", ...)
        record_change(conn, "learning_interactions", interaction_id)

The call stamps the row's ``updated_at`` with this PC's hybrid logical clock,
reads the full row back (minus the columns the contract keeps on the PC) and
queues it with the device id and the next per-device sequence. A crash can
therefore never keep the change and lose the event, or the reverse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tutor_desktop.core.storage.connection import Connection
from tutor_desktop.core.sync.contract import Merge, SyncedTable, Version, table
from tutor_desktop.core.sync.identity import Stamp, next_stamp


class DerivedTableError(ValueError):
    """Derived tables are recomputed on every PC; queuing one is a programming error."""


@dataclass(frozen=True)
class Event:
    """One queued change, as it travels: the full row, or ``None`` for a tombstone."""

    entity: str
    row_id: str
    op: str  # upsert | delete
    row: dict[str, Any] | None
    hlc: str
    device_id: str  # the device that queued it: (device_id, seq) is the idempotency key
    seq: int
    author: str = ""  # the device that wrote this version (LWW tie-break); "" = device_id

    @property
    def version(self) -> Version:
        return Version(self.hlc, self.author or self.device_id, self.op == "delete")

    def to_json(self) -> dict[str, Any]:
        return {"entity": self.entity, "id": self.row_id, "op": self.op, "row": self.row,
                "updated_at": self.hlc, "author": self.author or self.device_id,
                "device_id": self.device_id, "seq": self.seq}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        device = str(data["device_id"])
        return cls(str(data["entity"]), str(data["id"]), str(data["op"]), data.get("row"),
                   str(data["updated_at"]), device, int(data.get("seq", 0)),
                   str(data.get("author") or device))


def row_payload(conn: Connection, spec: SyncedTable, row_id: str) -> dict[str, Any] | None:
    """The row as it syncs: every column but the PC-local ones."""
    cursor = conn.execute(f"SELECT * FROM {spec.name} WHERE {spec.key} = ?", (row_id,))
    found = cursor.fetchone()
    if found is None:
        return None
    names = [d[0] for d in cursor.description]
    return {k: v for k, v in zip(names, found, strict=True) if k not in spec.local_columns}


def keeps_text_local(conn: Connection) -> bool:
    """The school's choice to keep conversation text on the PC (progress still syncs)."""
    row = conn.execute(
        "SELECT sync_conversation_text FROM schools ORDER BY created_at LIMIT 1").fetchone()
    return row is not None and not row[0]


def record_change(conn: Connection, table_name: str, row_id: str) -> Event | None:
    """Queue the current full row of ``table_name`` (insert or update).

    Returns the queued event, or None when the school keeps conversation text on
    the PC and this row is conversation text.
    """
    spec = _queued(table_name)
    if spec.conversation_text and keeps_text_local(conn):
        return None
    stamp = next_stamp(conn)
    conn.execute(f"UPDATE {spec.name} SET updated_at = ? WHERE {spec.key} = ?",
                 (stamp.hlc, row_id))
    row = row_payload(conn, spec, row_id)
    if row is None:
        raise LookupError(f"{table_name} {row_id} does not exist; record_change after the write")
    return _queue(conn, spec, row_id, "upsert", row, stamp)


def record_delete(conn: Connection, table_name: str, row_id: str, *,
                  scrub: bool = True) -> Event:
    """Queue a tombstone; pending copies of the row (and of rows it cascades to) lose
    their payloads, so a deleted conversation's text does not wait in the queue.

    ``scrub=False`` is for a row merged into another (core/sync/merge.py): its
    children were moved to the kept row, and events of other PCs still naming it
    must travel on to be re-pointed where they land, not vanish.

    Call it *before* deleting the row: each row the delete cascades to here (a
    conversation's messages) gets a tombstone of its own first. Why: a newer version
    of the parent made on a PC that had not heard of the delete (a rename) wins and
    brings the parent back; its children are held, not lost, where the parent's
    tombstone landed first (core/sync/apply.py), and without their own tombstones the
    messages deleted here would come back on every other PC but not on this one.
    """
    spec = _queued(table_name)
    if scrub:
        _tombstone_children(conn, spec.name, row_id)
        conn.execute("DELETE FROM sync_outbox WHERE entity = ? AND entity_id = ? "
                     "AND sent_at IS NULL AND op = 'upsert'", (spec.name, row_id))
        conn.execute("DELETE FROM sync_relay WHERE entity = ? AND entity_id = ?",
                     (spec.name, row_id))
        _scrub_children(conn, spec.name, row_id)
    stamp = next_stamp(conn)
    return _queue(conn, spec, row_id, "delete", None, stamp)


def _tombstone_children(conn: Connection, parent_table: str, parent_id: str) -> None:
    from tutor_desktop.core.sync.contract import SYNCED_TABLES

    for child in SYNCED_TABLES.values():
        if child.merge is Merge.DERIVED:
            continue
        for parent in child.parents:
            if parent.table != parent_table or not parent.required:
                continue
            for (child_id,) in conn.execute(
                    f"SELECT {child.key} FROM {child.name} WHERE {parent.column} = ?",
                    (parent_id,)).fetchall():
                record_delete(conn, child.name, str(child_id))


def _scrub_children(conn: Connection, parent_table: str, parent_id: str) -> None:
    from tutor_desktop.core.sync.contract import SYNCED_TABLES

    for child in SYNCED_TABLES.values():
        for parent in child.parents:
            if parent.table != parent_table or not parent.required:
                continue
            path = f"$.{parent.column}"
            ids = [r[0] for r in conn.execute(
                "SELECT entity_id FROM sync_outbox WHERE entity = ? AND sent_at IS NULL "
                "AND json_extract(payload, ?) = ?", (child.name, path, parent_id))]
            ids += [r[0] for r in conn.execute(
                "SELECT entity_id FROM sync_relay WHERE entity = ? "
                "AND json_extract(payload, ?) = ?", (child.name, path, parent_id))]
            conn.execute("DELETE FROM sync_outbox WHERE entity = ? AND sent_at IS NULL "
                         "AND json_extract(payload, ?) = ?", (child.name, path, parent_id))
            conn.execute("DELETE FROM sync_relay WHERE entity = ? "
                         "AND json_extract(payload, ?) = ?", (child.name, path, parent_id))
            conn.execute("DELETE FROM sync_parked WHERE entity = ? "
                         "AND json_extract(payload, ?) = ?", (child.name, path, parent_id))
            for child_id in set(ids):
                _scrub_children(conn, child.name, child_id)


def _queued(table_name: str) -> SyncedTable:
    spec = table(table_name)
    if spec.merge is Merge.DERIVED:
        raise DerivedTableError(f"{table_name} is derived: recompute it, do not queue it")
    return spec


def _queue(conn: Connection, spec: SyncedTable, row_id: str, op: str,
           row: dict[str, Any] | None, stamp: Stamp) -> Event:
    payload = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
    conn.execute(
        "INSERT INTO sync_outbox (entity, entity_id, op, payload, created_at, device_id, "
        "device_seq, hlc, author) VALUES (?,?,?,?,?,?,?,?,?)",
        (spec.name, row_id, op, payload, stamp.hlc, stamp.device_id, stamp.seq, stamp.hlc,
         stamp.device_id))
    set_version(conn, spec.name, row_id, Version(stamp.hlc, stamp.device_id, op == "delete"))
    return Event(spec.name, row_id, op, row, stamp.hlc, stamp.device_id, stamp.seq)


def set_version(conn: Connection, entity: str, row_id: str, version: Version) -> None:
    conn.execute(
        "INSERT INTO sync_versions (entity, row_id, hlc, device_id, deleted) VALUES (?,?,?,?,?) "
        "ON CONFLICT(entity, row_id) DO UPDATE SET hlc = excluded.hlc, "
        "device_id = excluded.device_id, deleted = excluded.deleted",
        (entity, row_id, version.hlc, version.device_id, int(version.deleted)))


def get_version(conn: Connection, entity: str, row_id: str) -> Version | None:
    row = conn.execute("SELECT hlc, device_id, deleted FROM sync_versions "
                       "WHERE entity = ? AND row_id = ?", (entity, row_id)).fetchone()
    return None if row is None else Version(str(row[0]), str(row[1]), bool(row[2]))


def pending_events(conn: Connection, limit: int = 500) -> list[Event]:
    """The oldest events not acknowledged by the server, in sequence order."""
    rows = conn.execute(
        "SELECT entity, entity_id, op, payload, hlc, device_id, device_seq, author "
        "FROM sync_outbox WHERE sent_at IS NULL ORDER BY seq LIMIT ?", (limit,)).fetchall()
    return [Event(str(r[0]), str(r[1]), str(r[2]), json.loads(r[3]), str(r[4]), str(r[5]),
                  int(r[6]), str(r[7] or r[5])) for r in rows]


def waiting_count(conn: Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM sync_outbox WHERE sent_at IS NULL")
               .fetchone()[0])


def queue_everything(conn: Connection, authored_by: set[str] | None = None) -> int:
    """Re-queue every synced row in full (first enrolment, or a count mismatch).

    Rows keep their stored versions (clock and author), so a full re-send never
    wins against a newer edit made elsewhere; tombstones are re-sent too.
    ``authored_by``: only the rows whose version one of these devices wrote (a PC
    adopted into an enrolled school need not send back the school it has just pulled).
    """
    from tutor_desktop.core.sync.contract import queued_tables

    queued = 0
    text_local = keeps_text_local(conn)
    for spec in queued_tables():
        if spec.conversation_text and text_local:
            continue
        ids = [str(r[0]) for r in conn.execute(
            f"SELECT {spec.key} FROM {spec.name} ORDER BY created_at")]
        for row_id in ids:
            version = get_version(conn, spec.name, row_id)
            if version is None:  # written before the contract existed: stamp it now
                record_change(conn, spec.name, row_id)
            elif authored_by is not None and version.device_id not in authored_by:
                continue
            else:
                _queue_preserving(conn, spec, row_id, row_payload(conn, spec, row_id), version)
            queued += 1
        for tomb in conn.execute("SELECT row_id, hlc, device_id FROM sync_versions "
                                 "WHERE entity = ? AND deleted = 1", (spec.name,)).fetchall():
            if authored_by is not None and str(tomb[2]) not in authored_by:
                continue
            _queue_preserving(conn, spec, str(tomb[0]), None,
                              Version(str(tomb[1]), str(tomb[2]), True))
            queued += 1
    return queued


def _queue_preserving(conn: Connection, spec: SyncedTable, row_id: str,
                      row: dict[str, Any] | None, version: Version) -> None:
    """Queue a re-send that keeps the row's version (clock and author device)."""
    stamp = next_stamp(conn)
    payload = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
    conn.execute(
        "INSERT INTO sync_outbox (entity, entity_id, op, payload, created_at, device_id, "
        "device_seq, hlc, author) VALUES (?,?,?,?,?,?,?,?,?)",
        (spec.name, row_id, "delete" if version.deleted else "upsert", payload, stamp.hlc,
         stamp.device_id, stamp.seq, version.hlc, version.device_id))
