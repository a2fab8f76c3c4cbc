"""The write path: full rows, per-device sequences, the clock, tombstones, cloned PCs."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta

from tutor_desktop.core.storage import Database
from tutor_desktop.core.sync.identity import FINGERPRINT_ENV, check_identity, tick
from tutor_desktop.core.sync.outbox import pending_events, queue_everything, waiting_count


def _outbox(db: Database) -> list:
    return db.query("SELECT * FROM sync_outbox ORDER BY seq")


def test_sequences_grow_per_device_and_every_event_has_the_full_row(services, school) -> None:
    rows = _outbox(services.db)
    device = rows[0]["device_id"]
    assert {r["device_id"] for r in rows} == {device}
    assert [r["device_seq"] for r in rows] == list(range(1, len(rows) + 1))
    student = next(json.loads(r["payload"]) for r in rows if r["entity_id"] == school.anu.id)
    assert student["display_name"] == "Анужин" and student["class_id"] == school.class_7a.id
    assert student["secret_hash"].startswith("scrypt")  # a student signs in on any PC
    assert "failed_attempts" not in student  # lockout stays on the PC
    stamps = [r["hlc"] for r in rows]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


def test_clock_never_goes_back_when_the_wall_clock_does() -> None:
    now = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    first = tick("", now)
    behind = tick(first, now - timedelta(hours=3))  # the PC's battery-less clock reset
    assert behind > first
    assert tick(behind, now + timedelta(seconds=1)) == (now + timedelta(seconds=1)).isoformat(
        timespec="milliseconds")


def test_a_deleted_conversation_leaves_no_text_in_the_queue(services, school) -> None:
    student = services.accounts.sign_in_student(school.anu.id, "1234")
    store = services.conversations
    conv = store.create(student, subject="math")
    store.rename(student, conv.id, "Миний нууц асуулт")
    store.add_message(student, conv.id, "user", "Нууц үг бол 8 оронтой")
    store.delete(student, conv.id)
    payloads = " ".join(r["payload"] for r in _outbox(services.db))
    assert "Нууц" not in payloads and "нууц" not in payloads
    tomb = [r for r in _outbox(services.db) if r["entity_id"] == conv.id]
    assert [(r["op"], r["payload"]) for r in tomb] == [("delete", "null")]


def test_school_can_keep_conversation_text_on_the_pc(services, school) -> None:
    services.accounts.set_conversation_text_sync(school.admin, False)
    student = services.accounts.sign_in_student(school.anu.id, "1234")
    before = waiting_count(services.db.reader())
    conv = services.conversations.create(student, subject="math")
    services.conversations.add_message(student, conv.id, "user", "Хувийн асуулт")
    assert waiting_count(services.db.reader()) == before
    assert "Хувийн" not in " ".join(r["payload"] for r in _outbox(services.db))


def test_a_cloned_database_takes_a_new_device_id(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(FINGERPRINT_ENV, "lab-pc-01")
    (tmp_path / "pc1").mkdir()
    original = Database(tmp_path / "pc1" / "tutor.sqlite3")
    first = check_identity(original)
    assert check_identity(original).device_id == first.device_id  # stable across opens
    original.close()
    (tmp_path / "pc2").mkdir()
    shutil.copy(tmp_path / "pc1" / "tutor.sqlite3", tmp_path / "pc2" / "tutor.sqlite3")
    monkeypatch.setenv(FINGERPRINT_ENV, "lab-pc-02")  # same image, another machine
    clone = Database(tmp_path / "pc2" / "tutor.sqlite3")
    renewed = check_identity(clone)
    assert renewed.renewed and renewed.device_id != first.device_id
    assert renewed.database_id != first.database_id
    clone.close()
    monkeypatch.setenv(FINGERPRINT_ENV, "lab-pc-01")
    again = Database(tmp_path / "pc1" / "tutor.sqlite3")
    assert check_identity(again).device_id == first.device_id  # the original keeps its id
    again.close()


def test_full_resend_keeps_each_rows_version(services, school) -> None:
    db = services.db
    versions = {(r["entity"], r["row_id"]): r["hlc"] for r in db.query(
        "SELECT * FROM sync_versions")}
    with db.write() as conn:
        conn.execute("UPDATE sync_outbox SET sent_at = 'x'")
        queued = queue_everything(conn)
        events = pending_events(conn, 10_000)
    assert queued == len(events) >= 7
    for event in events:
        assert event.hlc == versions[(event.entity, event.row_id)]
        assert event.row is not None and event.row["id"] == event.row_id
