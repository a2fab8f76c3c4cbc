"""Every page fits a lab PC's small screen and clips no text, in Mongolian.

Lab PCs run 1366×768 or 1024×768 with a taskbar (~40 px). At both sizes, each page
of the window is walked; a label, button or field whose text is wider than the
widget (font metrics against its width) fails the test, as does a window or
dialog larger than the screen. Word-wrapped labels are excepted: they wrap (but
only between phrases: "7-р ангийн хөтөлбөр" never breaks inside). The room a
widget has is what the style leaves after the stylesheet's padding and borders
(``subElementRect``): a field 200 px wide with 12 px padding and a 2 px border
shows 168 px of placeholder, not 188.
"""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyleOptionButton,
    QStyleOptionFrame,
    QWidget,
)
from ui_helpers import click, tile

SIZES = [(1024, 768 - 40), (1366, 768 - 40)]
LONG_TITLE = "Фотосинтезийн үед ургамал нарны гэрлийн энергийг хэрхэн ашигладаг вэ гэдгийг"


def _clipped(root: QWidget) -> list[str]:
    """``class 'text' needs N px, has M`` for every visible widget that cuts its text."""
    found = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisible() or widget.width() <= 0:
            continue
        metrics = QFontMetrics(widget.font())
        if isinstance(widget, QLabel):
            text = widget.text()
            if (not text or widget.wordWrap() or widget.textFormat() == Qt.TextFormat.RichText
                    or "<" in text):
                continue
            room = widget.contentsRect().width() - 2 * widget.margin()
        elif isinstance(widget, QPushButton):
            text = widget.text()
            if not text:
                continue
            icon = widget.iconSize().width() + 4 if not widget.icon().isNull() else 0
            room = _button_room(widget) - icon
        elif isinstance(widget, QLineEdit):
            text = widget.text() or widget.placeholderText()
            if not text or widget.text():
                continue   # typed text scrolls inside a field; a placeholder must fit
            room = _field_room(widget)
        else:
            continue
        if isinstance(widget, QPushButton) or (isinstance(widget, QLabel) and widget.buddy()):
            text = re.sub(r"&(?!&)", "", text)   # a mnemonic's "&" is drawn as an underline
        need = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
        if need > room:
            found.append(f"{type(widget).__name__} {widget.objectName() or ''} {text!r} "
                         f"needs {need} px, has {room}")
    return found


def _field_room(field: QLineEdit) -> int:
    """The width a field shows its placeholder in, as QLineEdit's paintEvent computes it:
    the style's contents rectangle (stylesheet padding and border taken off), minus text
    margins, Qt's 2 px on each side and the font's left bearing (it elides beyond)."""
    option = QStyleOptionFrame()
    field.initStyleOption(option)
    rect = field.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, field)
    margins = field.textMargins()
    bearing = max(0, -field.fontMetrics().minLeftBearing())
    return rect.width() - margins.left() - margins.right() - 4 - bearing


def _button_room(button: QPushButton) -> int:
    """The width a button shows its text in, after the stylesheet's padding and border."""
    option = QStyleOptionButton()
    button.initStyleOption(option)
    rect = button.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option,
                                         button)
    return rect.width()


def _breaks_inside_a_phrase(root: QWidget) -> list[str]:
    """Wrapped labels whose text may break inside a phrase ("7-р ангийн / хөтөлбөр"):
    the words of a phrase are joined by no-break spaces; only " · " separates."""
    found = []
    for widget in root.findChildren(QLabel):
        text = widget.text()
        if (widget.isVisible() and widget.wordWrap() and " · " in text
                and any(" " in part for part in text.split(" · "))):
            found.append(f"{widget.objectName() or 'label'} {text!r} may break mid-phrase")
    return found


def _fits(window: QWidget, size: tuple[int, int]) -> None:
    hint = window.minimumSizeHint()
    assert hint.width() <= size[0] and hint.height() <= size[1], \
        f"the window needs {hint.width()}×{hint.height()}, the screen has {size}"
    window.resize(*size)
    assert (window.width(), window.height()) == size


def _check(qtbot, window: QWidget, size: tuple[int, int], where: str) -> list[str]:
    qtbot.wait(30)
    assert (window.width(), window.height()) == size, where
    return [f"{where} at {size[0]}×{size[1]}: {problem}"
            for problem in _clipped(window) + _breaks_inside_a_phrase(window)]


@pytest.mark.parametrize("size", SIZES, ids=["1024x768", "1366x768"])
def test_every_page_fits_a_small_screen_in_mongolian(
        qtbot, make_window, services, school, size) -> None:
    accounts = services.accounts
    student = accounts.sign_in_student(school.anu.id, "1234")
    conversation = services.conversations.create(student, subject="physics", grade=7)
    services.conversations.rename(student, conversation.id, LONG_TITLE)

    window = make_window("mn")
    _fits(window, size)
    problems = _check(qtbot, window, size, "sign-in")
    click(qtbot, tile(window, "class:7A"))
    problems += _check(qtbot, window, size, "names")
    click(qtbot, tile(window, "student:Анужин"))
    problems += _check(qtbot, window, size, "PIN pad")
    pad = window.sign_in_page.pin_pad
    qtbot.keyClicks(pad, "1234")
    qtbot.keyClick(pad, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.student_home, timeout=10_000)
    problems += _check(qtbot, window, size, "student home")
    click(qtbot, tile(window, "subject:physics"))
    problems += _check(qtbot, window, size, "chat")
    box = window.findChild(QWidget, "chatInput")
    assert box is not None and box.width() >= size[0] // 2, \
        f"the question box is {box.width() if box else 0} px wide: too narrow to write in"
    chat = window.findChild(QWidget, "chatConversations")
    assert chat is not None and chat.isVisible()
    qtbot.waitUntil(lambda: chat.count() >= 1, timeout=10_000)
    assert chat.horizontalScrollBar().maximum() == 0, \
        "a conversation title must be readable without scrolling sideways"
    click(qtbot, window.settings_button)
    problems += _check(qtbot, window, size, "settings (student)")
    click(qtbot, window.sign_out_button)

    page = window.sign_in_page
    click(qtbot, page.staff_link)
    problems += _check(qtbot, window, size, "staff sign-in")
    qtbot.keyClicks(page.username, "admin")
    qtbot.keyClicks(page.password, "admin-pass-1")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.teacher_page, timeout=10_000)
    teacher = window.teacher_page
    for index in range(teacher.tabs.count()):
        teacher.tabs.setCurrentIndex(index)
        problems += _check(qtbot, window, size, f"teacher tab {teacher.tabs.tabText(index)!r}")
    click(qtbot, window.settings_button)
    problems += _check(qtbot, window, size, "settings (admin)")
    assert not problems, "\n".join(problems)


def test_the_page_viewer_fits_the_screen(qtbot, services, ui_lang) -> None:
    from tutor_desktop.ui.library_view import make_page_viewer

    ui_lang.set_language("mn")
    dialog = make_page_viewer(("no-such-book", 1), services)
    qtbot.addWidget(dialog)
    dialog.show()
    screen = (dialog.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    frame = dialog.frameGeometry()
    assert frame.width() <= screen.width() and frame.height() <= screen.height(), \
        f"the viewer opens {frame.width()}×{frame.height()} on a {screen.width()}×" \
        f"{screen.height()} screen"
