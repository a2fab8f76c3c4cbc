"""The "Add a picture" button of the chat input: a photographed or screenshotted problem
becomes text in the input box, for the student to correct; nothing is sent by itself.

A picture comes from a file dialog or from the clipboard (the chat's input box hands
pasted images here). OCR runs on this PC (core/ocr, Tesseract) on a worker thread through
:func:`run_in_background`, whose parentless bridge brings the result back to the GUI
thread; a pasted image is turned into PNG bytes in memory and never written to disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QPushButton, QWidget

from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.i18n import tr as core_message
from tutor_desktop.core.ocr.document import picture_language, read_picture
from tutor_desktop.core.ocr.engine import TesseractEngine
from tutor_desktop.ui import dialogs
from tutor_desktop.ui.background import run_in_background
from tutor_desktop.ui.i18n import current_language


class PictureInputButton(QPushButton):
    """Emits ``text_ready(text)`` with what was read, ``status(text)`` for the notice line."""

    text_ready = Signal(str)
    status = Signal(str)

    def __init__(self, engine: TesseractEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatPicture")
        self.engine = engine
        self.busy = False
        self.last_error = ""
        self.clicked.connect(self.choose_file)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setText(self.tr("Add a picture"))
        self.setToolTip(self.tr("Add a picture of a problem: its text is read on this "
                                "computer and put in the box for you to check"))

    def choose_file(self) -> None:
        path = dialogs.open_file(
            self, self.tr("Choose a picture"),
            self.tr("Pictures (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp)"), str(Path.home()))
        if path:
            self.read(Path(path))

    def read_image(self, image: QImage) -> None:
        """A pasted picture: PNG bytes in memory, read like a file."""
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")  # type: ignore[call-overload]  # QIODevice overload
        buffer.close()
        self.read(bytes(data.data()))

    def read(self, source: Path | bytes) -> None:
        if self.busy:
            return
        self.busy = True
        self.setEnabled(False)
        self.last_error = ""
        self.status.emit(self.tr("Reading the picture…"))
        language = picture_language(current_language())
        name = source.name if isinstance(source, Path) else "clipboard.png"
        run_in_background(read_picture, self.engine, source, language, name,
                          on_done=self._done, on_error=self._failed, context=self)

    def _done(self, result: Any) -> None:
        self.busy = False
        self.setEnabled(True)
        self.text_ready.emit(result.text)
        self.status.emit(self.tr("Text from the picture is in the box: check it, correct "
                                 "it, then send.") + " "
                         + core_message("ocr_formulas_note", current_language()))

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.setEnabled(True)
        message = (error.message(current_language()) if isinstance(error, TutorError)
                   else str(error))
        self.last_error = message
        self.status.emit(message)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
