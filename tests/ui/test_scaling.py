"""150 % scaling on a 1366×768 lab screen: every screen a student meets still works.

QT_SCALE_FACTOR=1.5 makes every logical pixel 1.5 device pixels, so a 1366×768
screen with a 40 px taskbar leaves 910×485 logical pixels: the window lays out
exactly as an unscaled one of that size (fonts are in logical pixels too). The
walk checks that the window can be that small, that no text is cut, and that
every button and field a student uses is either on screen or reachable by
scrolling, at its full height (a squeezed button is a clipped one). One run
under the real scale factor checks the arithmetic and saves a screenshot.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from test_screenshots import SHOTS
from test_small_screens import _clipped
from ui_helpers import click, tile

SCALED = (910, 768 * 2 // 3 - 27)   # 1366×768 at 150 %, less a 40 px taskbar


def _unreachable(window: Any) -> list[str]:
    """Controls outside the window that no scroll area can bring into view, or squeezed."""
    page = window.current_page()
    found = []
    visible = QRect(QPoint(0, 0), window.size())
    for widget in page.findChildren(QWidget):
        if not widget.isVisible() or not isinstance(
                widget, QAbstractButton | QLineEdit | QTextEdit | QPlainTextEdit):
            continue
        name = f"{type(widget).__name__} {widget.objectName()!r} {getattr(widget, 'text', str)()!r}"
        if widget.height() < min(widget.minimumSizeHint().height(), 24):
            found.append(f"{name} squeezed to {widget.height()} px")
        box = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        if visible.contains(box):
            continue
        scrolls = False
        parent = widget.parentWidget()
        while parent is not None and parent is not window:
            if isinstance(parent, QAbstractScrollArea) and (
                    parent.verticalScrollBar().maximum() > 0
                    or parent.horizontalScrollBar().maximum() > 0):
                scrolls = True
                break
            parent = parent.parentWidget()
        if not scrolls:
            found.append(f"{name} at {box.getRect()} is off screen and nothing scrolls")
    return found


def _check(qtbot, window, where: str) -> list[str]:
    qtbot.wait(40)
    assert (window.width(), window.height()) == SCALED, \
        f"{where}: the window needs {window.minimumSizeHint().toTuple()}"
    return [f"{where}: {p}" for p in _clipped(window) + _unreachable(window)]


def test_every_student_screen_works_at_150_percent(qtbot, make_window, services,
                                                    school) -> None:
    window = make_window("mn")
    hint = window.minimumSizeHint()
    assert hint.width() <= SCALED[0] and hint.height() <= SCALED[1], hint
    window.resize(*SCALED)
    problems = _check(qtbot, window, "classes")
    click(qtbot, tile(window, "class:7A"))
    problems += _check(qtbot, window, "names")
    click(qtbot, tile(window, "student:Анужин"))
    problems += _check(qtbot, window, "PIN pad")
    pad = window.sign_in_page.pin_pad
    qtbot.keyClicks(pad, "1234")
    qtbot.keyClick(pad, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.student_home, timeout=10_000)
    problems += _check(qtbot, window, "student home")
    click(qtbot, window.student_home.progress_button)
    problems += _check(qtbot, window, "my progress")
    window.show_page(window.student_home)
    click(qtbot, tile(window, "subject:physics"))
    problems += _check(qtbot, window, "chat")
    click(qtbot, window.settings_button)
    problems += _check(qtbot, window, "settings (student)")
    assert not problems, "\n".join(problems)


def test_the_real_scale_factor_gives_that_size(tmp_path: Path) -> None:
    """Under QT_SCALE_FACTOR=1.5 a 1366×768 offscreen screen is 910×512 logical pixels,
    and the window opened in it fits (a screenshot is saved for a person to look at)."""
    script = f"""
import sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
screen = app.primaryScreen().geometry()
print(screen.width(), screen.height(), app.primaryScreen().devicePixelRatio())
from tutor_desktop.composition import build_services
from tutor_desktop.ui.app import load_fonts
from tutor_desktop.ui.i18n import ui_language
from tutor_desktop.ui.main_window import MainWindow
load_fonts(app)
services = build_services({str(tmp_path)!r})
services.accounts.first_run_setup("Сургууль 1", "Админ", "admin", "admin-pass-1", "mn")
language = ui_language()
window = MainWindow(services, language=language)
language.set_language("mn")
window.show()
window.resize({SCALED[0]}, {SCALED[1]})
app.processEvents()
print(window.width(), window.height())
window.grab().save({str(SHOTS / "sign_in_150pct_mn.png")!r})
window.shutdown()
services.close()
"""
    SHOTS.mkdir(exist_ok=True)
    # The offscreen platform's screen is described in a JSON file (Qt 6.5+).
    config = tmp_path / "screen.json"
    config.write_text('{"screens": [{"name": "lab", "x": 0, "y": 0, "width": 1366, '
                      '"height": 768, "logicalDpiX": 96, "logicalDpiY": 96, "dpr": 1}]}')
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}",
               QT_SCALE_FACTOR="1.5")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    screen, window = done.stdout.strip().splitlines()[-2:]
    width, height, ratio = screen.split()
    # 1366 / 1.5 = 910.7: Qt rounds the logical width up
    assert int(width) in (910, 911) and int(height) == 512 and float(ratio) == 1.5, screen
    assert window.split() == [str(SCALED[0]), str(SCALED[1])]
