"""A child signs in at a shared PC: class -> name -> PIN, wrong PINs, lockout, idle sign-out."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from PySide6.QtCore import Qt
from ui_helpers import click, tile, visible_texts

from tutor_desktop.core.accounts import AccountService
from tutor_desktop.core.paths import resources_dir


def _english_sources() -> set[str]:
    ts = resources_dir() / "translations" / "tutor_mn.ts"
    return {m.findtext("source", "") for m in ET.parse(ts).getroot().iter("message")}


def _sign_in_anu(qtbot, window, pin: str = "1234") -> None:
    click(qtbot, tile(window, "class:7A"))
    click(qtbot, tile(window, "student:Анужин"))
    pad = window.sign_in_page.pin_pad
    assert window.sign_in_page.steps.currentWidget() is window.sign_in_page.pin_step
    qtbot.keyClicks(pad, pin)
    assert pad.dots.text().count("●") == len(pin)  # the digits themselves are never shown
    qtbot.keyClick(pad, Qt.Key.Key_Return)


def test_student_signs_in_and_switches_the_ui_to_mongolian(qtbot, make_window, school):
    window = make_window("en")
    assert window.sign_in_page.class_title.text() == "Hello! Which class are you in?"

    _sign_in_anu(qtbot, window)
    qtbot.waitUntil(lambda: window.current_page() is window.student_home, timeout=10_000)
    assert window.session.user.display_name == "Анужин"
    assert window.student_home.greeting.text() == "Hello, Анужин!"
    titles = [t.title() for t in window.student_home.grid.tiles]
    assert {"Mathematics", "Physics", "Biology", "Chemistry"} <= set(titles)
    assert window.sign_out_button.text() == "Sign out"

    click(qtbot, window.settings_button)
    assert window.current_page() is window.settings_page
    click(qtbot, tile(window, "language:mn"))
    assert window.settings_page.title.text() == "Тохиргоо"
    assert window.settings_page.sign_out_button.text() == "Гарах"
    click(qtbot, window.settings_page.back_button)

    assert window.current_page() is window.student_home
    assert window.student_home.greeting.text() == "Сайн уу, Анужин!"
    titles = [t.title() for t in window.student_home.grid.tiles]
    assert {"Математик", "Физик", "Биологи", "Хими", "Монгол хэл", "Англи хэл"} <= set(titles)
    assert window.sign_out_button.text() == "Гарах"
    assert window.settings_button.text() == "⚙ Тохиргоо"
    # Nothing a child can see is still an English UI string (names and "English" excepted).
    english = _english_sources() - {"Tutor Desktop"}
    leftovers = [t for t in visible_texts(window) if t in english]
    assert leftovers == []

    # And back: the language switches both ways at run time.
    click(qtbot, window.language_button)
    assert window.student_home.greeting.text() == "Hello, Анужин!"


def test_wrong_pin_is_explained_in_mongolian_and_five_lock_the_account(
        qtbot, make_window, school):
    window = make_window("mn")
    page = window.sign_in_page
    _sign_in_anu(qtbot, window, "9999")
    qtbot.waitUntil(lambda: page.pin_message.isVisible() and not page.busy, timeout=10_000)
    assert page.pin_message.text() == "ПИН код буруу байна. 4 оролдлого үлдлээ."
    assert page.pin_pad.pin == ""  # cleared for the next try
    assert window.session is None

    for _ in range(4):
        qtbot.keyClicks(page.pin_pad, "0000")
        qtbot.keyClick(page.pin_pad, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
    assert page.pin_message.text().startswith("Хэт олон удаа буруу оруулсан тул")

    # Locked: even the right PIN is refused now.
    qtbot.keyClicks(page.pin_pad, "1234")
    qtbot.keyClick(page.pin_pad, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
    assert window.session is None
    assert window.current_page() is page
    assert page.pin_message.text().startswith("Хэт олон удаа буруу оруулсан тул")

    # The message follows a language switch.
    click(qtbot, window.language_button)
    assert page.pin_message.text().startswith("Too many wrong tries.")


def test_student_without_pin_goes_straight_in(qtbot, make_window, school):
    window = make_window("en")
    click(qtbot, tile(window, "class:2A"))
    click(qtbot, tile(window, "student:Болд"))
    qtbot.waitUntil(lambda: window.current_page() is window.student_home, timeout=10_000)
    titles = {t.title() for t in window.student_home.grid.tiles}
    assert "Mathematics" in titles and "Physics" not in titles  # grade 2 subjects


def test_inactivity_signs_the_student_out(qtbot, make_window, services, school):
    now = [1000.0]
    services.accounts = AccountService(services.db, idle_minutes=10, idle_clock=lambda: now[0])
    window = make_window("mn")
    click(qtbot, tile(window, "class:2A"))
    click(qtbot, tile(window, "student:Болд"))
    qtbot.waitUntil(lambda: window.current_page() is window.student_home, timeout=10_000)
    click(qtbot, tile(window, "subject:math"))
    assert window.current_page() is window.chat_page

    now[0] += 9 * 60
    qtbot.keyClick(window, Qt.Key.Key_Shift)  # the child is still typing
    now[0] += 9 * 60
    qtbot.wait(200)
    assert window.session is not None and window.current_page() is window.chat_page

    now[0] += 2 * 60  # eleven quiet minutes
    qtbot.waitUntil(lambda: window.current_page() is window.sign_in_page, timeout=5_000)
    assert window.session is None
    assert window.chat_page.content is None  # the chat widget is gone
    assert window.student_home.grid.tiles == []
    assert window.sign_in_page.steps.currentWidget() is window.sign_in_page.class_step
    assert window.sign_in_page.notice.text() == (
        "Компьютерийг хэсэг хугацаанд хэн ч ашиглаагүй тул автоматаар гаргалаа.")
    assert not window.sign_out_button.isVisible()


def test_chat_page_opens_for_the_subject_and_goes_back(qtbot, make_window, school):
    window = make_window("mn")
    click(qtbot, tile(window, "class:2A"))
    click(qtbot, tile(window, "student:Болд"))
    qtbot.waitUntil(lambda: window.current_page() is window.student_home, timeout=10_000)
    click(qtbot, tile(window, "subject:math"))
    assert window.chat_page.subject_title.text() == "Математик"
    # The chat always ships with the app: its view opens even before any model is installed.
    chat = window.chat_page.content
    assert chat is not None and chat.objectName() == "chatView"
    assert chat.subject == "math" and chat.grade == 2
    click(qtbot, window.chat_page.back_button)
    assert window.current_page() is window.student_home
    assert window.chat_page.content is None


def test_staff_sign_in_with_wrong_password_then_right(qtbot, make_window, school):
    window = make_window("en")
    page = window.sign_in_page
    click(qtbot, page.staff_link)
    qtbot.keyClicks(page.username, "bat")
    qtbot.keyClicks(page.password, "nope-nope")
    click(qtbot, page.staff_button)
    qtbot.waitUntil(lambda: page.staff_message.isVisible(), timeout=10_000)
    assert page.staff_message.text() == "Wrong name or password. 4 tries left."
    assert page.password.text() == ""
    qtbot.keyClicks(page.password, "teacher-pass-1")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.teacher_page, timeout=10_000)
    assert window.user_label.text() == "Bat Teacher"
    click(qtbot, window.sign_out_button)
    assert window.current_page() is page and window.session is None
