"""The "Add a picture" button of the chat input: a photographed or screenshotted problem
becomes text in the input box, for the student to correct; nothing is sent by itself.

A picture comes from a file dialog or from the clipboard (the chat's input box hands
pasted images here). OCR runs on this PC (core/ocr, Tesseract) on a worker thread through
:func:`run_in_background`, whose parentless bridge brings the result back to the GUI
thread; a pasted image is turned into PNG bytes in memory and never written to disk.

The same worker also prepares a small JPEG of the picture (core/llm/vision.py) and keeps
it in memory as the *attachment*: :class:`PictureChip` shows it under the box, and the
chat hands it to the tutor with the next question, which sends it only to a remote model
that reads pictures (and says afterwards whether it did).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.i18n import tr as core_message
from tutor_desktop.core.llm.vision import MAX_INPUT_BYTES, PictureError, prepare_picture
from tutor_desktop.core.ocr.document import picture_language, read_picture
from tutor_desktop.core.ocr.engine import OcrResult, TesseractEngine
from tutor_desktop.ui import dialogs
from tutor_desktop.ui.background import run_in_background
from tutor_desktop.ui.i18n import current_language


def read_and_prepare(engine: TesseractEngine, source: Path | bytes, language: str,
                     name: str) -> tuple[OcrResult, bytes | None]:
    """The picture's text (OCR on this PC) and the small JPEG that may go with the
    question (None when the picture cannot be prepared: its text still can)."""
    result = read_picture(engine, source, language, name)
    try:
        if isinstance(source, Path):
            if source.stat().st_size > MAX_INPUT_BYTES:
                return result, None
            source = source.read_bytes()
        return result, prepare_picture(source)
    except (OSError, PictureError):
        return result, None


class PictureInputButton(QPushButton):
    """Emits ``text_ready(text)`` with what was read, ``status(text)`` for the notice line,
    ``attachment_changed(bytes | None)`` when the picture kept for the question changes."""

    text_ready = Signal(str)
    status = Signal(str)
    attachment_changed = Signal(object)

    def __init__(self, engine: TesseractEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatPicture")
        self.engine = engine
        self.busy = False
        self.last_error = ""
        self.attachment: bytes | None = None
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
        run_in_background(read_and_prepare, self.engine, source, language, name,
                          on_done=self._done, on_error=self._failed, context=self)

    def set_attachment(self, picture: bytes | None) -> None:
        self.attachment = picture
        self.attachment_changed.emit(picture)

    def take_attachment(self) -> bytes | None:
        """The picture for the question being sent; the box is empty of it afterwards."""
        picture = self.attachment
        if picture is not None:
            self.set_attachment(None)
        return picture

    def _done(self, outcome: Any) -> None:
        result, picture = outcome
        self.busy = False
        self.setEnabled(True)
        self.set_attachment(picture)
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


class PictureChip(QWidget):
    """Under the box while a picture is kept for the question: a thumbnail, where the
    picture may go, and a button to take it away (then only the text is sent)."""

    removed = Signal()
    THUMB_HEIGHT = 48

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatPictureChip")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.thumb = QLabel()
        self.thumb.setObjectName("chatPictureThumb")
        self.label = QLabel()
        self.label.setObjectName("chatPictureNote")
        self.label.setWordWrap(True)
        self.label.setProperty("role", "hint")
        self.remove_button = QPushButton()
        self.remove_button.setObjectName("chatPictureRemove")
        self.remove_button.clicked.connect(self.removed)
        row.addWidget(self.thumb, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.label, 1)
        row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.label.setText(self.tr(
            "The picture goes with your question only to an online model that can read "
            "pictures. Otherwise it stays on this computer and only its text is used."))
        self.remove_button.setText(self.tr("Remove the picture"))

    def show_picture(self, picture: bytes | None) -> None:
        if picture is None:
            self.thumb.clear()
            self.hide()
            return
        pixmap = QPixmap()
        pixmap.loadFromData(picture)
        self.thumb.setPixmap(pixmap.scaledToHeight(
            self.THUMB_HEIGHT, Qt.TransformationMode.SmoothTransformation))
        self.show()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
