"""Start the window: fonts, services, translator, main window.

Start-up errors a user or IT person can fix (a database from a newer app, a
data folder without write permission, a broken config file) are printed as one
translated line on stderr with exit code 3, never as a crash.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from tutor_desktop.core.config import ConfigError

# Aliased: lupdate would take a bare ``tr("...")`` call for a Qt string.
from tutor_desktop.core.i18n import tr as core_message
from tutor_desktop.core.paths import resources_dir
from tutor_desktop.core.storage import DatabaseTooNewError
from tutor_desktop.core.storage.settings import get_setting
from tutor_desktop.ui.background import wait_for_background
from tutor_desktop.ui.i18n import LANGUAGE_NAMES, ui_language
from tutor_desktop.ui.style import FONT_FAMILY

log = logging.getLogger(__name__)

SMOKE_MS = 1000
EXTENSION_MODULES = ("chat_view", "library_view", "voice_input")


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
    font.setPointSize(12)
    app.setFont(font)
    return family


def _startup_language() -> str:
    lang = os.environ.get("TUTOR_LANGUAGE") or os.environ.get("LANG", "")
    return "mn" if lang.startswith("mn") else "en"


def _notify_extensions(window: object, services: object) -> None:
    for name in EXTENSION_MODULES:
        try:
            module = importlib.import_module(f"tutor_desktop.ui.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"tutor_desktop.ui.{name}":
                log.exception("ui.%s failed to import", name)
            continue
        except Exception:
            log.exception("ui.%s failed to import", name)
            continue
        hook = getattr(module, "on_main_window", None)
        if callable(hook):
            try:
                hook(window, services)
            except Exception:
                log.exception("ui.%s.on_main_window failed", name)


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

    from tutor_desktop.composition import build_services

    try:
        services = build_services(data_dir)
    except DatabaseTooNewError:
        print(core_message("database_too_new", _startup_language()), file=sys.stderr)
        return 3
    except OSError as exc:  # PermissionError, a read-only file system
        print(core_message("data_dir_not_writable", _startup_language(),
                           path=exc.filename or data_dir), file=sys.stderr)
        return 3
    except ConfigError as exc:
        print(core_message("gui_config_invalid", _startup_language(), error=exc), file=sys.stderr)
        return 3

    from tutor_desktop.ui.main_window import MainWindow

    language = ui_language()
    default = get_setting(services.db, "default_language", None)
    language.set_language(default if default in LANGUAGE_NAMES else services.config.language)
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
