"""First-run set-up and the teacher area, driven through the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from ui_helpers import click, type_text

from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.storage.settings import get_setting


def test_first_run_setup_creates_the_school(qtbot, make_window, services):
    window = make_window("en")
    page = window.setup_page
    assert window.current_page() is page
    assert not services.accounts.is_set_up()

    type_text(page.school_name, "Сургууль 5")
    type_text(page.admin_name, "Дорж")
    qtbot.keyClicks(page.username, "dorj")
    qtbot.keyClicks(page.password, "long-password")
    qtbot.keyClicks(page.password_again, "other-password")
    page.language.setCurrentIndex(page.language.findData("mn"))
    click(qtbot, page.create_button)
    assert page.message.text() == "The two passwords are not the same."

    page.password_again.clear()
    qtbot.keyClicks(page.password_again, "long-password")
    click(qtbot, page.create_button)
    qtbot.waitUntil(lambda: window.current_page() is window.sign_in_page, timeout=10_000)

    assert services.accounts.is_set_up()
    assert services.accounts.school_name() == "Сургууль 5"
    assert get_setting(services.db, "default_language") == "mn"
    # The chosen default language is on at once, and the admin is asked to sign in.
    assert window.sign_in_page.steps.currentWidget() is window.sign_in_page.staff_step
    assert window.sign_in_page.staff_title.text() == "Багшийн нэвтрэлт"
    assert window.school_label.text() == "Сургууль 5"
    services.accounts.sign_in_staff("dorj", "long-password")


def _teacher_window(qtbot, make_window):
    window = make_window("en")
    page = window.sign_in_page
    click(qtbot, page.staff_link)
    qtbot.keyClicks(page.username, "bat")
    qtbot.keyClicks(page.password, "teacher-pass-1")
    click(qtbot, page.staff_button)
    qtbot.waitUntil(lambda: window.current_page() is window.teacher_page, timeout=10_000)
    return window, window.teacher_page


def test_teacher_adds_a_student_and_resets_a_pin(qtbot, make_window, services, school):
    window, page = _teacher_window(qtbot, make_window)
    # A teacher sees only their own class, and no "Teachers" tab.
    assert [page.class_combo.itemText(i) for i in range(page.class_combo.count())] == [
        "7A (grade 7)"]
    assert page.tabs.indexOf(page.teachers_tab) < 0
    assert page.table.rowCount() == 2

    type_text(page.new_name, "Сарнай")
    qtbot.keyClicks(page.new_pin, "12")
    click(qtbot, page.add_button)
    qtbot.waitUntil(lambda: page.add_button.isEnabled(), timeout=10_000)
    assert page.message.text() == "A PIN is 4 to 6 digits."
    assert page.table.rowCount() == 2

    page.new_pin.clear()
    qtbot.keyClicks(page.new_pin, "2468")
    click(qtbot, page.add_button)
    qtbot.waitUntil(lambda: page.table.rowCount() == 3, timeout=10_000)
    assert page.message.text() == "Сарнай was added."
    sarnai = next(s for s in page.students if s.display_name == "Сарнай")
    services.accounts.sign_in_student(sarnai.id, "2468")

    page.select_student("Сарнай")
    qtbot.keyClicks(page.reset_pin_edit, "1357")
    click(qtbot, page.reset_button)
    qtbot.waitUntil(lambda: "changed" in page.message.text(), timeout=10_000)
    assert page.message.text() == "The PIN of Сарнай was changed."
    services.accounts.sign_in_student(sarnai.id, "1357")
    try:
        services.accounts.sign_in_student(sarnai.id, "2468")
    except TutorError as error:
        assert error.message_id == "wrong_pin"
    else:  # pragma: no cover - the old PIN must stop working
        raise AssertionError("old PIN still works")

    # The confirmation follows the language.
    window.set_language("mn")
    assert page.message.text() == "ПИН код солигдлоо: Сарнай."
    assert page.reset_button.text() == "ПИН код солих"


def test_teacher_imports_a_roster_and_changes_class_settings(
        qtbot, make_window, services, school, tmp_path: Path):
    _, page = _teacher_window(qtbot, make_window)
    bad = tmp_path / "bad.csv"
    bad.write_text("name,pin\nБат,1111\n,2222\n", encoding="utf-8")
    page.import_roster_file(str(bad))
    qtbot.waitUntil(lambda: page.import_button.isEnabled() and page.message.isVisible(),
                    timeout=10_000)
    assert page.message.text() == "Roster line 3: empty name"
    assert page.table.rowCount() == 2  # nothing half-imported

    good = tmp_path / "7a.csv"
    good.write_text("\ufeffname,pin\nБат,1111\nЦэцэг,2222\nӨнөр,3333\n", encoding="utf-8")
    page.import_roster_file(str(good))
    qtbot.waitUntil(lambda: page.table.rowCount() == 5, timeout=20_000)
    assert page.message.text() == "3 students were added."
    names = {page.table.item(r, 0).text() for r in range(page.table.rowCount())}
    assert {"Бат", "Цэцэг", "Өнөр"} <= names

    page.allow_no_pin.setChecked(True)
    page.daily_limit.setValue(20)
    click(qtbot, page.save_settings_button)
    qtbot.waitUntil(lambda: page.message.text() == "Settings saved.", timeout=10_000)
    updated = services.accounts.get_class(school.class_7a.id)
    assert updated.allow_no_pin and updated.daily_message_limit == 20


def test_admin_creates_a_class_and_a_teacher(qtbot, make_window, services, school):
    window = make_window("en")
    page = window.sign_in_page
    click(qtbot, page.staff_link)
    qtbot.keyClicks(page.username, "admin")
    qtbot.keyClicks(page.password, "admin-pass-1")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.teacher_page, timeout=10_000)
    teacher = window.teacher_page
    assert teacher.tabs.indexOf(teacher.teachers_tab) >= 0

    type_text(teacher.new_class_name, "9Б")
    teacher.new_class_grade.setValue(9)
    click(qtbot, teacher.create_class_button)
    qtbot.waitUntil(lambda: teacher.message.text() == "Class 9Б was created.", timeout=10_000)
    assert teacher.current_class() is not None and teacher.current_class().name == "9Б"

    teacher.tabs.setCurrentWidget(teacher.teachers_tab)
    type_text(teacher.teacher_name, "Оюун")
    qtbot.keyClicks(teacher.teacher_username, "oyun")
    qtbot.keyClicks(teacher.teacher_password, "oyun-pass-12")
    teacher.teacher_class.setCurrentIndex(teacher.teacher_class.findText("9Б"))
    click(qtbot, teacher.add_teacher_button)
    qtbot.waitUntil(lambda: teacher.teacher_message.text() == "Оюун can now sign in.",
                    timeout=10_000)
    oyun = services.accounts.sign_in_staff("oyun", "oyun-pass-12")
    assert [c.name for c in services.accounts.classes_for(oyun)] == ["9Б"]
