"""Closing the app's windows in tests the way the app closes them at exit."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication


def close_windows(*windows: Any) -> None:
    """Shut each window down (its background work stops), close it, and delete it now.

    Deleted before the test's services close, so no later test's events or a worker's
    late signal reach a window whose services are gone.
    """
    from tutor_desktop.ui.background import wait_for_background

    for window in windows:
        window.shutdown()
        window.close()
        window.deleteLater()
    wait_for_background()
    QApplication.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
