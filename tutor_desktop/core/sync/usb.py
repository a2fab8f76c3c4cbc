"""Sync by USB stick, for schools that are never online.

``export`` writes this PC's changes not yet acknowledged by a server, the
other PCs' changes it holds for forwarding, and its current copy of every
synced row (with versions, so the destination merges by the same rules). The
file is signed with the school key (HMAC-SHA256), which every PC of the school
derives from its enrolment code. ``import`` checks the signature before
anything else: a changed file, or one from another school, is refused whole.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tutor_desktop.core.secrets_store import SecretStore
from tutor_desktop.core.storage import Database, utc_now
from tutor_desktop.core.sync.apply import ApplyResult, Recompute, apply_events
from tutor_desktop.core.sync.client import KEY_SECRET, SyncError
from tutor_desktop.core.sync.contract import queued_tables
from tutor_desktop.core.sync.identity import current_device_id
from tutor_desktop.core.sync.outbox import Event, get_version, keeps_text_local, row_payload

FORMAT = "tutor-sync-bundle/1"


def key_id(key: str) -> str:
    """A public name for the key: tells "another school" apart from "changed file"."""
    return hashlib.sha256(("id:" + key).encode()).hexdigest()[:16]


def _key(secrets: SecretStore) -> str:
    key = secrets.get(KEY_SECRET)
    if not key:
        raise SyncError("sync_bundle_no_key")
    return key


def export_bundle(db: Database, secrets: SecretStore, path: Path) -> tuple[int, int]:
    """Write the bundle; returns (changes, rows)."""
    key = _key(secrets)
    reader = db.reader()
    events = [json.loads(r[0]) for r in reader.execute(
        "SELECT json_object('entity', entity, 'id', entity_id, 'op', op, 'row', json(payload), "
        "'updated_at', hlc, 'author', author, 'device_id', device_id, 'seq', device_seq) "
        "FROM sync_outbox WHERE sent_at IS NULL ORDER BY seq").fetchall()]
    events += [json.loads(r[0]) for r in reader.execute(
        "SELECT event FROM sync_relay ORDER BY device_id, device_seq").fetchall()]
    rows = []
    text_local = keeps_text_local(reader)
    for spec in queued_tables():
        if spec.conversation_text and text_local:
            continue
        for (row_id,) in reader.execute(f"SELECT {spec.key} FROM {spec.name}").fetchall():
            version = get_version(reader, spec.name, str(row_id))
            row = row_payload(reader, spec, str(row_id))
            if version is None or row is None:
                continue
            rows.append(Event(spec.name, str(row_id), "upsert", row, version.hlc,
                              version.device_id, 0, version.device_id).to_json())
        for tomb in reader.execute("SELECT row_id, hlc, device_id FROM sync_versions WHERE "
                                   "entity = ? AND deleted = 1", (spec.name,)).fetchall():
            rows.append(Event(spec.name, str(tomb[0]), "delete", None, str(tomb[1]),
                              str(tomb[2]), 0, str(tomb[2])).to_json())
    payload = json.dumps({"format": FORMAT, "created_at": utc_now(),
                          "device_id": current_device_id(reader), "events": events,
                          "rows": rows}, ensure_ascii=False, separators=(",", ":")).encode()
    header = {"format": FORMAT, "key_id": key_id(key),
              "signature": hmac.new(key.encode(), payload, hashlib.sha256).hexdigest()}
    path.write_bytes(gzip.compress(json.dumps(header).encode() + b"\n" + payload))
    return len(events), len(rows)


def read_bundle(secrets: SecretStore, path: Path) -> dict[str, Any]:
    """The verified bundle; raises before returning anything unverified."""
    key = _key(secrets)
    try:
        raw = gzip.decompress(path.read_bytes())
        head, _, payload = raw.partition(b"\n")
        header = json.loads(head)
    except (OSError, EOFError, ValueError) as exc:
        raise SyncError("sync_bundle_tampered") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SyncError("sync_bundle_tampered")
    if header.get("key_id") != key_id(key):
        raise SyncError("sync_bundle_other_school")
    expected = hmac.new(key.encode(), payload, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, str(header.get("signature", ""))):
        raise SyncError("sync_bundle_tampered")
    data: dict[str, Any] = json.loads(payload)
    return data


def import_bundle(db: Database, secrets: SecretStore, path: Path,
                  recompute: Sequence[Recompute] = ()) -> ApplyResult:
    """Apply a verified bundle in one transaction; keep other PCs' changes for forwarding."""
    data = read_bundle(secrets, path)
    events = [Event.from_json(e) for e in data.get("events", [])]
    rows = [Event.from_json(e) for e in data.get("rows", [])]
    with db.write() as conn:
        mine = current_device_id(conn)
        result = apply_events(conn, rows + events, recompute)
        for event in events:
            if event.device_id == mine or event.seq < 1:
                continue
            conn.execute(
                "INSERT INTO sync_relay (device_id, device_seq, entity, entity_id, event, payload) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT(device_id, device_seq) DO NOTHING",
                (event.device_id, event.seq, event.entity, event.row_id,
                 json.dumps(event.to_json(), ensure_ascii=False),
                 json.dumps(event.row, ensure_ascii=False)))
    return result
