"""The school's "keep conversation text on the PCs" switch in Settings (admins only)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton
from ui_helpers import click, sign_in_staff

from tutor_desktop.core.sync.merge import rename_staff, resolve


def _signed_in(qtbot, make_window, username: str, password: str, language: str):
    window = make_window(language)
    sign_in_staff(qtbot, window, username, password)
    click(qtbot, window.settings_button)
    return window


def _queued_messages(services) -> int:
    return services.db.query_one("SELECT count(*) FROM sync_outbox WHERE entity = 'messages' "
                                 "AND sent_at IS NULL")[0]


def test_an_admin_keeps_conversation_text_on_the_pcs(qtbot, make_window, services, school):
    window = _signed_in(qtbot, make_window, "admin", "admin-pass-1", "mn")
    section = window.settings_page.sync_section
    assert section.isVisible() and section.title.text() == "Сургуулийн синк"
    assert section.text_switch.isChecked()  # the default: conversations sync

    click(qtbot, section.text_switch)
    qtbot.waitUntil(lambda: section.message.isVisible(), timeout=10_000)
    assert section.message.text() == ("Хадгаллаа: асуулт, хариулт компьютер бүр дээрээ "
                                      "үлдэнэ.")
    assert not services.accounts.conversation_text_sync()
    assert not section.text_switch.isChecked()
    # A student's question now stays on this PC: nothing of it waits to be sent.
    student = services.accounts.sign_in_student(school.anu.id, "1234")
    before = _queued_messages(services)
    conv = services.conversations.create(student, subject="math")
    services.conversations.add_message(student, conv.id, "user", "Нууц асуулт")
    assert _queued_messages(services) == before

    click(qtbot, section.text_switch)
    qtbot.waitUntil(lambda: section.text_switch.isEnabled() and section.text_switch.isChecked(),
                    timeout=10_000)
    assert services.accounts.conversation_text_sync()
    assert section.message.text().startswith("Хадгаллаа: асуулт, хариулт одоо")


def test_the_admin_sees_what_sync_renamed(qtbot, make_window, services, school):
    with services.db.write() as conn:  # as a sync that met a second "bat" would
        held = dict(services.db.query_one("SELECT * FROM users WHERE username = 'bat'"))
        rename_staff(conn, held)
    window = _signed_in(qtbot, make_window, "admin", "admin-pass-1", "en")
    section = window.settings_page.sync_section
    texts = [w.text() for w in section.findChildren(QLabel, "noticeText") if w.isVisible()]
    assert len(texts) == 1 and "Bat Teacher now signs in as «bat-2»" in texts[0]
    click(qtbot, next(b for b in section.findChildren(QPushButton, "noticeDismiss")
                      if b.isVisible()))
    qtbot.waitUntil(lambda: not any(w.isVisible() for w in
                                    section.findChildren(QLabel, "noticeText")), timeout=10_000)
    assert services.accounts.notices(services.accounts.sign_in_staff("admin",
                                                                     "admin-pass-1")) == []


def test_a_teacher_merges_a_student_added_twice(qtbot, make_window, services, school):
    """Two PCs added "Анужин" to 7A offline: the teacher says it is one child."""
    twin = services.accounts.create_student(school.teacher_session, school.class_7a.id,
                                            "Анужин", "9999")
    student = services.accounts.sign_in_student(twin.id, "9999")
    conv = services.conversations.create(student, subject="math")
    services.conversations.add_message(student, conv.id, "user", "Нөгөө PC-ийн асуулт")
    with services.db.write() as conn:  # as if the twin had come from another PC
        conn.execute("UPDATE sync_versions SET device_id = 'pc-b' WHERE row_id = ?", (twin.id,))
        resolve(conn)
    window = _signed_in(qtbot, make_window, "bat", "teacher-pass-1", "mn")
    section = window.settings_page.sync_section
    assert section.isVisible() and not section.text_switch.isVisible()  # admins only
    texts = [w.text() for w in section.findChildren(QLabel, "noticeText") if w.isVisible()]
    assert len(texts) == 1 and "«Анужин» нэртэй хоёр сурагч" in texts[0]
    click(qtbot, next(b for b in section.findChildren(QPushButton, "noticeMerge")
                      if b.isVisible()))
    qtbot.waitUntil(lambda: section.message.isVisible(), timeout=10_000)
    assert section.message.text().startswith("Нэгтгэлээ")
    names = [u.display_name for u in services.accounts.list_students(school.class_7a.id)]
    assert names.count("Анужин") == 1
    kept = next(u for u in services.accounts.list_students(school.class_7a.id)
                if u.display_name == "Анужин")
    session = services.accounts.sign_in_student(kept.id, "1234" if kept.id == school.anu.id
                                                else "9999")
    assert [m.content for m in services.conversations.messages(session, conv.id)] == [
        "Нөгөө PC-ийн асуулт"]


def test_teachers_and_students_have_no_sync_switch(qtbot, make_window, services, school):
    window = _signed_in(qtbot, make_window, "bat", "teacher-pass-1", "en")
    assert not window.settings_page.sync_section.isVisible()
    click(qtbot, window.sign_out_button)
    window.start_session(services.accounts.sign_in_student(school.small.id, None))
    click(qtbot, window.settings_button)
    assert not window.settings_page.sync_section.isVisible()
