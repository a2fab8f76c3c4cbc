""""Take a photo": one webcam frame of a problem, read into the input box like a picture file.

Qt Multimedia is not part of ``pyside6-essentials`` (it comes with ``pyside6-addons``),
and most lab PCs have no camera: the button then stays visible but disabled, with the
reason as its tooltip, so a student is never left clicking something that cannot work.
Where a camera exists, one press starts it, takes a single frame as soon as it is ready
and stops it again (the camera light goes out at once; nothing is recorded or saved).
The frame goes to :meth:`PictureInputButton.read_image` through ``frame_ready``.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Any

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QPushButton, QWidget

log = logging.getLogger(__name__)

# A camera that gives no frame within this time is reported, not waited for.
CAPTURE_TIMEOUT_MS = 10_000


def multimedia() -> ModuleType | None:
    """``PySide6.QtMultimedia``, or None where this build of Qt has none."""
    try:
        return importlib.import_module("PySide6.QtMultimedia")
    except ImportError:
        return None


class CameraButton(QPushButton):
    """Emits ``frame_ready(QImage)`` with one frame and ``status(text)`` for the notice."""

    frame_ready = Signal(QImage)
    status = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatCamera")
        self._qm = multimedia()
        self._camera: Any = None
        self._session: Any = None
        self._capture: Any = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CAPTURE_TIMEOUT_MS)
        self._timer.timeout.connect(self._timed_out)
        self.clicked.connect(self.take_photo)
        self.retranslate_ui()

    # -- availability ----------------------------------------------------------
    def unavailable_reason(self) -> str:
        """Why no photo can be taken here ("" when a camera is ready to use)."""
        if self._qm is None:
            return self.tr("Taking a photo is not possible: this copy of the app has no "
                           "camera support. Add a picture from a file instead.")
        try:
            cameras = list(self._qm.QMediaDevices.videoInputs())
        except Exception:  # a broken multimedia back-end must not break the chat
            log.exception("listing cameras failed")
            cameras = []
        if not cameras:
            return self.tr("No camera was found on this computer. Add a picture from a "
                           "file instead.")
        return ""

    def retranslate_ui(self) -> None:
        self.setText(self.tr("Take a photo"))
        reason = self.unavailable_reason()
        self.setEnabled(not reason and self._camera is None)
        self.setToolTip(reason or self.tr("Take one photo of a problem with the camera: its "
                                          "text is put in the box for you to check"))
        self.setAccessibleDescription(reason)

    # -- one frame -------------------------------------------------------------
    def take_photo(self) -> None:
        if self._camera is not None or self.unavailable_reason():
            return
        qm = self._qm
        assert qm is not None
        self.setEnabled(False)
        self.status.emit(self.tr("Taking a photo…"))
        self._camera = qm.QCamera(qm.QMediaDevices.defaultVideoInput(), self)
        self._session = qm.QMediaCaptureSession(self)
        self._capture = qm.QImageCapture(self)
        self._session.setCamera(self._camera)
        self._session.setImageCapture(self._capture)
        self._capture.imageCaptured.connect(self._captured)
        self._capture.errorOccurred.connect(self._capture_failed)
        self._capture.readyForCaptureChanged.connect(self._ready)
        self._camera.errorOccurred.connect(self._capture_failed)
        self._timer.start()
        self._camera.start()

    def _ready(self, ready: bool) -> None:
        if ready and self._capture is not None:
            self._capture.capture()

    def _captured(self, _request: int, image: QImage) -> None:
        frame = QImage(image)  # a copy: the camera's buffer goes away with it
        self._stop()
        if frame.isNull():
            self.status.emit(self.tr("The camera gave no picture. Try again."))
            return
        self.take_frame(frame)

    def take_frame(self, image: QImage) -> None:
        """Hand one frame on to be read (also the way tests and other sources feed it)."""
        self.frame_ready.emit(image)

    def _capture_failed(self, *args: Any) -> None:
        detail = next((a for a in reversed(args) if isinstance(a, str) and a), "")
        log.warning("camera capture failed: %s", detail)
        self._stop()
        self.status.emit(self.tr("The camera could not take a photo. Try again, or add a "
                                 "picture from a file."))

    def _timed_out(self) -> None:
        self._capture_failed("no frame in time")

    def _stop(self) -> None:
        self._timer.stop()
        camera, self._camera = self._camera, None
        if camera is not None:
            camera.stop()
            camera.deleteLater()
        for part in (self._capture, self._session):
            if part is not None:
                part.deleteLater()
        self._capture = self._session = None
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
