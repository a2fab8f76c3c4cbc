"""What a window or terminal connected to ``tutor service`` used to miss: the status
panel (empty), ``tutor doctor --json``'s inventory (absent), the text size and the online
speech service (could not be saved). Each now goes through the service's API; a real
service on a socket (a thread here), real clients, a real window offscreen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QApplication
from qt_windows import close_windows

from tutor_desktop.core.errors import NotAllowed
from tutor_desktop.core.speech.remote import REMOTE_KEY_NAME
from tutor_desktop.core.storage.settings import TEXT_SIZE_SETTING, get_setting

ROOT = Path(__file__).resolve().parents[2]


def test_the_status_panel_shows_what_the_service_sees(client, services, qtbot) -> None:
    from tutor_desktop.ui.status_indicator import StatusIndicator, StatusPanel

    seen = services.connectivity.check_now()   # the service's own probes
    assert seen, "the service has no services to show"
    panel = StatusPanel(client.connectivity)   # starts the client's polling
    indicator = StatusIndicator(client.connectivity)
    qtbot.addWidget(panel)
    qtbot.addWidget(indicator)
    qtbot.waitUntil(lambda: len(panel.rows()) == len(seen), timeout=10_000)
    assert [s.name for s in client.connectivity.statuses()] == [s.name for s in seen]
    # Every line is the service's, except speech: the window records and recognises.
    shown = {s.name: s.state for s in client.connectivity.statuses() if s.name != "speech"}
    assert shown == {s.name: s.state for s in seen if s.name != "speech"}
    assert panel.rows()[0][0] and panel.rows()[0][1]   # a service and its state, shown
    assert client.connectivity.summary() == services.connectivity.summary()
    # "Check now" runs the service's probes and shows their result.
    assert [s.name for s in client.connectivity.check_now()] == [s.name for s in seen]
    assert indicator.toolTip()


def test_doctor_json_in_service_mode_has_the_inventory(service, services,
                                                       tmp_path: Path) -> None:
    env = {**os.environ, "TUTOR_SERVICE_SOCKET": str(service.socket_path),
           "TUTOR_HOME": str(tmp_path / "desktop-user"), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(ROOT)}
    ran = subprocess.run([sys.executable, "-m", "tutor_desktop", "doctor", "--json"],
                         capture_output=True, text=True, env=env, timeout=300)
    report = json.loads(ran.stdout)
    assert report["mode"] == "service" and ran.returncode == report["exit_code"]
    inventory = report["inventory"]
    assert inventory["data_dir"] == str(services.paths.data_dir)   # the service's
    assert len(inventory["machine_id"]) == 32 and inventory["ram_bytes"] > 0
    assert inventory["disk_free_bytes"] > 0 and inventory["version"]
    assert isinstance(inventory["models"], list) and "sync" in inventory
    # The microphone is the desktop user's: checked on this side.
    mic = next(c for c in report["checks"] if c["name"] == "microphone")
    assert inventory["microphone"] == {"status": mic["status"], "detail": mic["detail"]}


def test_the_text_size_is_saved_in_the_service(client, services, school, qtbot,
                                               qapp) -> None:
    from tutor_desktop.ui.i18n import ui_language
    from tutor_desktop.ui.main_window import MainWindow
    from tutor_desktop.ui.style import BASE_POINT_SIZE, set_text_size, text_size

    language = ui_language()
    language.set_language("en")
    window = MainWindow(client, language=language)
    try:
        window.apply_text_size(125, save=True)
        qtbot.waitUntil(lambda: get_setting(services.db, TEXT_SIZE_SETTING) == 125,
                        timeout=10_000)
    finally:
        close_windows(window)
    set_text_size(100)
    again = MainWindow(client, language=language)   # the next start of the window
    try:
        assert text_size() == 125
        assert QApplication.font().pointSizeF() == BASE_POINT_SIZE * 1.25
        again.apply_text_size(100, save=True)
        qtbot.waitUntil(lambda: get_setting(services.db, TEXT_SIZE_SETTING) == 100,
                        timeout=10_000)
    finally:
        close_windows(again)
    assert client.pc_settings.set_text_size(999) == 100   # only the sizes offered


@pytest.fixture
def provider() -> Iterator[SimpleNamespace]:
    """An online speech service on loopback: it transcribes what has the right key."""
    heard: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(405)
            self.end_headers()

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            heard.append({"auth": self.headers.get("Authorization", ""),
                          "bytes": str(len(body))})
            if self.headers.get("Authorization") != "Bearer school-key-1":
                self.send_response(401)
                self.end_headers()
                return
            reply = json.dumps({"text": "сайн байна уу"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_address[1]}/stt",
                          heard=heard)
    server.shutdown()
    server.server_close()


def test_the_online_speech_service_is_saved_and_used_through_the_service(
        client, services, school, provider) -> None:
    accounts = client.accounts
    teacher = accounts.sign_in_staff("bat", "teacher-pass-1")
    with pytest.raises(NotAllowed):   # the core's rule, in the service
        client.speech.configure_remote(teacher, provider.url, "school-key-1")
    admin = accounts.sign_in_staff("admin", "admin-pass-1")
    client.speech.configure_remote(admin, provider.url, "school-key-1")
    assert services.secrets.get(REMOTE_KEY_NAME) == "school-key-1"   # kept in the service
    assert client.speech.remote_url() == provider.url
    assert not client.speech.remote_url_locked
    # A student's recording in the window: recognised by the service with the key.
    accounts.sign_in_student(school.anu.id, "1234")
    engines = client.speech.engines("mn", check_remote=True)
    assert [e.name for e in engines] == ["remote:127.0.0.1"]
    pcm = b"\x10\x00" * 16_000   # one second
    result = client.speech.transcribe_pcm(pcm, "mn")
    assert result.text == "сайн байна уу" and result.recognizer == "remote:127.0.0.1"
    assert provider.heard[-1]["auth"] == "Bearer school-key-1"
    assert int(provider.heard[-1]["bytes"]) > len(pcm)   # the WAV the service sent
    # Nothing of the key is on the window's side.
    assert client.speech._secrets is None
    # The status panel's speech line is the window's view: the online service, reached
    # through the service.
    speech = next(s for s in client.connectivity.check_now(["speech"]) if s.name == "speech")
    assert speech.state.value == "ok" and speech.detail == "remote:127.0.0.1"
