"""Voice in the real chat view: the mic sits next to the input box, and what the
student said lands in the box to be corrected — it is never sent on its own."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from speech_audio import HELLO, MakeService, speak, word_overlap

from tutor_desktop.core.i18n import tr
from tutor_desktop.core.speech import VoskEngine, probe_microphone
from tutor_desktop.ui import voice_input
from tutor_desktop.ui.chat_view import make_chat_page


def _chat(qtbot: QtBot, services: Any, session: Any) -> Any:
    view: Any = make_chat_page(services, session, "biology", 7)
    qtbot.addWidget(view)
    view.show()
    assert view.voice is not None, "the chat view must offer voice input"
    qtbot.waitUntil(lambda: view.voice.checked, timeout=10_000)
    return view


def test_offline_mongolian_chat_shows_the_disabled_mic_with_the_reason(
        qtbot: QtBot, services: Any, school: Any, make_service: MakeService,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(voice_input, "current_language", lambda: "mn")
    services.speech = make_service()  # no Mongolian model, no remote service
    student = services.accounts.sign_in_student(school.anu.id, "1234")
    view = _chat(qtbot, services, student)
    assert not view.voice.mic_button.isEnabled()
    assert view.voice.mic_button.toolTip() == "Дуу хөрвүүлэлт боломжгүй. Текстээр бичнэ үү."
    assert view.send_button.isEnabled()  # typing still works


def test_an_imported_recording_fills_the_chat_input_and_is_not_sent(
        qtbot: QtBot, services: Any, school: Any, make_service: MakeService,
        ko_engine: VoskEngine) -> None:
    services.speech = make_service()
    student = services.accounts.sign_in_student(school.anu.id, "1234")
    view = _chat(qtbot, services, student)
    view.voice.set_language("ko")  # the only Vosk model on PyPI is Korean
    view.voice._grammar = HELLO.split()
    qtbot.waitUntil(lambda: view.voice.import_action.isEnabled(), timeout=10_000)
    if not probe_microphone().ok:
        assert view.voice.mic_button.toolTip() == tr(probe_microphone().message_id, "en",
                                                     reason=probe_microphone().reason)
    view.input.setPlainText("Асуулт:")
    with qtbot.waitSignal(view.voice.transcript_ready, timeout=30_000):
        view.voice.import_wav(str(speak(HELLO, raw=True)))
    text = view.input.toPlainText()
    assert text.startswith("Асуулт: ")
    assert word_overlap(HELLO, text.removeprefix("Асуулт: ")) >= 0.8, text
    conversations = services.conversations.list_for(student)
    assert all(not services.conversations.messages(student, c.id) for c in conversations)
