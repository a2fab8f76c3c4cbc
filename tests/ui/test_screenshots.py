"""Offscreen screenshots of the main screens in Mongolian, for a human to look at.

Saved to ``screenshots/`` (git-ignored). The test also checks that the font
each visible widget uses has a glyph for every character it shows, so no
Mongolian letter is drawn as a box even where the system has no such font.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QImage
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget
from ui_helpers import click, tile

from tutor_desktop.core.paths import install_dir

SHOTS = install_dir() / "screenshots"


def _boxes(root: QWidget) -> list[str]:
    """``text: char`` for every visible character the widget's font cannot draw."""
    missing = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or not isinstance(widget, QLabel | QAbstractButton):
            continue
        metrics = QFontMetrics(widget.font())
        for char in widget.text():
            if not char.isspace() and not metrics.inFontUcs4(ord(char)):
                missing.append(f"{widget.text()!r}: {char!r} ({widget.font().family()})")
    return missing


def _drawn(image: QImage) -> int:
    """How many distinct colours a 1-in-4 sample of the pixels holds (a blank screen: 1-3)."""
    colours = {image.pixel(x, y) for x in range(0, image.width(), 4)
               for y in range(0, image.height(), 4)}
    return len(colours)


def _shot(qtbot, window, name: str) -> QImage:
    qtbot.wait(30)
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    image = window.grab().toImage()
    assert image.save(str(path))
    assert _boxes(window) == []
    # Really drawn: anti-aliased text and icons give many shades; an empty window a few.
    assert image.size() == window.size() * window.devicePixelRatio()
    assert _drawn(image) > 40, name
    return image


def test_screenshots_in_mongolian(qtbot, make_window, services, school) -> None:
    accounts = services.accounts
    for name, grade in (("4Б", 4), ("10В", 10), ("12А", 12)):
        accounts.create_class(school.admin, name, grade)
    for name in ("Өлзийбаяр", "Үүрцайх", "Номин-Эрдэнэ", "Ганзориг"):
        accounts.create_student(school.admin, school.class_7a.id, name, "4321")

    window = make_window("mn")
    window.resize(1100, 720)
    shots = [_shot(qtbot, window, "sign_in_mn")]
    click(qtbot, tile(window, "class:7A"))
    shots.append(_shot(qtbot, window, "sign_in_names_mn"))
    click(qtbot, tile(window, "student:Анужин"))
    pad = window.sign_in_page.pin_pad
    qtbot.keyClicks(pad, "1111")
    qtbot.keyClick(pad, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.sign_in_page.pin_message.isVisible(), timeout=10_000)
    qtbot.keyClicks(pad, "12")
    shots.append(_shot(qtbot, window, "pin_pad_mn"))
    qtbot.keyClicks(pad, "34")
    qtbot.keyClick(pad, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.student_home, timeout=10_000)
    shots.append(_shot(qtbot, window, "student_home_mn"))
    click(qtbot, tile(window, "subject:physics"))
    shots.append(_shot(qtbot, window, "chat_mn"))
    click(qtbot, window.sign_out_button)

    page = window.sign_in_page
    click(qtbot, page.staff_link)
    qtbot.keyClicks(page.username, "bat")
    qtbot.keyClicks(page.password, "teacher-pass-1")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.teacher_page, timeout=10_000)
    window.teacher_page.select_student("Анужин")
    shots.append(_shot(qtbot, window, "teacher_area_mn"))
    click(qtbot, window.settings_button)
    shots.append(_shot(qtbot, window, "settings_mn"))
    # Every step changed what the user sees (a page that failed to switch would repeat).
    for before, after in itertools.pairwise(shots):
        assert before != after
