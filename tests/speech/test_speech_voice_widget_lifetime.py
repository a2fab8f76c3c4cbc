"""The mic button goes away while it is recording (the student signs out or switches page).

Capture and recognition run on their own threads; they must stop and free the microphone,
and anything they report after the button is gone must be dropped, never delivered into a
deleted widget.
"""

from __future__ import annotations

import threading
import wave
from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from speech_audio import SENTENCES, MakeService, fixed_probe, speak

from tutor_desktop.core.speech import PcmInputStream, VoskEngine
from tutor_desktop.ui.background import wait_for_background
from tutor_desktop.ui.voice_input import VoiceInputButton


class Microphone(PcmInputStream):
    """Speech played in real time, telling when the app closed the device."""

    def __init__(self, pcm: bytes) -> None:
        super().__init__(pcm, realtime=True)
        self.closed = threading.Event()

    def close(self) -> None:
        self.closed.set()


def _pcm(path: Path) -> bytes:
    with wave.open(str(path)) as wav:
        return bytes(wav.readframes(wav.getnframes()))


def test_deleting_the_button_mid_recording_frees_the_mic_and_drops_late_reports(
        qtbot: QtBot, make_service: MakeService, ko_engine: VoskEngine) -> None:
    mic = Microphone(_pcm(speak(" ".join(SENTENCES[:3]))))  # ~10 s: still speaking at the end
    service = make_service(probe=fixed_probe("ok"), open_stream=lambda: mic)
    widget = VoiceInputButton(service, language="ko")  # deleted below, not by qtbot
    qtbot.waitUntil(lambda: widget.checked, timeout=10_000)
    widget.start_recording()
    live = widget._live
    assert live is not None
    qtbot.waitUntil(lambda: live.recorder.seconds > 0.5, timeout=10_000)  # capturing

    widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert mic.closed.wait(10), "the recording stopped and the microphone was released"
    assert not mic.exhausted.is_set(), "it stopped because the button went, not at the end"

    # What the recogniser and capture threads do when they report just after the deletion:
    live._on_partial("늦게 온 글자")  # type: ignore[misc]
    assert live.recorder.on_limit is not None
    live.recorder.on_limit()
    assert wait_for_background(30_000)
    QApplication.processEvents()  # the queued deliveries to the deleted button are dropped
