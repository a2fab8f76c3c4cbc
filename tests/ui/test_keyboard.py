"""A student can do everything with the keyboard alone, and read it bigger.

Sign in (class -> name -> PIN: arrows and Enter on the tiles, digits and Enter on
the PIN pad, Esc one step back), open a subject, ask (Enter sends), read the
answer (Page Up/Down from the box) and ask for a hint (Ctrl+H): every step is a
key press sent to the widget that has the keyboard focus, never a click. Every
button a student meets has a name a screen reader can say. The text size is a
setting of the PC that the next start keeps.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QWidget
from ui_helpers import type_text

from tutor_desktop.core.storage.settings import get_setting

WINDOW: list[QWidget] = []


def _focused() -> QWidget:
    """The widget that has the keyboard in the window (an empty one while none has).

    Asked of the window, not of the application: the offscreen platform drops the
    window's activation when a focused widget is hidden (a step of the sign-in), which
    a desktop does not; the widget the window would give the keys to is what counts."""
    return WINDOW[-1].focusWidget() or QWidget()


def _focus() -> QWidget:
    widget = _focused()
    assert widget.parent() is not None, "nothing has the keyboard"
    return widget


def _key(qtbot, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """Press and release ``key`` on the widget with the keyboard focus (QTest: shortcuts
    such as Ctrl+H are matched as on a real keyboard)."""
    qtbot.keyClick(_focus(), key, modifier)


def _unnamed_buttons(root: QWidget) -> list[str]:
    """Visible buttons with nothing a screen reader could say (icon or symbol only)."""
    found = []
    for widget in root.findChildren(QAbstractButton):
        if not widget.isVisible():
            continue
        said = widget.accessibleName() or widget.text()
        if not any(ch.isalpha() or ch.isdigit() for ch in said):
            found.append(f"{type(widget).__name__} {widget.objectName()!r} {widget.text()!r}")
    return found


def test_a_student_signs_in_asks_and_gets_a_hint_with_the_keyboard_only(
        qtbot, make_window, services, school) -> None:
    window = make_window("mn")
    WINDOW.append(window)
    window.activateWindow()
    qtbot.waitActive(window)
    page = window.sign_in_page
    unnamed: list[str] = []
    # Classes: the first tile has the keyboard; the arrow moves to 7A; Enter chooses.
    qtbot.waitUntil(lambda: _focused().objectName() == "class:2A", timeout=5_000)
    unnamed += _unnamed_buttons(window)
    _key(qtbot, Qt.Key.Key_Right)
    assert _focus().objectName() == "class:7A"
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _focused().objectName() == "student:Анужин", timeout=5_000)
    # Esc goes back a step, Enter comes forward again.
    _key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: _focused().objectName() == "class:2A", timeout=5_000)
    _key(qtbot, Qt.Key.Key_Right)
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _focused().objectName() == "student:Анужин", timeout=5_000)
    unnamed += _unnamed_buttons(window)
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _focused() is page.pin_pad, timeout=5_000)
    unnamed += _unnamed_buttons(window)
    qtbot.keyClicks(_focus(), "1234")
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.student_home, timeout=10_000)

    # Subjects: Tab/arrows reach physics, Enter opens it.
    home = window.student_home
    qtbot.waitUntil(lambda: _focused() in home.grid.tiles, timeout=5_000)
    unnamed += _unnamed_buttons(window)
    for _ in range(len(home.grid.tiles)):
        if _focus().objectName() == "subject:physics":
            break
        _key(qtbot, Qt.Key.Key_Right)
    assert _focus().objectName() == "subject:physics"
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.chat_page, timeout=10_000)

    # The chat: the box has the keyboard; Enter sends.
    view = window.chat_page.content
    assert view is not None
    qtbot.waitUntil(lambda: _focused() is view.input, timeout=5_000)
    unnamed += _unnamed_buttons(window)
    keys = view.keys_label.text()
    assert "Ctrl+H" in keys and "Esc" in keys and "Enter" in keys, keys
    type_text(view.input, "Хүч гэж юу вэ?")
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.busy and view.hint_button.isEnabled(), timeout=120_000)
    answers = [m for m in view.messages if m.role == "assistant"]
    assert len(answers) == 1
    # Reading: Page Up from the box scrolls the transcript.
    bar = view.transcript.verticalScrollBar()
    if bar.maximum() > 0:
        bar.setValue(bar.maximum())
        _key(qtbot, Qt.Key.Key_PageUp)
        assert bar.value() < bar.maximum()
        assert _focus() is view.input
    # A hint: Ctrl+H, the keyboard still in the box.
    assert _focus() is view.input
    _key(qtbot, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len([m for m in view.messages if m.role == "assistant"]) == 2
                    and not view.busy, timeout=120_000)
    # Tab leaves the box for Send, then the hint, then the conversation to read.
    _key(qtbot, Qt.Key.Key_Tab)
    assert _focus() is view.send_button
    assert not unnamed, unnamed


def test_text_size_is_a_setting_of_the_pc(qtbot, make_window, services, school) -> None:
    window = make_window("mn")
    normal = QApplication.font().pointSizeF()
    sign_in = window.sign_in_page
    qtbot.keyClicks(sign_in.username, "")
    window.sign_in_page.show_staff()
    qtbot.keyClicks(sign_in.username, "bat")
    qtbot.keyClicks(sign_in.password, "teacher-pass-1")
    qtbot.keyClick(sign_in.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.teacher_page, timeout=10_000)
    window.show_settings()
    combo = window.settings_page.findChild(QComboBox, "textSize")
    assert combo is not None and combo.isVisible()
    assert combo.accessibleName()
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)   # Normal -> Large, keyboard only
    qtbot.waitUntil(lambda: get_setting(services.db, "ui_text_size", 100) == 125,
                    timeout=10_000)
    assert QApplication.font().pointSizeF() == normal * 1.25
    title = window.app_title
    big = title.fontInfo().pixelSize()
    # Another start of the app on this PC: the same size, before anyone signs in.
    window.sign_out()
    again = make_window("mn")
    assert QApplication.font().pointSizeF() == normal * 1.25
    assert again.app_title.fontInfo().pixelSize() == big
    again.apply_text_size(100)
    assert QApplication.font().pointSizeF() == normal
