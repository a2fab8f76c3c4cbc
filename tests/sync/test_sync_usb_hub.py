"""USB bundles between PCs that are never online, and the hub on SQLite forwarding to the
PostgreSQL service."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sync_helpers import rows, set_up_school

from tutor_desktop.core.i18n import TutorError

CODE = "ABCD-EFGH-JKLM"


def test_usb_round_trip_then_a_student_signs_in_on_the_other_pc(lab, tmp_path: Path) -> None:
    pc_a, pc_b = lab("pc-a"), lab("pc-b")
    _admin, _class, anu = set_up_school(pc_a)
    session = pc_a.accounts.sign_in_student(anu.id, "1234")
    conv = pc_a.conversations.create(session, subject="math")
    pc_a.conversations.add_message(session, conv.id, "user", "3 x 4?")
    for pc in (pc_a, pc_b):
        pc.sync.enroll_offline(CODE)
    stick = tmp_path / "stick.tsync"
    from tutor_desktop.core.sync.usb import export_bundle, import_bundle

    changes, copied = export_bundle(pc_a.db, pc_a.secrets, stick)
    assert changes >= 6 and copied >= 6
    first = import_bundle(pc_b.db, pc_b.secrets, stick)
    assert first.applied >= 6
    pc_b.accounts.sign_in_student(anu.id, "1234")
    assert rows(pc_a) == rows(pc_b)
    again = import_bundle(pc_b.db, pc_b.secrets, stick)  # idempotent
    assert again.applied == 0 and rows(pc_a) == rows(pc_b)


def _tamper(path: Path) -> None:
    raw = gzip.decompress(path.read_bytes())
    head, _, payload = raw.partition(b"\n")
    path.write_bytes(gzip.compress(head + b"\n" + payload.replace("Анужин".encode(),
                                                                  "Хакер!".encode())))


def test_tampered_or_other_school_bundles_are_refused_and_nothing_applied(
        lab, tmp_path: Path) -> None:
    from tutor_desktop.core.sync.usb import export_bundle, import_bundle

    pc_a, pc_b, pc_c = lab("pc-a"), lab("pc-b"), lab("pc-other")
    set_up_school(pc_a)
    pc_a.sync.enroll_offline(CODE)
    pc_b.sync.enroll_offline(CODE)
    pc_c.sync.enroll_offline("ZZZZ-ZZZZ-ZZZZ")
    stick = tmp_path / "stick.tsync"
    export_bundle(pc_a.db, pc_a.secrets, stick)
    with pytest.raises(TutorError) as other:
        import_bundle(pc_c.db, pc_c.secrets, stick)
    assert other.value.message_id == "sync_bundle_other_school"
    _tamper(stick)
    with pytest.raises(TutorError) as tampered:
        import_bundle(pc_b.db, pc_b.secrets, stick)
    assert tampered.value.message_id == "sync_bundle_tampered"
    stick.write_bytes(b"not a bundle")
    with pytest.raises(TutorError) as broken:
        import_bundle(pc_b.db, pc_b.secrets, stick)
    assert broken.value.message_id == "sync_bundle_tampered"
    for pc in (pc_b, pc_c):
        assert pc.db.query("SELECT * FROM users") == []


def test_hub_on_sqlite_forwards_to_the_postgresql_service(cloud, lab, tmp_path: Path) -> None:
    from sync_cloud import start_service

    from tutor_cloud.hub import Forwarder, Hub

    teacher_pc, lab_pc, remote_pc = lab("teacher"), lab("lab-1"), lab("elsewhere")
    _admin, class_7a, anu = set_up_school(teacher_pc)
    hub = Hub(tmp_path / "hub.sqlite3", teacher_pc.accounts.school_id(),
              teacher_pc.accounts.school_name(), None)
    hub_service = start_service(f"sqlite:///{tmp_path / 'hub.sqlite3'}", enrol_rate=100.0)
    try:
        teacher_pc.sync.enroll(hub_service.url, hub.code)
        teacher_pc.sync.sync_now()
        lab_pc.sync.enroll(hub_service.url, hub.code)
        lab_pc.sync.sync_now()
        lab_session = lab_pc.accounts.sign_in_student(anu.id, "1234")  # roster from the hub
        conv = lab_pc.conversations.create(lab_session, subject="math")
        lab_pc.conversations.add_message(lab_session, conv.id, "user", "hub дээрээс асуув")
        lab_pc.sync.sync_now()
        # The cloud: a school whose code the hub was given once.
        _cloud_school, cloud_code = cloud.school("School 12")
        token = cloud.store.enrol(cloud_code, f"hub:{hub.school_id}", "hub")[0]
        forwarder = Forwarder(hub, cloud.url, token)
        pushed, _taken = forwarder.run_once()
        assert pushed >= 6  # school, admin, class, student, conversation, message
        remote_pc.sync.enroll(cloud.url, cloud_code)
        remote_pc.sync.sync_now()
        remote_pc.accounts.sign_in_student(anu.id, "1234")
        texts = [r["content"] for r in remote_pc.db.query("SELECT content FROM messages")]
        assert texts == ["hub дээрээс асуув"]
        # And back: a change made in the cloud reaches the lab PC through the hub.
        admin_remote = remote_pc.accounts.sign_in_staff("admin", "admin-pass-1")
        remote_pc.accounts.update_class(admin_remote, class_7a.id, daily_message_limit=7)
        remote_pc.sync.sync_now()
        forwarder.run_once()
        second_push, _ = forwarder.run_once()
        lab_pc.sync.sync_now()
        limit = lab_pc.db.query_one("SELECT daily_message_limit FROM classes")[0]
        assert limit == 7
        assert rows(lab_pc) == rows(remote_pc)
        forwarder.close()
    finally:
        hub_service.stop()
        hub.close()
    assert json.dumps(second_push)  # forwarding settles: nothing echoes for ever


def test_a_usb_bundle_carried_to_an_online_pc_reaches_the_cloud(cloud, lab, tmp_path) -> None:
    from tutor_desktop.core.sync.usb import export_bundle, import_bundle

    school_id, code = cloud.school()
    offline, carrier, elsewhere = lab("offline"), lab("carrier"), lab("elsewhere")
    _admin, _class, anu = set_up_school(offline)
    offline.sync.enroll_offline(code)  # never online: only the school key
    stick = tmp_path / "stick.tsync"
    changes, _rows = export_bundle(offline.db, offline.secrets, stick)
    carrier.sync.enroll(cloud.url, code)
    import_bundle(carrier.db, carrier.secrets, stick)
    carrier.sync.sync_now()
    assert carrier.sync.status()["waiting"] == 0
    assert carrier.db.query("SELECT * FROM sync_relay") == []  # forwarded, then let go
    offline_device = offline.sync.status()["device_id"]
    with cloud.store.db.transaction() as conn:
        forwarded = conn.execute("SELECT count(*) FROM sync_events WHERE school_id = ? AND "
                                 "device_id = ?", (school_id, offline_device))[0][0]
    assert forwarded == changes  # the offline PC's own events, under its own device id
    elsewhere.sync.enroll(cloud.url, code)
    elsewhere.sync.sync_now()
    elsewhere.accounts.sign_in_student(anu.id, "1234")
    assert rows(elsewhere) == rows(offline)


def test_two_pcs_set_up_alone_and_enrolled_for_usb_only_become_one_school(
        lab, tmp_path: Path) -> None:
    """No server ever adopts a USB-only PC (enroll_offline keeps only the school key), so
    the two schools meet in the bundles: both PCs make the same decision from the rows
    alone (merge.py: the older school is kept, one class per name, the later "admin" is
    renamed), whichever stick is read first, and both admins can still sign in."""
    import time

    from tutor_desktop.core.sync.usb import export_bundle, import_bundle

    pc_a, pc_b = lab("pc-a"), lab("pc-b")
    set_up_school(pc_a)
    time.sleep(0.01)  # B is set up later: A's school is the older one
    set_up_school(pc_b)
    school_a = pc_a.accounts.school_id()
    for pc in (pc_a, pc_b):
        pc.sync.enroll_offline(CODE)
    for round_ in range(2):  # the second round carries the decisions each PC made
        sticks = {}
        for name, pc in (("a", pc_a), ("b", pc_b)):
            sticks[name] = tmp_path / f"{name}-{round_}.tsync"
            export_bundle(pc.db, pc.secrets, sticks[name])
        import_bundle(pc_b.db, pc_b.secrets, sticks["a"])
        import_bundle(pc_a.db, pc_a.secrets, sticks["b"])
    assert rows(pc_a) == rows(pc_b)
    for pc in (pc_a, pc_b):
        assert [r["id"] for r in pc.db.query("SELECT id FROM schools")] == [school_a]
        assert [r["name"] for r in pc.db.query("SELECT name FROM classes")] == ["7A"]
        usernames = sorted(r["username"] for r in pc.db.query(
            "SELECT username FROM users WHERE role != 'student'"))
        assert usernames == ["admin", "admin-2"]
        pc.accounts.sign_in_staff("admin", "admin-pass-1")
        pc.accounts.sign_in_staff("admin-2", "admin-pass-1")
        kinds = sorted(n["kind"] for n in pc.sync.status()["notices"])
        assert kinds == ["duplicate", "merged", "merged", "renamed"]  # told, not silent
    before = rows(pc_a)
    assert import_bundle(pc_a.db, pc_a.secrets, sticks["b"]).applied == 0
    assert rows(pc_a) == before
