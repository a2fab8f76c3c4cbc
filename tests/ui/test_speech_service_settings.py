"""An admin sets up an online speech service in Settings → Services, in Mongolian.

Vosk has no official Mongolian model, so a school gets voice questions in Mongolian
from an online service: the admin types its address and key, saves, and the
service table checks it at once. A real HTTP server on this PC's loopback stands in
for the provider. A teacher does not see the form and the core refuses one; an
address that would send children's voices in the clear is refused in Mongolian.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ui_helpers import click, sign_in_staff

from tutor_desktop.core.errors import NotAllowed
from tutor_desktop.core.speech.remote import REMOTE_KEY_NAME


@pytest.fixture
def provider() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(405)   # a POST-only API answers a probe like this
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/stt"
    server.shutdown()
    server.server_close()


def _admin_settings(qtbot, window, username: str, password: str):
    sign_in_staff(qtbot, window, username, password)
    click(qtbot, window.settings_button)
    return window.settings_page.services_section


def _speech_row(section) -> tuple[str, str, str, str]:
    rows = [row for row in section.panel.rows() if row[0].startswith("Яриа таних")]
    assert rows, section.panel.rows()
    return rows[0]


def test_an_admin_sets_up_mongolian_speech_and_it_is_checked_at_once(
        qtbot, make_window, services, school, provider) -> None:
    speech = services.speech
    assert not speech.recognition_availability("mn").available   # no Vosk model here
    window = make_window("mn")
    section = _admin_settings(qtbot, window, "admin", "admin-pass-1")
    assert section.speech_box.isVisible()
    assert section.speech_title.text() == "Онлайн яриа таних үйлчилгээ"

    # An address in the clear to another computer: refused, in Mongolian, nothing saved.
    section.speech_url.setText("http://stt.example.org/api")
    click(qtbot, section.speech_save)
    qtbot.waitUntil(lambda: section.speech_message.text() != "", timeout=10_000)
    assert "https://" in section.speech_message.text()
    assert "хаягийг зөвшөөрөхгүй" in section.speech_message.text()
    assert speech.remote_url() == ""

    section.speech_url.setText(provider)
    section.speech_key.setText("school-key-1")
    click(qtbot, section.speech_save)
    qtbot.waitUntil(lambda: "Хадгаллаа" in section.speech_message.text(), timeout=10_000)
    assert section.speech_key.text() == "", "a key is never shown again"
    assert speech.remote_url() == provider
    assert services.secrets.get(REMOTE_KEY_NAME) == "school-key-1"
    # "Check now" ran by itself: the table says the speech service works.
    qtbot.waitUntil(lambda: _speech_row(section)[1] == "Ажиллаж байна", timeout=20_000)
    assert _speech_row(section)[2] == ""
    availability = speech.recognition_availability("mn", check_remote=True)
    assert availability.available and availability.recognizer.startswith("remote")


def test_a_teacher_cannot_set_the_speech_service(
        qtbot, make_window, services, school, provider) -> None:
    window = make_window("mn")
    section = _admin_settings(qtbot, window, "bat", "teacher-pass-1")
    assert section.isVisible() and not section.speech_box.isVisible()
    with pytest.raises(NotAllowed):
        services.speech.configure_remote(school.teacher_session, provider, "k")
    assert services.speech.remote_url() == ""
