"""Changing one's password in Settings and the admin's reset in the Teachers tab."""

from __future__ import annotations

import pytest
from ui_helpers import click, sign_in_staff

from tutor_desktop.core.i18n import TutorError


def _staff_window(qtbot, make_window, username: str, password: str, language: str):
    window = make_window(language)
    sign_in_staff(qtbot, window, username, password)
    return window


def test_a_teacher_changes_their_password_in_settings(qtbot, make_window, services, school):
    window = _staff_window(qtbot, make_window, "bat", "teacher-pass-1", "mn")
    click(qtbot, window.settings_button)
    section = window.settings_page.password_section
    assert section.isVisible() and section.title.text() == "Таны нууц үг"

    qtbot.keyClicks(section.current, "teacher-pass-1")
    qtbot.keyClicks(section.new, "bat-new-pass")
    qtbot.keyClicks(section.again, "bat-new-pazz")
    click(qtbot, section.change_button)
    assert section.message.text() == "Хоёр шинэ нууц үг ижил биш байна."

    section.again.clear()
    qtbot.keyClicks(section.again, "bat-new-pass")
    click(qtbot, section.change_button)
    qtbot.waitUntil(lambda: section.change_button.isEnabled() and section.message.isVisible(),
                    timeout=10_000)
    assert section.message.text().startswith("Нууц үг тань солигдлоо")
    assert (section.current.text(), section.new.text(), section.again.text()) == ("", "", "")
    assert services.accounts.sign_in_staff("bat", "bat-new-pass", source="t")
    with pytest.raises(TutorError):
        services.accounts.sign_in_staff("bat", "teacher-pass-1", source="t")

    # A wrong current password is said plainly, and nothing changes.
    qtbot.keyClicks(section.current, "not-my-password")
    qtbot.keyClicks(section.new, "third-pass-1")
    qtbot.keyClicks(section.again, "third-pass-1")
    click(qtbot, section.change_button)
    qtbot.waitUntil(lambda: section.change_button.isEnabled() and section.message.isVisible(),
                    timeout=10_000)
    assert section.message.text().startswith("Одоогийн нууц үг буруу байна.")
    assert services.accounts.sign_in_staff("bat", "bat-new-pass", source="t")

    # The next person at the PC sees neither the section's typing nor the message.
    click(qtbot, window.sign_out_button)
    assert section.new.text() == "" and not section.message.isVisible()


def test_students_have_no_password_section(qtbot, make_window, services, school):
    window = make_window("mn")
    window.start_session(services.accounts.sign_in_student(school.small.id, None))
    click(qtbot, window.settings_button)
    assert not window.settings_page.password_section.isVisible()


def test_an_admin_sets_a_new_password_for_a_teacher(qtbot, make_window, services, school):
    window = _staff_window(qtbot, make_window, "admin", "admin-pass-1", "mn")
    page = window.teacher_page
    page.tabs.setCurrentWidget(page.teachers_tab)
    qtbot.waitUntil(lambda: page.staff_table.rowCount() == 2, timeout=10_000)
    assert page.staff_password_button.text() == "Нууц үг тохируулах"

    page.select_teacher("bat")
    qtbot.keyClicks(page.staff_password, "reset-by-admin")
    click(qtbot, page.staff_password_button)
    qtbot.waitUntil(lambda: "солигдлоо" in page.staff_message.text(), timeout=10_000)
    assert page.staff_message.text().startswith("Bat Teacher-ийн нууц үг солигдлоо.")
    assert page.staff_password.text() == ""
    assert services.accounts.sign_in_staff("bat", "reset-by-admin", source="t")

    # The admin's own row is not reset here (Settings asks for the current password).
    page.select_teacher("admin")
    qtbot.keyClicks(page.staff_password, "reset-by-admin")
    click(qtbot, page.staff_password_button)
    assert page.staff_message.text() == "Эхлээд жагсаалтаас багш сонгоно уу."
