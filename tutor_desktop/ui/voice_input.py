"""The microphone button of the chat input: hold to talk, or click to start and stop.

Only presentation lives here; capture and recognition are
:class:`tutor_desktop.core.speech.SpeechService`. The transcript is emitted
with :attr:`VoiceInputButton.transcript_ready` for the chat view to put in the
input box, where the student corrects it before sending: it is never sent blind.

Everything slow (the microphone probe, a network probe, loading the model,
recognising) runs on worker threads; the level meter is polled with a timer.
When voice cannot work the button is disabled and its tooltip says why, in the
UI language, from the core's message ids.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from tutor_desktop.core.i18n import TutorError, tr
from tutor_desktop.core.safety import RateLimited
from tutor_desktop.core.speech import MAX_SECONDS, Availability, LiveTranscription, SpeechService
from tutor_desktop.core.speech.types import Transcription
from tutor_desktop.ui import dialogs
from tutor_desktop.ui.background import run_in_background
from tutor_desktop.ui.i18n import current_language

HOLD_SECONDS = 0.4  # a press longer than this is push-to-talk; shorter is a click (toggle)


def mic_icon(color: str = "#27304A", size: int = 48) -> QIcon:
    """A drawn microphone, so no icon font or image file is needed."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor(color), size * 0.08)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(QColor(color))
    s = float(size)
    painter.drawRoundedRect(QRectF(s * 0.36, s * 0.1, s * 0.28, s * 0.46), s * 0.14, s * 0.14)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawArc(QRectF(s * 0.24, s * 0.26, s * 0.52, s * 0.44), 180 * 16, 180 * 16)
    painter.drawLine(QPointF(s * 0.5, s * 0.7), QPointF(s * 0.5, s * 0.85))
    painter.drawLine(QPointF(s * 0.36, s * 0.86), QPointF(s * 0.64, s * 0.86))
    painter.end()
    return QIcon(pixmap)


class _LiveBridge(QObject):
    """Carries a recording's live text and its time limit from the recogniser and capture
    threads to the GUI thread.

    Parentless on purpose: the threads hold it (through the bound ``emit``), so it outlives
    a button that is deleted mid-recording, and Qt drops the queued delivery to the deleted
    button instead of a worker thread emitting from a freed object.
    """

    partial = Signal(str)
    limit = Signal()


class VoiceInputButton(QWidget):
    """Mic button, level meter, live transcript and "Listen to a recording…" (a WAV file)."""

    transcript_ready = Signal(str)
    availability_changed = Signal(bool)
    rate_limited = Signal(int)   # seconds until the next recording is allowed (fair use)
    explained = Signal(str)      # why the microphone is off, said once (see _tell_why)

    def __init__(self, speech: SpeechService, language: str | None = None,
                 grammar: Sequence[str] | None = None, parent: QWidget | None = None,
                 before_recording: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self._speech = speech
        # Raises RateLimited past the per-minute recordings of the student's class.
        self._before_recording = before_recording
        self._follow_ui = language is None  # speech language = UI language unless given
        self._language = language or current_language()
        self._grammar = list(grammar) if grammar else None
        self._mic_state: Availability = Availability(False, "speech_model_loading")
        self._import_state: Availability = Availability(False, "speech_model_loading")
        self._checked = False
        self._live: LiveTranscription | None = None
        self._pressed_at = 0.0
        self._toggle_mode = False
        self._busy = False
        self._hint_id: tuple[str, dict[str, Any]] | None = None
        self._told = False          # why the microphone is off was said (once)
        # Where it is said: beside the button, or (the chat) by whoever listens to
        # ``explained`` in a wider place.
        self.explain_in_label = True
        self._why: Callable[[], str] | None = None
        self._why_shown = ""

        self.mic_button = QPushButton(self)
        self.mic_button.setObjectName("micButton")
        self.mic_button.setIcon(mic_icon())
        self.mic_button.setIconSize(QSize(28, 28))
        self.mic_button.setMinimumSize(QSize(52, 52))
        self.mic_button.setCheckable(False)
        self.mic_button.pressed.connect(self._on_pressed)
        self.mic_button.released.connect(self._on_released)

        self.meter = QProgressBar(self)
        self.meter.setObjectName("micLevel")
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setFixedWidth(70)
        self.meter.setFixedHeight(10)
        self.meter.setVisible(False)

        self.transcript_label = QLabel(self)
        self.transcript_label.setObjectName("partialTranscript")
        self.transcript_label.setWordWrap(True)
        self.transcript_label.setSizePolicy(QSizePolicy.Policy.Expanding,
                                            QSizePolicy.Policy.Preferred)

        self.import_action = QAction(self)
        self.import_action.triggered.connect(self._choose_wav)
        self.import_button = QToolButton(self)
        self.import_button.setDefaultAction(self.import_action)
        self.recheck_action = QAction(self)
        self.recheck_action.triggered.connect(lambda: self.refresh_availability())
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.addActions([self.import_action, self.recheck_action])

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.mic_button)
        layout.addWidget(self.meter)
        layout.addWidget(self.transcript_label, 1)
        layout.addWidget(self.import_button)

        self._level_timer = QTimer(self)
        self._level_timer.setInterval(50)
        self._level_timer.timeout.connect(self._show_level)
        self._bridge = _LiveBridge()
        self._bridge.partial.connect(self._show_partial)
        self._bridge.limit.connect(self._on_limit)

        self._retranslate()
        self._apply_state()
        self.refresh_availability(refresh_microphone=False)

    # --- availability -----------------------------------------------------------------

    @property
    def language(self) -> str:
        return self._language

    def set_language(self, language: str) -> None:
        """The student's speech language changed (follows the UI language by default)."""
        if language != self._language:
            self._language = language
            self.refresh_availability()

    def refresh_availability(self, refresh_microphone: bool = True) -> None:
        """Probe again (microphone plugged in, network back); the answer arrives later."""
        self._checked = False
        self._apply_state()
        speech, language = self._speech, self._language

        def check() -> tuple[Availability, Availability]:
            if refresh_microphone:
                speech.microphone(refresh=True)
            recognition = speech.recognition_availability(language)
            mic = speech.availability(language, check_remote=False) if recognition.available \
                else recognition
            return mic, recognition

        run_in_background(check, on_done=self._availability_known,
                          on_error=self._availability_failed, context=self)

    def _availability_known(self, result: tuple[Availability, Availability]) -> None:
        self._mic_state, self._import_state = result
        self._checked = True
        if self._mic_state.available:
            self._speech.preload(self._language)  # the model loads on its own thread
        elif not self._told:
            self._tell_why()
        self._apply_state()
        self.availability_changed.emit(self._mic_state.available)

    def _no_speech_text(self) -> str:
        if self._language == "mn":
            return self.tr("This computer cannot understand spoken Mongolian yet: please type "
                           "your question. A teacher can add a speech service in Settings.")
        return self.tr("This computer cannot understand spoken English yet: please type "
                       "your question. A teacher can add a speech service in Settings.")

    def _tell_why(self) -> None:
        """Why the microphone is grey, said once beside it (a tooltip needs a mouse and a
        hover a child does not do); the next change of state says it again."""
        self._told = True
        if self._mic_state.reason == "speech_unavailable":
            self._hint_id = None
            self._why = self._no_speech_text
            self._why_shown = self._why()
            self.explained.emit(self._why_shown)
            if self.explain_in_label:
                self.transcript_label.setText(self._why_shown)
        else:
            self._show_hint(self._mic_state.reason, reason=self._mic_state.detail)

    def _availability_failed(self, error: BaseException) -> None:
        self._mic_state = Availability(False, "speech_mic_error", detail=str(error))
        self._import_state = Availability(False, "speech_unavailable")
        self._checked = True
        self._apply_state()
        self.availability_changed.emit(False)

    @property
    def checked(self) -> bool:
        """The availability check has answered (it runs in the background)."""
        return self._checked

    @property
    def mic_available(self) -> bool:
        return self._checked and self._mic_state.available

    @property
    def availability(self) -> Availability:
        return self._mic_state

    def _apply_state(self) -> None:
        lang = current_language()
        recording = self._live is not None
        self.mic_button.setEnabled(
            recording or (self.mic_available and not self._busy))
        if not self._checked:
            tip = self.tr("Checking the microphone…")
        elif recording:
            tip = self.tr("Release (or click) to stop recording.")
        else:
            tip = self._mic_state.message(lang)
        self.mic_button.setToolTip(tip)
        self.mic_button.setAccessibleName(self.tr("Speak your question"))
        self.mic_button.setAccessibleDescription(tip)
        can_import = self._checked and self._import_state.available and not self._busy \
            and not recording
        self.import_action.setEnabled(can_import)
        self.import_action.setToolTip(
            self.tr("Recognise a recorded WAV file") if self._import_state.available
            else self._import_state.message(lang))
        self.meter.setVisible(recording)

    # --- recording --------------------------------------------------------------------

    @property
    def recording(self) -> bool:
        return self._live is not None

    def _on_pressed(self) -> None:
        if self._live is not None:
            if self._toggle_mode:
                self.stop_recording()  # second click of click-to-toggle
            return
        self._pressed_at = time.monotonic()
        self._toggle_mode = False
        self.start_recording()

    def _on_released(self) -> None:
        if self._live is None or self._toggle_mode:
            return
        if time.monotonic() - self._pressed_at >= HOLD_SECONDS:
            self.stop_recording()  # push-to-talk: let go to finish
        else:
            self._toggle_mode = True  # a click: keep recording until the next click

    def start_recording(self) -> None:
        if self._live is not None or not self.mic_available or self._busy:
            return
        try:
            if self._before_recording is not None:
                self._before_recording()
        except RateLimited as limited:
            self._show_hint(limited.message_id, **limited.params)
            self.rate_limited.emit(limited.seconds)
            return
        try:
            live = self._speech.live(self._language, self._grammar,
                                     on_partial=self._bridge.partial.emit,
                                     on_limit=self._bridge.limit.emit)
        except TutorError as error:
            self._show_hint(error.message_id, **error.params)
            return
        self._live = live
        self.destroyed.connect(live.stop)  # the page went away mid-recording: free the mic
        self._busy = True
        self._hint_id = None
        self.transcript_label.setText(self.tr("Listening…"))
        self._level_timer.start()
        self._apply_state()
        run_in_background(live.run, on_done=self._recognised, on_error=self._failed,
                          context=self)

    def stop_recording(self) -> None:
        """Finish the recording; the transcript follows from the worker."""
        if self._live is not None:
            self._live.stop()
            self.transcript_label.setText(self.tr("Recognising…"))

    def _show_level(self) -> None:
        if self._live is not None:
            # RMS of speech is ~0.03-0.3: a square root spreads it over the bar.
            self.meter.setValue(min(100, int((self._live.level ** 0.5) * 180)))

    def _show_partial(self, text: str) -> None:
        if self._live is not None and text:
            self.transcript_label.setText(text)

    def _on_limit(self) -> None:
        self._show_hint("speech_limit_reached", seconds=f"{MAX_SECONDS:.0f}")

    def _finish(self) -> None:
        self._live = None
        self._busy = False
        self._toggle_mode = False
        self._level_timer.stop()
        self.meter.setValue(0)
        self._apply_state()

    def _recognised(self, result: Transcription) -> None:
        self._finish()
        self._deliver(result)

    def _deliver(self, result: Transcription) -> None:
        if not result.text:
            self._show_hint("speech_nothing_heard")
            return
        if result.capped:
            self._show_hint("speech_limit_reached", seconds=f"{MAX_SECONDS:.0f}")
        else:
            self._hint_id = None
            self.transcript_label.setText(result.text)
        self.transcript_ready.emit(result.text)

    def _failed(self, error: BaseException) -> None:
        self._finish()
        if isinstance(error, TutorError):
            self._show_hint(error.message_id, **error.params)
        else:
            self._show_hint("speech_mic_error", reason=str(error) or type(error).__name__)

    def _show_hint(self, message_id: str, **params: Any) -> None:
        self._hint_id = (message_id, params)
        self.transcript_label.setText(tr(message_id, current_language(), **params))

    # --- WAV import -------------------------------------------------------------------

    def _choose_wav(self) -> None:
        path = dialogs.open_file(self, self.tr("Import a recording"),
                                 self.tr("WAV recordings (*.wav)"))
        if path:
            self.import_wav(path)

    def import_wav(self, path: str) -> None:
        """Recognise a WAV file like a recording (the import action calls this)."""
        if self._busy or self._live is not None:
            return
        self._busy = True
        self.transcript_label.setText(self.tr("Recognising…"))
        self._apply_state()
        run_in_background(self._speech.transcribe_wav, path, self._language, self._grammar,
                          max_seconds=MAX_SECONDS, on_done=self._imported,
                          on_error=self._failed, context=self)

    def _imported(self, result: Transcription) -> None:
        self._busy = False
        self._apply_state()
        self._deliver(result)

    # --- language ---------------------------------------------------------------------

    def _retranslate(self) -> None:
        # "WAV" means nothing to a child: say what it does.
        self.import_action.setText(self.tr("Listen to a recording…"))
        self.recheck_action.setText(self.tr("Check the microphone again"))
        if self._follow_ui and current_language() != self._language and self._live is None:
            self.set_language(current_language())
        if self._hint_id is not None:
            message_id, params = self._hint_id
            self.transcript_label.setText(tr(message_id, current_language(), **params))
        elif self._why is not None and self.transcript_label.text() == self._why_shown:
            self._why_shown = self._why()
            self.transcript_label.setText(self._why_shown)
        self._apply_state()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def showEvent(self, event: Any) -> None:
        # A headset plugged in while the student was away: look again when shown.
        if self._checked and not self._mic_state.available and not self._busy:
            self.refresh_availability()
        super().showEvent(event)

    def closeEvent(self, event: Any) -> None:
        if self._live is not None:
            self._live.stop()
        super().closeEvent(event)


def create_voice_input(services: Any, parent: QWidget | None = None,
                       language: str | None = None,
                       before_recording: Callable[[], None] | None = None
                       ) -> VoiceInputButton | None:
    """The mic widget for the chat view, or None if speech is not wired.

    Connect ``transcript_ready`` to put the text in the input box (never send it).
    """
    return VoiceInputButton(services.speech, language=language, parent=parent,
                            before_recording=before_recording)


def on_main_window(window: QWidget, services: Any) -> None:
    """At start: probe the microphone once in the background, so the button knows at once."""
    run_in_background(services.speech.microphone, context=window)
