"""The mic button (pytest-qt, offscreen): disabled with the reason, WAV import, push-to-talk."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot
from speech_audio import HELLO, MakeService, fixed_probe, silence, speak, word_overlap

from tutor_desktop.core.i18n import tr
from tutor_desktop.core.speech import PcmInputStream, VoskEngine, probe_microphone
from tutor_desktop.ui import voice_input
from tutor_desktop.ui.voice_input import VoiceInputButton


def _pcm(path: Path) -> bytes:
    with wave.open(str(path)) as wav:
        return wav.readframes(wav.getnframes())


def _widget(qtbot: QtBot, *args: object, **kwargs: object) -> VoiceInputButton:
    widget = VoiceInputButton(*args, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(widget)  # closed at teardown: a running recording is stopped
    qtbot.waitUntil(lambda: widget.checked, timeout=10_000)
    return widget


def test_offline_mongolian_disables_the_mic_with_the_mongolian_reason(
        qtbot: QtBot, make_service: MakeService, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(voice_input, "current_language", lambda: "mn")  # student's UI language
    widget = _widget(qtbot, make_service(), language="mn")  # this machine: no model, no remote
    assert not widget.mic_button.isEnabled()
    assert widget.mic_button.toolTip() == "Дуу хөрвүүлэлт боломжгүй. Текстээр бичнэ үү."
    assert not widget.import_action.isEnabled()
    # Said where it can be read (a child does not hover), once: which language, what to do.
    said = widget.transcript_label.text()
    assert "spoken Mongolian" in said and "type your question" in said and "Settings" in said
    widget.transcript_label.setText("")
    widget.refresh_availability()
    qtbot.wait(300)
    assert widget.transcript_label.text() == "", "said once, not on every check"


def test_on_this_machine_the_mic_is_disabled_but_a_wav_import_fills_the_input_box(
        qtbot: QtBot, make_service: MakeService, ko_engine: VoskEngine) -> None:
    probe = probe_microphone()
    if probe.ok:
        pytest.skip("this computer has a microphone")
    widget = _widget(qtbot, make_service(), language="ko", grammar=HELLO.split())
    assert not widget.mic_button.isEnabled()
    assert widget.mic_button.toolTip() == tr(probe.message_id, "en", reason=probe.reason)
    assert widget.import_action.isEnabled()

    input_box = QLineEdit()
    qtbot.addWidget(input_box)
    widget.transcript_ready.connect(input_box.setText)  # what the chat view does
    with qtbot.waitSignal(widget.transcript_ready, timeout=30_000):
        widget.import_wav(str(speak(HELLO, raw=True)))
    assert word_overlap(HELLO, input_box.text()) >= 0.8, input_box.text()


def test_hold_to_talk_shows_the_level_and_live_text_then_fills_the_box(
        qtbot: QtBot, make_service: MakeService, ko_engine: VoskEngine) -> None:
    stream = PcmInputStream(_pcm(speak(HELLO)), realtime=True)  # a microphone hearing HELLO
    service = make_service(probe=fixed_probe("ok"), open_stream=lambda: stream)
    widget = _widget(qtbot, service, language="ko", grammar=HELLO.split())
    assert widget.mic_button.isEnabled()
    assert widget.mic_button.toolTip() == tr("speech_ready", "en")

    levels: list[int] = []
    widget.meter.valueChanged.connect(levels.append)
    qtbot.mousePress(widget.mic_button, Qt.MouseButton.LeftButton)
    assert widget.recording
    qtbot.waitUntil(stream.exhausted.is_set, timeout=30_000)
    live_text = widget.transcript_label.text()
    with qtbot.waitSignal(widget.transcript_ready, timeout=10_000) as final:
        qtbot.mouseRelease(widget.mic_button, Qt.MouseButton.LeftButton)
    assert max(levels) > 20  # the meter moved with the voice
    assert word_overlap(HELLO, live_text) >= 0.6  # live text while speaking
    assert word_overlap(HELLO, final.args[0]) >= 0.8
    assert not widget.recording and widget.mic_button.isEnabled()


def test_click_to_start_click_to_stop(qtbot: QtBot, make_service: MakeService,
                                      ko_engine: VoskEngine) -> None:
    stream = PcmInputStream(_pcm(speak(HELLO)), realtime=True)
    service = make_service(probe=fixed_probe("ok"), open_stream=lambda: stream)
    widget = _widget(qtbot, service, language="ko", grammar=HELLO.split())
    qtbot.mouseClick(widget.mic_button, Qt.MouseButton.LeftButton)  # a quick click
    qtbot.wait(300)
    assert widget.recording  # still listening after the button went up
    qtbot.waitUntil(stream.exhausted.is_set, timeout=30_000)
    with qtbot.waitSignal(widget.transcript_ready, timeout=10_000) as final:
        qtbot.mouseClick(widget.mic_button, Qt.MouseButton.LeftButton)
    assert word_overlap(HELLO, final.args[0]) >= 0.8


def test_silence_gives_a_hint_and_nothing_reaches_the_input_box(
        qtbot: QtBot, make_service: MakeService, ko_engine: VoskEngine) -> None:
    stream = PcmInputStream(_pcm(silence(1.0)), realtime=True)
    service = make_service(probe=fixed_probe("ok"), open_stream=lambda: stream)
    widget = _widget(qtbot, service, language="ko")
    emitted: list[str] = []
    widget.transcript_ready.connect(emitted.append)
    qtbot.mousePress(widget.mic_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(stream.exhausted.is_set, timeout=10_000)
    qtbot.mouseRelease(widget.mic_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not widget.recording, timeout=10_000)
    assert widget.transcript_label.text() == tr("speech_silent", "en")
    assert emitted == []
