"""Helpers for the window tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QPushButton, QWidget


def tile(window: QWidget, name: str) -> QPushButton:
    found = window.findChild(QPushButton, name)
    assert found is not None, f"no button {name!r}"
    return found


def click(qtbot, widget: QWidget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def visible_texts(root: QWidget) -> list[str]:
    """Every text a user can see under ``root`` (labels, buttons, tiles)."""
    texts: list[str] = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root) or not widget.isVisible():
            continue
        if isinstance(widget, QLabel | QAbstractButton) and widget.text():
            texts.append(widget.text())
        elif isinstance(widget, QLineEdit) and widget.placeholderText():
            texts.append(widget.placeholderText())
    return texts


def type_text(widget: QWidget, text: str) -> None:
    """Type ``text`` as key presses, Cyrillic included (QTest.keyClicks asserts on non-ASCII)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown,
                                                     Qt.KeyboardModifier.NoModifier, char))


def sign_in_staff(qtbot, window, username: str, password: str) -> None:
    """Sign a teacher or admin in on the window's sign-in page (Enter in the password box)
    and wait for the teacher area."""
    page = window.sign_in_page
    click(qtbot, page.staff_link)
    qtbot.keyClicks(page.username, username)
    qtbot.keyClicks(page.password, password)
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.teacher_page, timeout=10_000)
