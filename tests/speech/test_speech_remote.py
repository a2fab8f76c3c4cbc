"""The remote recogniser against our own speech service on loopback.

The server is a real HTTP server on 127.0.0.1 that answers like a hosted speech
API (JSON ``{"text": …}``), fails with 5xx, or hangs past the client timeout.
"""

from __future__ import annotations

import io
import json
import threading
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from speech_audio import HELLO, MakeService, fixed_probe, speak, word_overlap

from tutor_desktop.core.config import Config
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.secrets_store import EncryptedFileStore
from tutor_desktop.core.speech import REMOTE_KEY_NAME, SpeechService, VoskEngine

REPLY = "сайн байна уу багш аа"


@dataclass
class FakeSpeechApi:
    """What the server does next (``ok``, ``error``, ``hang``) and what it received."""

    post: str = "ok"
    get: str = "ok"
    requests: list[dict[str, object]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def api() -> Iterator[FakeSpeechApi]:
    state = FakeSpeechApi()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _behave(self, mode: str) -> bool:
            if mode == "hang":
                time.sleep(1.5)  # longer than the client's timeout
            if mode == "error":
                self.send_response(503)
                self.end_headers()
                self.wfile.write(b"overloaded")
                return False
            return True

        def do_GET(self) -> None:
            if self._behave(state.get):
                self.send_response(405)  # a POST-only endpoint answering a probe
                self.end_headers()

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append({
                "authorization": self.headers.get("Authorization"),
                "content_type": self.headers.get("Content-Type"),
                "query": parse_qs(urlsplit(self.path).query),
                "body": body,
            })
            if self._behave(state.post):
                payload = json.dumps({"text": REPLY}, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1/stt"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def remote_service(api: FakeSpeechApi, make_service: MakeService,
                   tmp_path: Path) -> SpeechService:
    secrets = EncryptedFileStore(tmp_path / "secrets.enc")
    secrets.set(REMOTE_KEY_NAME, "school-key-123")
    return make_service(Config(remote_stt_url=api.url), secrets=secrets,
                        probe=fixed_probe("ok"), remote_timeout_s=0.5,
                        remote_probe_timeout_s=0.5)


def test_online_recognition_for_a_language_without_a_local_model(
        api: FakeSpeechApi,
        remote_service: SpeechService) -> None:
    available, reason = remote_service.availability("mn")
    assert (available, reason) == (True, "speech_ready")
    result = remote_service.transcribe_wav(speak(HELLO), "mn")
    assert result.text == REPLY
    assert result.recognizer == "remote:127.0.0.1"
    sent = api.requests[-1]
    assert sent["authorization"] == "Bearer school-key-123"
    assert sent["content_type"] == "audio/wav"
    assert sent["query"] == {"lang": ["mn"]}
    with wave.open(io.BytesIO(sent["body"])) as wav:  # type: ignore[arg-type]
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)
        assert wav.getnframes() / 16000 == pytest.approx(result.audio_seconds, abs=0.01)


@pytest.mark.parametrize(("failure", "reason"), [("error", "HTTP 503"), ("hang", "timeout")])
def test_a_failing_service_disables_voice_with_the_right_message(
        api: FakeSpeechApi, remote_service: SpeechService, failure: str,
        reason: str) -> None:
    assert remote_service.availability("mn").available  # it answered the probe
    api.post = failure
    with pytest.raises(TutorError) as info:
        remote_service.transcribe_wav(speak(HELLO), "mn")
    assert info.value.message_id == "speech_remote_failed"
    assert reason in info.value.message("en")
    # Now the button is disabled, in the student's language, without waiting on the network.
    probes_before = len(api.requests)
    status = remote_service.availability("mn")
    assert (status.available, status.reason) == (False, "speech_remote_down")
    assert status.message("mn") == (
        "Онлайн дуу хөрвүүлэх үйлчилгээ хариу өгөхгүй байна. Текстээр бичнэ үү.")
    assert len(api.requests) == probes_before


@pytest.mark.parametrize("failure", ["error", "hang"])
def test_a_service_that_is_down_at_start_is_never_offered(
        api: FakeSpeechApi, remote_service: SpeechService, failure: str) -> None:
    api.get = failure
    available, reason = remote_service.availability("mn")
    assert (available, reason) == (False, "speech_remote_down")
    assert api.requests == []  # no audio was sent


def test_the_local_model_is_preferred_and_the_remote_one_is_the_fallback(
        api: FakeSpeechApi, remote_service: SpeechService,
        ko_engine: VoskEngine) -> None:
    api.get = api.post = "error"  # the remote service is down: local speech is unaffected
    assert remote_service.availability("ko").available
    result = remote_service.transcribe_wav(speak(HELLO), "ko", grammar=HELLO.split())
    assert result.recognizer == "vosk:vosk-ko"
    assert word_overlap(HELLO, result.text) >= 0.8
    assert api.requests == []


def test_a_broken_local_model_falls_back_to_the_remote_service(
        api: FakeSpeechApi, make_service: MakeService, tmp_path: Path,
        ko_model_dir: Path) -> None:
    broken = tmp_path / "models" / "vosk-model-small-ko-0.1"
    (broken / "am").mkdir(parents=True)
    (broken / "conf").symlink_to(ko_model_dir / "conf", target_is_directory=True)
    (broken / "am" / "final.mdl").write_bytes(b"half a download")
    service = make_service(Config(remote_stt_url=api.url), model_dirs=[tmp_path / "models"],
                           probe=fixed_probe("ok"), remote_timeout_s=2.0)
    result = service.transcribe_wav(speak(HELLO), "ko")
    assert (result.text, result.recognizer) == (REPLY, "remote:127.0.0.1")
    assert service.availability("ko").recognizer == "remote:127.0.0.1"  # broken one skipped


def test_plain_http_to_another_host_is_refused(make_service: MakeService) -> None:
    service = make_service(Config(remote_stt_url="http://stt.example.org/v1"),
                           probe=fixed_probe("ok"))
    assert service.remote_engine("mn") is None  # audio never goes out unencrypted
    assert tuple(service.availability("mn")) == (False, "speech_unavailable")
