"""Fixtures for the window tests: bundled fonts, the UI language, a shown MainWindow."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QApplication
from qt_windows import close_windows

from tutor_desktop.ui.app import load_fonts
from tutor_desktop.ui.i18n import UiLanguage, ui_language
from tutor_desktop.ui.main_window import MainWindow


@pytest.fixture
def ui_lang(qapp: QApplication) -> Iterator[UiLanguage]:
    """The app's language manager, back to English after the test (translators are global)."""
    load_fonts(qapp)
    language = ui_language()
    language.set_language("en")
    yield language
    language.set_language("en")


@pytest.fixture
def make_window(qtbot, services, ui_lang) -> Iterator[Callable[..., MainWindow]]:
    """Build and show a MainWindow on ``services`` (idle checks every 50 ms)."""
    windows: list[MainWindow] = []

    def build(language: str = "en") -> MainWindow:
        window = MainWindow(services, language=ui_lang, idle_check_ms=50)
        qtbot.addWidget(window)
        ui_lang.set_language(language)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield build
    close_windows(*windows)
