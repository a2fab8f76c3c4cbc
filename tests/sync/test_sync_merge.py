"""Two lab PCs create the same thing offline; after sync the school has it once.

Real desktop data folders sync through the real service on a real PostgreSQL, in
both orders (which PC reaches the server first must not change the outcome):
class "7B" made on both PCs is one class with both PCs' students; "8A" and
"8 а" (Cyrillic) are one class; a teacher username taken twice is renamed for the
later account, with a notice; two students of one name are kept and flagged, and
the teacher's merge moves conversations and progress. A PC set up on its own and
enrolled later joins the enrolled school instead of uploading a second one.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sync_helpers import rows, set_up_school

from tutor_desktop.core.storage import new_id, utc_now
from tutor_desktop.core.sync import record_change
from tutor_desktop.core.sync.client import TOKEN_SECRET
from tutor_desktop.core.sync.merge import class_key


def _settle(*pcs: Any) -> None:
    for pc in (*pcs, *pcs, *pcs):
        pc.sync.sync_now()


def _classes(pc: Any) -> dict[str, str]:
    return {str(r["name"]): str(r["id"]) for r in pc.db.query("SELECT id, name FROM classes")}


def _server_alive(cloud: Any, pc: Any, entity: str) -> int:
    school = cloud.store.device_for(pc.secrets.get(TOKEN_SECRET)).school_id
    return int(cloud.store.counts(school).get(entity, 0))


def _log(pc: Any, user_id: str, correct: int) -> None:
    """A practice answer in the student's learning log (as the progress service writes)."""
    with pc.db.write() as conn:
        row_id, now = new_id(), utc_now()
        conn.execute("INSERT INTO learning_interactions (id, user_id, subject, topic, grade, "
                     "kind, correct, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                     (row_id, user_id, "math", "fractions", 7, "quiz", correct, now, now))
        record_change(conn, "learning_interactions", row_id)


@pytest.mark.parametrize("first", ["a", "b"])
def test_the_same_class_and_username_made_on_two_pcs_end_as_one(cloud, lab, first) -> None:
    _, code = cloud.school()
    pc_a, pc_b = lab("pc-a"), lab("pc-b")
    admin_a, _class_7a, _anu = set_up_school(pc_a)
    pc_a.sync.enroll(cloud.url, code)
    pc_a.sync.sync_now()
    pc_b.sync.enroll(cloud.url, code)
    pc_b.sync.sync_now()
    admin_b = pc_b.accounts.sign_in_staff("admin", "admin-pass-1")

    # Offline, A first (older rows), then B: the same class, a teacher "bat" on each.
    b7_a = pc_a.accounts.create_class(admin_a, "7B", 7)
    a8_a = pc_a.accounts.create_class(admin_a, "8A", 8)
    bat_a = pc_a.accounts.create_student(admin_a, b7_a.id, "Бат", "1111")
    teacher_a = pc_a.accounts.create_teacher(admin_a, "bat", "Бат багш", "teacher-pass-a",
                                             (b7_a.id,))
    time.sleep(0.01)
    b7_b = pc_b.accounts.create_class(admin_b, "7B", 7)
    pc_b.accounts.create_class(admin_b, "8 а", 8)  # Cyrillic "а": the same class for a teacher
    dulmaa = pc_b.accounts.create_student(admin_b, b7_b.id, "Дулмаа", "2222")
    bat_b = pc_b.accounts.create_student(admin_b, b7_b.id, "бат", "3333")
    teacher_b = pc_b.accounts.create_teacher(admin_b, "bat", "Бат (2)", "teacher-pass-b",
                                             (b7_b.id,))
    session_b = pc_b.accounts.sign_in_student(dulmaa.id, "2222")
    conv = pc_b.conversations.create(session_b, subject="math")
    pc_b.conversations.add_message(session_b, conv.id, "user", "7B-ийн асуулт")

    order = (pc_a, pc_b) if first == "a" else (pc_b, pc_a)
    _settle(*order)

    assert rows(pc_a) == rows(pc_b)
    for pc in (pc_a, pc_b):
        classes = _classes(pc)
        # One class per name, the older one kept (A's), with both PCs' students in it.
        assert sorted(class_key(n) for n in classes) == ["7a", "7b", "8a"]
        assert classes["7B"] == b7_a.id and classes["8A"] == a8_a.id
        in_7b = {str(r["display_name"]) for r in pc.db.query(
            "SELECT display_name FROM users WHERE class_id = ?", (b7_a.id,))}
        assert in_7b == {"Бат", "бат", "Дулмаа"}
        # Dulmaa's conversation followed her into the kept class.
        student = pc.accounts.sign_in_student(dulmaa.id, "2222")
        assert [m.content for m in pc.conversations.messages(student, conv.id)] == [
            "7B-ийн асуулт"]
        # The older "bat" keeps the name; the later one signs in as "bat-2" everywhere.
        assert pc.accounts.sign_in_staff("bat", "teacher-pass-a").user.id == teacher_a.id
        assert pc.accounts.sign_in_staff("bat-2", "teacher-pass-b").user.id == teacher_b.id
        assert pc.accounts.teacher_class_ids(teacher_b.id) == {b7_a.id}
        notices = pc.accounts.notices(pc.accounts.sign_in_staff("admin", "admin-pass-1"))
        kinds = sorted(n["kind"] for n in notices)
        assert kinds == ["duplicate", "merged", "merged", "renamed"], notices
        duplicate = next(n for n in notices if n["kind"] == "duplicate")
        assert {duplicate["old_id"], duplicate["new_id"]} == {bat_a.id, bat_b.id}
    # The server holds the same: three classes alive, the same rows as every PC.
    assert _server_alive(cloud, pc_a, "classes") == 3
    assert pc_a.sync.server_counts() == pc_a.sync.local_counts()


def test_a_teacher_merges_two_students_and_progress_follows(cloud, lab) -> None:
    _, code = cloud.school()
    pc_a, pc_b = lab("pc-a"), lab("pc-b")
    admin_a, class_7a, _anu = set_up_school(pc_a)
    pc_a.sync.enroll(cloud.url, code)
    pc_a.sync.sync_now()
    pc_b.sync.enroll(cloud.url, code)
    pc_b.sync.sync_now()
    admin_b = pc_b.accounts.sign_in_staff("admin", "admin-pass-1")
    bat_a = pc_a.accounts.create_student(admin_a, class_7a.id, "Бат", "1111")
    _log(pc_a, bat_a.id, 1)
    time.sleep(0.01)
    bat_b = pc_b.accounts.create_student(admin_b, class_7a.id, "Бат", "2222")
    _log(pc_b, bat_b.id, 1)
    _log(pc_b, bat_b.id, 0)
    session = pc_b.accounts.sign_in_student(bat_b.id, "2222")
    conv = pc_b.conversations.create(session, subject="math")
    pc_b.conversations.add_message(session, conv.id, "user", "Бутархай")
    _settle(pc_a, pc_b)
    duplicate = next(n for n in pc_a.accounts.notices(admin_a) if n["kind"] == "duplicate")

    pc_a.accounts.merge_students(admin_a, bat_a.id, bat_b.id)
    _settle(pc_a, pc_b)

    assert rows(pc_a) == rows(pc_b)
    for pc in (pc_a, pc_b):
        assert pc.db.query_one("SELECT count(*) FROM users WHERE display_name = 'Бат'")[0] == 1
        student = pc.accounts.sign_in_student(bat_a.id, "1111")
        assert [m.content for m in pc.conversations.messages(student, conv.id)] == ["Бутархай"]
        log = pc.db.query("SELECT user_id FROM learning_interactions")
        assert [r[0] for r in log] == [bat_a.id] * 3
        mastery = pc.db.query_one("SELECT attempts, correct FROM topic_mastery WHERE "
                                  "user_id = ?", (bat_a.id,))
        # Recomputed from the merged log on every PC.
        assert tuple(mastery) == (3, 2), pc.paths.data_dir.name
        admin = pc.accounts.sign_in_staff("admin", "admin-pass-1")
        assert duplicate["id"] not in {n["id"] for n in pc.accounts.notices(admin)}


def test_a_pc_set_up_alone_joins_the_school_it_enrols_with(cloud, lab) -> None:
    _, code = cloud.school()
    pc_a, pc_b, pc_c = lab("pc-a"), lab("pc-b"), lab("pc-c")
    _admin_a, class_7a, anu = set_up_school(pc_a)
    pc_a.sync.enroll(cloud.url, code)
    pc_a.sync.sync_now()
    school_id = pc_a.accounts.school_id()
    # PC B and PC C were set up on their own for weeks: their own school, a 7A each.
    for pc, student in ((pc_b, "Бат"), (pc_c, "Дорж")):
        pc.accounts.first_run_setup("Сургууль 12", "Багш", "admin", "local-pass-1")
        admin = pc.accounts.sign_in_staff("admin", "local-pass-1")
        own_7a = pc.accounts.create_class(admin, "7A", 7)
        pupil = pc.accounts.create_student(admin, own_7a.id, student, "4444")
        session = pc.accounts.sign_in_student(pupil.id, "4444")
        conv = pc.conversations.create(session, subject="math")
        pc.conversations.add_message(session, conv.id, "user", f"{student}: асуулт")
        pc.accounts.create_class(admin, "9" + student[0], 9)

    answer = pc_b.sync.enroll(cloud.url, code)
    assert answer["queued"] > 0
    pc_b.sync.sync_now()
    pc_c.sync.enroll(cloud.url, code)
    _settle(pc_a, pc_b, pc_c)

    assert rows(pc_a) == rows(pc_b) == rows(pc_c)
    for pc in (pc_a, pc_b, pc_c):
        assert [r[0] for r in pc.db.query("SELECT id FROM schools")] == [school_id]
        assert _classes(pc) == {"7A": class_7a.id, "9Б": _classes(pc)["9Б"],
                                "9Д": _classes(pc)["9Д"]}
        names = {r[0] for r in pc.db.query("SELECT display_name FROM users WHERE class_id = ?",
                                           (class_7a.id,))}
        assert names == {anu.display_name, "Бат", "Дорж"}
        texts = {r[0] for r in pc.db.query("SELECT content FROM messages")}
        assert {"Бат: асуулт", "Дорж: асуулт"} <= texts
        # The enrolled school's admin keeps "admin"; the PCs' own admins are renamed.
        usernames = sorted(r[0] for r in pc.db.query(
            "SELECT username FROM users WHERE username IS NOT NULL"))
        assert usernames == ["admin", "admin-2", "admin-3"]
        assert pc.accounts.sign_in_staff("admin", "admin-pass-1")
    assert _server_alive(cloud, pc_a, "schools") == 1
    assert _server_alive(cloud, pc_a, "classes") == 3
    assert pc_c.sync.server_counts() == pc_c.sync.local_counts()


def test_through_the_school_hub_and_on_to_the_cloud(cloud, lab, tmp_path) -> None:
    """A lab PC set up on its own enrols with the teacher PC's hub (SQLite): its 7A
    joins the school's, its teacher "bat" becomes "bat-2"; the hub forwards to the
    cloud (PostgreSQL), and a PC enrolled there sees one school, one 7A."""
    from sync_cloud import start_service

    from tutor_cloud.hub import Forwarder, Hub

    teacher_pc, lab_pc, remote_pc = lab("teacher"), lab("lab-1"), lab("elsewhere")
    admin, class_7a, anu = set_up_school(teacher_pc)
    teacher = teacher_pc.accounts.create_teacher(admin, "bat", "Бат багш", "teacher-pass-a")
    time.sleep(0.01)
    lab_pc.accounts.first_run_setup("Лаб", "Лаб админ", "lab-admin", "local-pass-1")
    lab_admin = lab_pc.accounts.sign_in_staff("lab-admin", "local-pass-1")
    own_7a = lab_pc.accounts.create_class(lab_admin, "7 А", 7)  # Cyrillic А, a space
    bat = lab_pc.accounts.create_student(lab_admin, own_7a.id, "Бат", "4444")
    lab_teacher = lab_pc.accounts.create_teacher(lab_admin, "bat", "Бат (лаб)", "teacher-pass-b",
                                                 (own_7a.id,))
    hub = Hub(tmp_path / "hub.sqlite3", teacher_pc.accounts.school_id(),
              teacher_pc.accounts.school_name(), None)
    hub_service = start_service(f"sqlite:///{tmp_path / 'hub.sqlite3'}", enrol_rate=100.0)
    try:
        teacher_pc.sync.enroll(hub_service.url, hub.code)
        teacher_pc.sync.sync_now()
        lab_pc.sync.enroll(hub_service.url, hub.code)
        _settle(lab_pc, teacher_pc)
        _cloud_school, cloud_code = cloud.school("School 12")
        token = cloud.store.enrol(cloud_code, f"hub:{hub.school_id}", "hub")[0]
        forwarder = Forwarder(hub, cloud.url, token)
        forwarder.run_once()
        remote_pc.sync.enroll(cloud.url, cloud_code)
        remote_pc.sync.sync_now()
        forwarder.close()
    finally:
        hub_service.stop()
        hub.close()
    assert rows(teacher_pc) == rows(lab_pc) == rows(remote_pc)
    for pc in (teacher_pc, lab_pc, remote_pc):
        assert [r[0] for r in pc.db.query("SELECT id FROM schools")] == [
            teacher_pc.accounts.school_id()]
        assert _classes(pc) == {"7A": class_7a.id}
        pupils = {r[0] for r in pc.db.query("SELECT id FROM users WHERE class_id = ?",
                                            (class_7a.id,))}
        assert pupils == {anu.id, bat.id}
        assert pc.accounts.sign_in_staff("bat", "teacher-pass-a").user.id == teacher.id
        assert pc.accounts.sign_in_staff("bat-2", "teacher-pass-b").user.id == lab_teacher.id
        assert pc.accounts.teacher_class_ids(lab_teacher.id) == {class_7a.id}


def test_an_enrolment_cut_off_half_way_is_adopted_by_the_next_sync(cloud, lab,
                                                                    monkeypatch) -> None:
    from tutor_desktop.core.sync.client import SyncError

    _, code = cloud.school()
    pc_a, pc_b = lab("pc-a"), lab("pc-b")
    _admin, class_7a, _anu = set_up_school(pc_a)
    pc_a.sync.enroll(cloud.url, code)
    pc_a.sync.sync_now()
    pc_b.accounts.first_run_setup("Лаб", "Лаб админ", "lab-admin", "local-pass-1")
    lab_admin = pc_b.accounts.sign_in_staff("lab-admin", "local-pass-1")
    own = pc_b.accounts.create_class(lab_admin, "7A", 7)
    pupil = pc_b.accounts.create_student(lab_admin, own.id, "Бат", "4444")

    def network_gone(*_args: Any) -> None:
        raise SyncError("sync_unreachable", reason="ConnectError")

    with monkeypatch.context() as patch:  # the network drops right after the token came
        patch.setattr(pc_b.sync, "_pull_all", network_gone)
        with pytest.raises(SyncError):
            pc_b.sync.enroll(cloud.url, code)
    assert len(pc_b.db.query("SELECT id FROM schools")) == 1  # nothing half-done
    _settle(pc_b, pc_a)
    assert rows(pc_a) == rows(pc_b)
    for pc in (pc_a, pc_b):
        assert [r[0] for r in pc.db.query("SELECT id FROM schools")] == [
            pc_a.accounts.school_id()]
        assert pc.db.query_one("SELECT class_id FROM users WHERE id = ?",
                               (pupil.id,))[0] == class_7a.id


def test_a_failing_merge_rule_does_not_block_the_page(tmp_path, monkeypatch) -> None:
    import sqlean

    import tutor_desktop.core.sync.apply as apply_module
    from tutor_desktop.core.storage import Database
    from tutor_desktop.core.sync.apply import apply_events
    from tutor_desktop.core.sync.outbox import Event

    def broken(*_args: Any) -> list[str]:
        raise sqlean.OperationalError("a rule went wrong")

    monkeypatch.setattr(apply_module, "resolve", broken)
    db = Database(tmp_path / "pc.sqlite3")
    stamp = "2026-05-01T08:00:00.000+00:00"
    school = {"id": "school-1", "name": "School", "created_at": stamp, "updated_at": stamp,
              "sync_conversation_text": 1}
    with db.write() as conn:
        result = apply_events(conn, [Event("schools", "school-1", "upsert", school, stamp,
                                           "dev-a", 1)])
    assert result.applied == 1 and result.conflicts == ["merge rules: a rule went wrong"]
    assert db.query_one("SELECT name FROM schools")[0] == "School"
    db.close()


def test_one_pc_refuses_a_second_7a_however_it_is_typed(services) -> None:
    """What sync would merge is refused at once on one PC, with a message that says why."""
    from tutor_desktop.core.errors import ClassNameTaken

    admin, class_7a, _anu = set_up_school(services)
    for typed in ("7A", "7a", " 7 А", "7-а"):
        with pytest.raises(ClassNameTaken) as taken:
            services.accounts.create_class(admin, typed, 7)
        assert taken.value.message("en").startswith("The school already has class «7A».")
        assert "«7A» анги аль хэдийн байна" in taken.value.message("mn")
    assert [c.id for c in services.accounts.list_classes()] == [class_7a.id]
    assert services.accounts.create_class(admin, "7B", 7).name == "7B"
