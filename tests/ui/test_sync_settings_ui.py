"""The school's "keep conversation text on the PCs" switch in Settings (admins only)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from ui_helpers import click

from tutor_desktop.core.sync.merge import rename_staff


def _signed_in(qtbot, make_window, username: str, password: str, language: str):
    window = make_window(language)
    page = window.sign_in_page
    click(qtbot, page.staff_link)
    qtbot.keyClicks(page.username, username)
    qtbot.keyClicks(page.password, password)
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.teacher_page, timeout=10_000)
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
    notices = window.settings_page.sync_section.notices
    assert notices.isVisible()
    assert "Bat Teacher now signs in as «bat-2»" in notices.text()


def test_teachers_and_students_have_no_sync_switch(qtbot, make_window, services, school):
    window = _signed_in(qtbot, make_window, "bat", "teacher-pass-1", "en")
    assert not window.settings_page.sync_section.isVisible()
    click(qtbot, window.sign_out_button)
    window.start_session(services.accounts.sign_in_student(school.small.id, None))
    click(qtbot, window.settings_button)
    assert not window.settings_page.sync_section.isVisible()
