"""File dialogs a teacher can read: Qt's own dialog, never the system's.

The system's dialog speaks the system's language (a lab PC's Windows is usually
English or Russian), so a Mongolian UI would open an English file dialog. Qt's
widget dialog is translated with the rest of the window: its labels, buttons
and column names come from ``resources/translations/qt_mn.ts`` (Qt ships no
Mongolian), its caption and filters from the caller's ``self.tr()``. It is sized
to fit a 1024×768 screen.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget


def _dialog(parent: QWidget | None, caption: str, directory: str, name_filter: str,
            mode: QFileDialog.FileMode,
            accept: QFileDialog.AcceptMode = QFileDialog.AcceptMode.AcceptOpen) -> QFileDialog:
    dialog = QFileDialog(parent, caption, directory, name_filter)
    dialog.setObjectName("fileDialog")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setFileMode(mode)
    dialog.setAcceptMode(accept)
    if mode == QFileDialog.FileMode.Directory:
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
    if screen is not None:
        room = screen.availableGeometry()
        dialog.resize(min(820, room.width() - 40), min(520, room.height() - 60))
    return dialog


def _run(dialog: QFileDialog) -> list[str]:
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return []
        return [path for path in dialog.selectedFiles() if path]
    finally:
        dialog.deleteLater()


def open_files(parent: QWidget | None, caption: str, name_filter: str,
               directory: str = "") -> list[str]:
    """Several existing files (e.g. textbook PDFs); ``[]`` if cancelled."""
    return _run(_dialog(parent, caption, directory, name_filter,
                        QFileDialog.FileMode.ExistingFiles))


def open_file(parent: QWidget | None, caption: str, name_filter: str,
              directory: str = "") -> str:
    """One existing file; ``""`` if cancelled."""
    chosen = _run(_dialog(parent, caption, directory, name_filter,
                          QFileDialog.FileMode.ExistingFile))
    return chosen[0] if chosen else ""


def save_file(parent: QWidget | None, caption: str, name: str, name_filter: str) -> str:
    """Where to write a new file (the dialog asks before replacing one); ``""`` if cancelled."""
    chosen = _run(_dialog(parent, caption, name, name_filter, QFileDialog.FileMode.AnyFile,
                          QFileDialog.AcceptMode.AcceptSave))
    return chosen[0] if chosen else ""


def choose_folder(parent: QWidget | None, caption: str, directory: str = "") -> str:
    """An existing folder (e.g. a textbook pack); ``""`` if cancelled."""
    chosen = _run(_dialog(parent, caption, directory, "", QFileDialog.FileMode.Directory))
    return chosen[0] if chosen else ""
