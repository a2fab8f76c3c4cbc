"""A mixed school: two PCs sync online, one is never online and syncs by USB stick.

The offline PC was set up on its own weeks before the school was enrolled, so its own
school is the *older* one. docs/SYNC.md promises that a PC set up alone and then
enrolled is adopted into the enrolled school (its name and settings kept). Online, the
enrolment does it; the offline PC meets the enrolled school only in a bundle, and its
rows reach the server only through a PC that carries its stick. Whatever the order of
syncs and stick readings, every PC and the server must end on the enrolled school, with
the offline PC's class, student and question in it, once each.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import rows, set_up_school

from tutor_desktop.core.sync.client import TOKEN_SECRET
from tutor_desktop.core.sync.usb import export_bundle, import_bundle


def _carry(source: Any, target: Any, stick: Path) -> None:
    export_bundle(source.db, source.secrets, stick)
    import_bundle(target.db, target.secrets, stick, target.sync.recompute)


def _school_rows(pc: Any) -> list[tuple]:
    return [tuple(r) for r in pc.db.query(
        "SELECT id, name, created_at, sync_conversation_text FROM schools")]


@pytest.mark.parametrize("order", ["stick-to-offline-first", "stick-to-online-first"])
def test_an_offline_pcs_older_school_joins_the_enrolled_school(cloud, lab, tmp_path,
                                                                order) -> None:
    _, code = cloud.school()
    offline, pc_a, pc_b = lab("offline"), lab("pc-a"), lab("pc-b")
    # Weeks ago: the lab PC that is never online was set up alone (the older school).
    offline.accounts.first_run_setup("Лаб 3", "Лаб админ", "admin", "local-pass-1")
    lab_admin = offline.accounts.sign_in_staff("admin", "local-pass-1")
    own_7a = offline.accounts.create_class(lab_admin, "7A", 7)
    bat = offline.accounts.create_student(lab_admin, own_7a.id, "Бат", "4444")
    session = offline.accounts.sign_in_student(bat.id, "4444")
    conv = offline.conversations.create(session, subject="math")
    offline.conversations.add_message(session, conv.id, "user", "Бат: бутархай гэж юу вэ?")
    time.sleep(0.01)
    # Then the school was enrolled from PC A; PC B was installed fresh and enrolled.
    _admin, class_7a, anu = set_up_school(pc_a)
    enrolled = _school_rows(pc_a)
    pc_a.sync.enroll(cloud.url, code)
    pc_a.sync.sync_now()
    pc_b.sync.enroll(cloud.url, code)
    pc_b.sync.sync_now()
    offline.sync.enroll_offline(code)  # never online: the school key, for sticks
    pc_a.sync.page = pc_b.sync.page = 2  # pulls cut into pages: decisions per page

    online = [pc_b, pc_a]
    sticks = iter(tmp_path / f"stick-{n}.tsync" for n in range(100))
    if order == "stick-to-offline-first":
        _carry(pc_a, offline, next(sticks))  # the offline PC reads A's stick first
        _carry(offline, pc_b, next(sticks))  # then B carries its stick online
    else:
        _carry(offline, pc_b, next(sticks))  # B carries the offline PC's stick online
        pc_b.sync.sync_now()
        online.append(lab("pc-new"))  # installed now, while the offline PC's rows arrive
        online[-1].sync.page = 1
        online[-1].sync.enroll(cloud.url, code)
        pc_a.sync.sync_now()
        _carry(pc_a, offline, next(sticks))
    for _ in range(2):  # settle: everyone online syncs, sticks go both ways
        for pc in (*online, *online):
            pc.sync.sync_now()
        _carry(pc_a, offline, next(sticks))
        _carry(offline, pc_b, next(sticks))
    for pc in online:
        pc.sync.sync_now()
    online.append(lab("pc-later"))  # installed afterwards, one row per page
    online[-1].sync.page = 1
    online[-1].sync.enroll(cloud.url, code)
    online[-1].sync.sync_now()

    for pc in (*online, offline):
        assert rows(pc) == rows(pc_a), pc.paths.data_dir.name
    for pc in (*online, offline):
        where = pc.paths.data_dir.name
        # The enrolled school, its name and settings as they were: not the older one.
        assert _school_rows(pc) == enrolled, where
        classes = {str(r[0]): str(r[1]) for r in pc.db.query("SELECT name, id FROM classes")}
        assert classes == {"7A": class_7a.id}, where
        pupils = {str(r[0]) for r in pc.db.query("SELECT id FROM users WHERE class_id = ?",
                                                 (class_7a.id,))}
        assert pupils == {anu.id, bat.id}, where
        texts = [str(r[0]) for r in pc.db.query("SELECT content FROM messages")]
        assert texts == ["Бат: бутархай гэж юу вэ?"], where  # kept, once
        # The enrolled school's admin keeps "admin"; the offline PC's is renamed.
        assert pc.accounts.sign_in_staff("admin", "admin-pass-1")
        assert pc.accounts.sign_in_staff("admin-2", "local-pass-1")
        student = pc.accounts.sign_in_student(bat.id, "4444")
        assert [m.content for m in pc.conversations.messages(student, conv.id)] == texts
    school = cloud.store.device_for(pc_a.secrets.get(TOKEN_SECRET)).school_id
    assert int(cloud.store.counts(school).get("schools", 0)) == 1
    assert pc_a.sync.server_counts() == pc_a.sync.local_counts()
