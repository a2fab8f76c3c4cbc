"""The admin's Teachers tab: who teaches which class, and assigning a teacher to a class."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget
from ui_helpers import click

from tutor_desktop.core.paths import install_dir


def _admin_teachers_tab(qtbot, make_window, language: str = "en", rows: int = 2):
    window = make_window(language)
    page = window.sign_in_page
    click(qtbot, page.staff_link)
    qtbot.keyClicks(page.username, "admin")
    qtbot.keyClicks(page.password, "admin-pass-1")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.teacher_page, timeout=10_000)
    teacher = window.teacher_page
    teacher.tabs.setCurrentWidget(teacher.teachers_tab)
    qtbot.waitUntil(lambda: teacher.staff_table.rowCount() == rows, timeout=10_000)
    return window, teacher


def _column(page, column: int) -> list[str]:
    table = page.staff_table
    return [table.item(row, column).text() for row in range(table.rowCount())]


def test_admin_sees_teachers_and_assigns_a_class(qtbot, make_window, services, school):
    window, page = _admin_teachers_tab(qtbot, make_window)
    assert _column(page, 0) == ["Admin", "Bat Teacher"]
    assert _column(page, 1) == ["admin", "bat"]
    assert page.staff_classes_text("bat") == "7A"
    assert page.staff_classes_text("admin") == "All classes (admin)"

    # Assign without choosing a teacher: told what to do, nothing changes.
    page.assign_class.setCurrentIndex(page.assign_class.findText("2A"))
    click(qtbot, page.assign_button)
    assert page.staff_message.text() == "Select a teacher in the list first."

    page.select_teacher("bat")
    click(qtbot, page.assign_button)
    qtbot.waitUntil(lambda: page.staff_classes_text("bat") == "2A, 7A", timeout=10_000)
    assert page.staff_message.text() == "Bat Teacher now teaches 2A."
    bat = services.accounts.sign_in_staff("bat", "teacher-pass-1")
    assert [c.name for c in services.accounts.classes_for(bat)] == ["2A", "7A"]

    # A teacher added here shows up in the list at once.
    qtbot.keyClicks(page.teacher_name, "Oyun")
    qtbot.keyClicks(page.teacher_username, "oyun")
    qtbot.keyClicks(page.teacher_password, "oyun-pass-12")
    click(qtbot, page.add_teacher_button)
    qtbot.waitUntil(lambda: page.staff_table.rowCount() == 3, timeout=10_000)
    assert page.staff_classes_text("oyun") == "(no class yet)"

    # Signing out clears the list on this shared PC.
    click(qtbot, window.sign_out_button)
    assert page.staff_table.rowCount() == 0


def test_teachers_tab_screenshot_in_mongolian(qtbot, make_window, services, school):
    accounts = services.accounts
    accounts.create_teacher(school.admin, "saraa", "Сараа Батбаяр", "saraa-pass-1",
                            (school.class_2a.id,))
    accounts.create_teacher(school.admin, "ganaa", "Ганбаатар", "ganaa-pass-1")
    window, page = _admin_teachers_tab(qtbot, make_window, "mn", rows=4)
    window.resize(1100, 720)
    assert page.tabs.tabText(page.tabs.indexOf(page.teachers_tab)) == "Багш нар"
    assert [page.staff_table.horizontalHeaderItem(i).text() for i in range(3)] == [
        "Нэр", "Нэвтрэх нэр", "Ангиуд"]
    assert page.assign_button.text() == "Оноох"
    assert page.staff_classes_text("ganaa") == "(одоохондоо ангигүй)"
    page.select_teacher("bat")
    qtbot.wait(30)
    shots = install_dir() / "screenshots"
    shots.mkdir(exist_ok=True)
    assert window.grab().save(str(shots / "teachers_tab_mn.png"))
    missing = [f"{w.text()!r}: {c!r}" for w in window.findChildren(QWidget)
               if w.isVisible() and isinstance(w, QLabel | QAbstractButton)
               for c in w.text()
               if not c.isspace() and not QFontMetrics(w.font()).inFontUcs4(ord(c))]
    assert missing == []
