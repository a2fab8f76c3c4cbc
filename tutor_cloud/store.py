"""What the sync service does with its database: schools, devices, push, pull, counts.

Push is one transaction per batch: the school's row counter is bumped first
(its row lock serialises pushes *within* one school, which keeps the pull
cursor safe, and never blocks another school), the events' ``(device, seq)``
keys are inserted with ``ON CONFLICT DO NOTHING`` (idempotency), and the rows
of the new events are upserted with a last-writer-wins ``WHERE`` on
``(hlc, author, deleted)`` — the same rule as the PCs (core/sync/contract.py).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tutor_cloud.db import Conn, SqlDatabase
from tutor_desktop.core.sync.contract import SYNCED_TABLES, Merge, queued_tables

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a lab


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@dataclass(frozen=True)
class Device:
    id: str
    school_id: str
    token_hash: str


@dataclass(frozen=True)
class PushResult:
    stored: int       # new events stored
    duplicates: int   # events already stored (re-sent after a lost answer)
    highest: dict[str, int]  # device id -> highest sequence stored


class Store:
    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    # -- schools and devices ----------------------------------------------------
    def create_school(self, name: str, *, school_id: str | None = None,
                      code: str | None = None) -> tuple[str, str]:
        """A school and its enrolment code (shown once; only its hash is kept)."""
        school_id = school_id or str(uuid.uuid4())
        code = code or new_code()
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO schools (id, name, code_hash, created_at) VALUES (?,?,?,?)",
                         (school_id, name, hash_secret(normalise_code(code)), now_iso()))
        return school_id, code

    def school(self, school_id: str) -> tuple[str, str] | None:
        with self.db.transaction() as conn:
            rows = conn.execute("SELECT id, name FROM schools WHERE id = ?", (school_id,))
        return (str(rows[0][0]), str(rows[0][1])) if rows else None

    def enrol(self, code: str, device_id: str, name: str) -> tuple[str, str, str] | None:
        """A device token for the school of ``code``: (token, school id, school name)."""
        with self.db.transaction() as conn:
            rows = conn.execute("SELECT id, name FROM schools WHERE code_hash = ?",
                                (hash_secret(normalise_code(code)),))
            if not rows:
                return None
            token = secrets.token_urlsafe(32)
            conn.execute("INSERT INTO devices (token_hash, id, school_id, name, created_at) "
                         "VALUES (?,?,?,?,?)",
                         (hash_secret(token), device_id, rows[0][0], name, now_iso()))
        return token, str(rows[0][0]), str(rows[0][1])

    def device_for(self, token: str) -> Device | None:
        token_hash = hash_secret(token)
        with self.db.transaction() as conn:
            rows = conn.execute("SELECT id, school_id FROM devices WHERE token_hash = ? "
                                "AND revoked_at IS NULL", (token_hash,))
        return Device(str(rows[0][0]), str(rows[0][1]), token_hash) if rows else None

    def revoke(self, device_id: str) -> int:
        """Revoke every token of a device; returns how many."""
        with self.db.transaction() as conn:
            rows = conn.execute("UPDATE devices SET revoked_at = ? WHERE id = ? "
                                "AND revoked_at IS NULL RETURNING token_hash",
                                (now_iso(), device_id))
        return len(rows)

    def devices(self, school_id: str) -> list[dict[str, Any]]:
        with self.db.transaction() as conn:
            rows = conn.execute("SELECT id, name, created_at, revoked_at FROM devices "
                                "WHERE school_id = ? ORDER BY created_at", (school_id,))
        return [{"device_id": r[0], "name": r[1], "enrolled_at": r[2], "revoked_at": r[3]}
                for r in rows]

    # -- push ---------------------------------------------------------------------
    def push(self, school_id: str, events: list[dict[str, Any]]) -> PushResult:
        """Store ``events`` (already validated) for ``school_id``; idempotent by (device, seq)."""
        if not events:
            return PushResult(0, 0, {})
        with self.db.transaction() as conn:
            top = conn.execute("UPDATE schools SET row_seq = row_seq + ? WHERE id = ? "
                               "RETURNING row_seq", (len(events), school_id))
            first_seq = int(top[0][0]) - len(events) + 1
            received = now_iso()
            columns = [[e["device_id"] for e in events], [e["seq"] for e in events],
                       [e["entity"] for e in events], [e["id"] for e in events]]
            source, params = self._rows(("text", "bigint", "text", "text"), columns,
                                        [school_id, received])
            new_keys = {(str(r[0]), int(r[1])) for r in conn.execute(
                "INSERT INTO sync_events (school_id, received_at, device_id, seq, entity, "
                f"row_id) {source} ON CONFLICT DO NOTHING RETURNING device_id, seq", params)}
            fresh = [e for e in events if (e["device_id"], e["seq"]) in new_keys]
            self._merge_rows(conn, school_id, fresh, first_seq)
            devices = sorted({e["device_id"] for e in events})
            highest = {str(r[0]): int(r[1]) for r in conn.execute(
                "SELECT device_id, max(seq) FROM sync_events WHERE school_id = ? AND device_id IN "
                f"({', '.join('?' for _ in devices)}) GROUP BY device_id", [school_id, *devices])}
        return PushResult(len(fresh), len(events) - len(fresh), highest)

    def ingest(self, school_id: str, events: list[dict[str, Any]]) -> int:
        """Merge rows without the idempotency log (a hub taking the cloud's rows)."""
        if not events:
            return 0
        with self.db.transaction() as conn:
            top = conn.execute("UPDATE schools SET row_seq = row_seq + ? WHERE id = ? "
                               "RETURNING row_seq", (len(events), school_id))
            self._merge_rows(conn, school_id, events, int(top[0][0]) - len(events) + 1)
        return len(events)

    def _merge_rows(self, conn: Conn, school_id: str, events: list[dict[str, Any]],
                    first_seq: int) -> None:
        newest: dict[tuple[str, str], dict[str, Any]] = {}
        for e in events:  # one version per row per statement: the newest
            key = (e["entity"], e["id"])
            held = newest.get(key)
            if held is None or _version(e) > _version(held):
                newest[key] = e
        if not newest:
            return
        chosen = list(newest.values())
        columns: list[list[Any]] = [
            [e["entity"] for e in chosen], [e["id"] for e in chosen],
            [e["updated_at"] for e in chosen], [e["author"] for e in chosen],
            [int(e["op"] == "delete") for e in chosen], [_parent_id(e) for e in chosen],
            [None if e["op"] == "delete" else
             json.dumps(e["row"], ensure_ascii=False, separators=(",", ":")) for e in chosen],
            [first_seq + number for number in range(len(chosen))]]
        source, params = self._rows(("text", "text", "text", "text", "int", "text", "text",
                                     "bigint"), columns, [school_id])
        conn.execute(
            "INSERT INTO sync_rows (school_id, entity, row_id, hlc, author, deleted, parent_id, "
            f"body, server_seq) {source} "
            "ON CONFLICT (school_id, entity, row_id) DO UPDATE SET hlc = excluded.hlc, "
            "author = excluded.author, deleted = excluded.deleted, "
            "parent_id = COALESCE(excluded.parent_id, sync_rows.parent_id), body = excluded.body, "
            "server_seq = excluded.server_seq "
            "WHERE (excluded.hlc, excluded.author, excluded.deleted) > "
            "(sync_rows.hlc, sync_rows.author, sync_rows.deleted)", params)
        for e in newest.values():
            if e["op"] != "delete":
                continue
            stored = conn.execute("SELECT hlc, author, deleted FROM sync_rows WHERE "
                                  "school_id = ? AND entity = ? AND row_id = ?",
                                  (school_id, e["entity"], e["id"]))
            if stored and tuple(stored[0]) == (e["updated_at"], e["author"], 1):  # it won
                self._cascade(conn, school_id, e["entity"], e["id"],
                              (e["updated_at"], e["author"]))

    def _rows(self, types: tuple[str, ...], columns: list[list[Any]],
              constants: list[Any]) -> tuple[str, list[Any]]:
        """The rows to insert (constants first in each), as SQL and its parameters.

        The one place the dialects differ: PostgreSQL gets the whole batch as one JSON
        array (``json_array_elements``: parsed in C on the server; binding 4,000
        separate parameters cost ~4x more time in the driver than the insert itself);
        SQLite gets a multi-row ``VALUES``.
        """
        fixed = ["?"] * len(constants)
        rows = list(zip(*columns, strict=True))
        if self.db.dialect == "postgresql":
            fields = [f"x->>{n}" if t == "text" else f"(x->>{n})::{t}"
                      for n, t in enumerate(types)]
            return (f"SELECT {', '.join([*fixed, *fields])} FROM json_array_elements(?::json) "
                    "AS x", [*constants, json.dumps(rows, ensure_ascii=False)])
        one = "(" + ", ".join([*fixed, *("?" for _ in types)]) + ")"
        return ("VALUES " + ", ".join(one for _ in rows),
                [value for row in rows for value in (*constants, *row)])

    def _cascade(self, conn: Conn, school_id: str, entity: str, row_id: str,
                 tombstone: tuple[str, str]) -> None:
        """A deleted parent takes its children's text with it (a conversation's messages):
        those older than its tombstone, and only when the tombstone won.

        Why not every child: a tombstone is not final. A message written after the
        delete on a PC that had not heard of it (and then the conversation renamed
        there) belongs to the conversation that a newer version brings back; the PCs
        hold such a child while its parent is deleted (core/sync/apply.py) and show it
        again when the parent returns, so the server must keep it too, or a PC that
        pulls later never gets it. The children the deleting PC knew of come with
        tombstones of their own (outbox.record_delete)."""
        children = [t.name for t in SYNCED_TABLES.values()
                    if t.parents and t.parents[0].table == entity and t.parents[0].required]
        for child in children:
            gone = conn.execute(
                "UPDATE sync_rows SET deleted = 1, body = NULL WHERE school_id = ? AND "
                "parent_id = ? AND entity = ? AND deleted = 0 AND (hlc < ? OR (hlc = ? AND "
                "author < ?)) RETURNING row_id",
                (school_id, row_id, child, tombstone[0], tombstone[0], tombstone[1]))
            for (child_id,) in gone:
                self._cascade(conn, school_id, child, str(child_id), tombstone)

    # -- pull and counts ------------------------------------------------------------
    def pull(self, school_id: str, cursor: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """Rows changed after ``cursor`` (server order), and the cursor to continue from."""
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT entity, row_id, hlc, author, deleted, body, server_seq FROM sync_rows "
                "WHERE school_id = ? AND server_seq > ? ORDER BY server_seq LIMIT ?",
                (school_id, cursor, limit))
        events = [{"entity": r[0], "id": r[1], "op": "delete" if r[4] else "upsert",
                   "row": None if r[4] or r[5] is None else json.loads(r[5]),
                   "updated_at": r[2], "author": r[3], "device_id": r[3], "seq": 0,
                   "server_seq": int(r[6])}
                  for r in rows]
        return events, (int(rows[-1][6]) if rows else cursor)

    def counts(self, school_id: str) -> dict[str, int]:
        """Live rows per table, as a PC counts them: a child whose parent is deleted is
        held on the PCs (not in their tables) until a newer parent version, so it is left
        out here too."""
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT r.entity, count(*) FROM sync_rows r WHERE r.school_id = ? AND "
                "r.deleted = 0 AND NOT EXISTS (SELECT 1 FROM sync_rows p WHERE "
                f"p.school_id = r.school_id AND p.entity = {_PARENT_OF} AND "
                "p.row_id = r.parent_id AND p.deleted = 1) GROUP BY r.entity", (school_id,))
        return {str(r[0]): int(r[1]) for r in rows}

    def event_count(self, school_id: str | None = None) -> int:
        with self.db.transaction() as conn:
            if school_id is None:
                return int(conn.execute("SELECT count(*) FROM sync_events")[0][0])
            return int(conn.execute("SELECT count(*) FROM sync_events WHERE school_id = ?",
                                    (school_id,))[0][0])

    def ping(self) -> None:
        with self.db.transaction() as conn:
            conn.execute("SELECT 1")


def _version(event: dict[str, Any]) -> tuple[str, str, bool]:
    return (event["updated_at"], event["author"], event["op"] == "delete")


def _parent_id(event: dict[str, Any]) -> str | None:
    spec = SYNCED_TABLES.get(event["entity"])
    row = event.get("row")
    if spec is None or not spec.parents or not isinstance(row, dict):
        return None
    value = row.get(spec.parents[0].column)
    return None if value is None else str(value)


# The table of each synced table's first parent, when it is required (a child of a deleted
# row of it is held, not counted), as SQL over ``r.entity``.
_PARENT_OF = "CASE r.entity " + " ".join(
    f"WHEN '{t.name}' THEN '{t.parents[0].table}'" for t in SYNCED_TABLES.values()
    if t.parents and t.parents[0].required) + " END"

SYNCABLE = frozenset(t.name for t in queued_tables())
DERIVED = frozenset(t.name for t in SYNCED_TABLES.values() if t.merge is Merge.DERIVED)
