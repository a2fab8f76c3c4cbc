"""Start the window: fonts, services, translator, main window.

Start-up errors a user or IT person can fix (a database from a newer app, a
data folder without write permission, a broken config file) are printed as one
translated line on stderr with exit code 3, never as a crash.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

# Aliased: lupdate would take a bare ``tr("...")`` call for a Qt string.
from tutor_desktop.core.paths import resources_dir
from tutor_desktop.ui import library_view, voice_input
from tutor_desktop.ui.background import wait_for_background
from tutor_desktop.ui.i18n import ui_language
from tutor_desktop.ui.style import BASE_POINT_SIZE, FONT_FAMILY

if TYPE_CHECKING:
    from tutor_desktop.composition import Services
    from tutor_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

SMOKE_MS = 1000


def load_fonts(app: QApplication) -> str:
    """Register the bundled fonts (they cover Mongolian Cyrillic Өө Үү) and use them.

    A lab PC may have no font with those letters; without this they show as boxes.
    Returns the family set as the application font.
    """
    family = ""
    for path in sorted((resources_dir() / "fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0 and not family:
            families = QFontDatabase.applicationFontFamilies(font_id)
            family = families[0] if families else ""
    family = family or FONT_FAMILY
    font = QFont(family)
    font.setPointSize(BASE_POINT_SIZE)
    app.setFont(font)
    return family


def _notify_extensions(window: MainWindow, services: Services) -> None:
    """Start-up work of the library and voice parts once the window exists (resume
    imports, probe the microphone). Imported normally: a broken module fails loudly at
    start, and the packager sees it."""
    for hook in (library_view.on_main_window, voice_input.on_main_window):
        hook(window, services)


def run_gui(data_dir: str | None, smoke: bool = False) -> int:
    """Open the window and run until it closes; returns the process exit code.

    ``smoke``: show the window, let it settle for about a second, exit 0 (CI and
    packaged-build checks); prints how long the window took to become usable.
    """
    started = time.perf_counter()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Tutor Desktop")
    app.setOrganizationName("TutorDesktop")
    load_fonts(app)

    from tutor_desktop.composition import start_services

    services = start_services(data_dir, client=True)   # through tutor service where installed
    if services is None:
        return 3

    from tutor_desktop.ui.main_window import MainWindow

    language = ui_language()
    language.set_language(services.accounts.default_language(services.config.language))
    window = MainWindow(services, language=language)
    _notify_extensions(window, services)
    window.show()
    if smoke:
        def interactive() -> None:
            # The first turn of the event loop: the window is painted and takes input.
            # Printed at once, so bench/bundle_bench.py can time the whole cold start.
            print(f"smoke: window interactive after {time.perf_counter() - started:.2f} s "
                  f"(page: {type(window.current_page()).__name__}; title: {window.windowTitle()})",
                  flush=True)

        def finish() -> None:
            window.close()
            app.quit()

        QTimer.singleShot(0, interactive)

        QTimer.singleShot(SMOKE_MS, finish)
    try:
        code = app.exec()
    finally:
        window.shutdown()
        wait_for_background()
        services.close()
    return int(code)
