"""This PC's device identity, its per-device sequence and its hybrid logical clock.

A device id names the writer of every queued change; together with a sequence
number that only grows it makes each change unique — (device, sequence) is the
idempotency key the server stores. Two PCs must therefore never share a device
id. A lab is often installed from one disk image, and a data folder can be
copied to another PC: both would carry the same id. Like Morango (instance id
from system properties + a database id), we keep a fingerprint of the machine
(machine id, network card, database path) beside the device id; when it no
longer matches, this database is a copy and takes a new device id and a new
database id, with its sequence starting again at 1.

The clock is a hybrid logical clock folded into a millisecond UTC timestamp:
never behind the wall clock, never behind any stamp this PC has written or
received, so a later edit wins last-writer-wins even when the PC's clock is
slow, and stamps stay readable ISO-8601 text that sorts.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tutor_desktop.core.storage.connection import Connection
from tutor_desktop.core.storage.database import Database

FINGERPRINT_ENV = "TUTOR_MACHINE_FINGERPRINT"  # tests and IT staff: force a machine identity


def machine_fingerprint(database_path: Path | str) -> str:
    """What makes this installation this one: machine id, network card, database path."""
    override = os.environ.get(FINGERPRINT_ENV)
    parts = [override] if override else [_machine_id(), f"{uuid.getnode():012x}",
                                         socket.gethostname()]
    parts.append(str(Path(database_path).resolve()))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _machine_id() -> str:
    for candidate in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        with contextlib.suppress(OSError):
            return Path(candidate).read_text().strip()
    return os.environ.get("COMPUTERNAME", "")


@dataclass(frozen=True)
class DeviceIdentity:
    device_id: str
    database_id: str
    fingerprint: str
    renewed: bool = False  # True when this open found a copied database and took a new id


def _state(conn: Connection) -> dict[str, str]:
    return {str(r[0]): str(r[1]) for r in conn.execute("SELECT key, value FROM sync_state")}


def _put(conn: Connection, **values: str | int) -> None:
    for key, value in values.items():
        conn.execute("INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT(key) "
                     "DO UPDATE SET value = excluded.value", (key, str(value)))


def ensure_identity(conn: Connection, fingerprint: str) -> DeviceIdentity:
    """The device identity, created on first use and renewed when the database is a copy.

    Call inside a write transaction (``Database.write()``).
    """
    state = _state(conn)
    if state.get("device_id") and state.get("fingerprint") == fingerprint:
        return DeviceIdentity(state["device_id"], state["database_id"], fingerprint)
    renewed = bool(state.get("device_id"))
    identity = DeviceIdentity(str(uuid.uuid4()), str(uuid.uuid4()), fingerprint, renewed)
    if renewed:
        _put(conn, previous_device_id=state["device_id"])
    _put(conn, device_id=identity.device_id, database_id=identity.database_id,
         fingerprint=fingerprint, next_seq=1)
    return identity


def rotate_identity(conn: Connection, reason: str) -> DeviceIdentity:
    """Take a new device id now (e.g. the server holds higher sequences than we ever wrote:
    this database was restored from a backup). Pending changes are re-stamped."""
    state = _state(conn)
    identity = DeviceIdentity(str(uuid.uuid4()), str(uuid.uuid4()),
                              state.get("fingerprint", ""), renewed=True)
    _put(conn, previous_device_id=state.get("device_id", ""), device_id=identity.device_id,
         database_id=identity.database_id, next_seq=1, renewed_because=reason)
    pending = conn.execute(
        "SELECT seq FROM sync_outbox WHERE sent_at IS NULL ORDER BY seq").fetchall()
    for number, row in enumerate(pending, start=1):
        conn.execute("UPDATE sync_outbox SET device_id = ?, device_seq = ? WHERE seq = ?",
                     (identity.device_id, number, row[0]))
    _put(conn, next_seq=len(pending) + 1)
    return identity


def current_device_id(conn: Connection) -> str:
    row = conn.execute("SELECT value FROM sync_state WHERE key = 'device_id'").fetchone()
    return "" if row is None else str(row[0])


@dataclass(frozen=True)
class Stamp:
    device_id: str
    seq: int
    hlc: str


Wall = Callable[[], datetime]


def _wall() -> datetime:
    return datetime.now(UTC)


def next_stamp(conn: Connection, fingerprint: str | None = None, wall: Wall = _wall) -> Stamp:
    """The next (device, sequence, clock) for a change queued in this transaction."""
    state = _state(conn)
    device = state.get("device_id")
    if not device:
        device = ensure_identity(conn, fingerprint or _fallback_fingerprint(conn)).device_id
        state = _state(conn)
    seq = int(state.get("next_seq", "1"))
    hlc = tick(state.get("hlc", ""), wall())
    _put(conn, next_seq=seq + 1, hlc=hlc)
    return Stamp(device, seq, hlc)


def observe(conn: Connection, remote_hlc: str) -> None:
    """Receive rule of the hybrid clock: never stamp behind a version we have seen."""
    state = _state(conn)
    if remote_hlc > state.get("hlc", ""):
        _put(conn, hlc=remote_hlc)


def tick(last: str, now: datetime) -> str:
    """``now`` in ms ISO-8601, or 1 ms after ``last`` when the wall clock is not ahead."""
    stamp = now.astimezone(UTC).isoformat(timespec="milliseconds")
    if stamp > last:
        return stamp
    return (datetime.fromisoformat(last) + timedelta(milliseconds=1)).isoformat(
        timespec="milliseconds")


def _fallback_fingerprint(conn: Connection) -> str:
    row = conn.execute("PRAGMA database_list").fetchone()
    return machine_fingerprint(str(row[2]) if row and row[2] else ":memory:")


def check_identity(db: Database) -> DeviceIdentity:
    """At start-up: this PC's identity, renewed if the database was copied from another."""
    with db.write() as conn:
        return ensure_identity(conn, machine_fingerprint(db.path))
