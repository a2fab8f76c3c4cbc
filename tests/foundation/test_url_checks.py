"""Plain http only to this PC, judged by the parsed host; an API key goes to one origin only;
config values of the wrong type or out of range give clear errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tutor_desktop.core.config import ConfigError, RemoteProvider, load_config
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.llm.backend import ChatMessage
from tutor_desktop.core.llm.remote import (
    RemoteAuthError,
    RemoteBackend,
    key_lookup,
    store_api_key,
)
from tutor_desktop.core.speech.remote import RemoteEngine

NOWHERE = Path("/nonexistent")
SNEAKY = ["http://localhost.attacker.example/v1", "http://127.0.0.1@attacker.example/v1",
          "http://127.0.0.1.nip.io/v1", "http://user:pw@localhost/v1", "ftp://localhost/v1"]


def _config_with(tmp_path: Path, text: str, env: dict[str, str] | None = None):
    user = tmp_path / "config.toml"
    user.write_text(text, encoding="utf-8")
    return load_config(user, machine_dir=NOWHERE, environ=env or {})


@pytest.mark.parametrize("url", SNEAKY)
def test_lookalike_loopback_urls_are_refused_in_config_and_environment(tmp_path: Path,
                                                                      url: str) -> None:
    with pytest.raises(ConfigError, match="remote provider"):
        _config_with(tmp_path, f'[[remote_providers]]\nname = "x"\nbase_url = "{url}"\n'
                               'model = "m"\n')
    with pytest.raises(ConfigError, match="remote provider env"):
        load_config(machine_dir=NOWHERE, environ={"TUTOR_REMOTE_BASE_URL": url,
                                                  "TUTOR_REMOTE_MODEL": "m"})


@pytest.mark.parametrize("url", SNEAKY)
def test_speech_service_refuses_lookalike_urls(url: str) -> None:
    with pytest.raises(TutorError):
        RemoteEngine(url, "mn")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v1", "http://localhost/v1",
                                 "http://[::1]:9000/v1", "http://127.0.0.2/v1",
                                 "https://openrouter.ai/api/v1"])
def test_real_loopback_and_https_are_accepted(url: str) -> None:
    config = load_config(machine_dir=NOWHERE, environ={"TUTOR_REMOTE_BASE_URL": url,
                                                       "TUTOR_REMOTE_MODEL": "m"})
    assert config.remote_providers[0].base_url == url


@pytest.mark.parametrize("text, says", [
    ('[[remote_providers]]\nname = "x"\nbase_url = 1\nmodel = "m"\n', "base_url must be text"),
    ("remote_providers = 5\n", "remote_providers must be a list"),
    ('[[remote_providers]]\nname = "x"\nbase_url = "https://a.example"\nmodel = "m"\n'
     "timeout_s = -1\n", "timeout_s"),
    ("inactivity_minutes = 0\n", "inactivity_minutes must be between 1 and"),
    ("inactivity_minutes = -5\n", "inactivity_minutes must be between 1 and"),
    ("max_new_tokens = 0\n", "max_new_tokens must be between"),
    ("school_name = [1, 2]\n", "school_name must be text"),
])
def test_wrong_config_values_give_clear_errors(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        _config_with(tmp_path, text)


def test_inactivity_from_environment_is_bounded_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="inactivity_minutes"):
        load_config(machine_dir=NOWHERE, environ={"TUTOR_INACTIVITY_MINUTES": "0"})


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        self.seen.append(dict(self.headers))
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        body = (b'{"choices":[{"message":{"content":"hi"},"finish_reason":"stop"}],'
                b'"usage":{"prompt_tokens":1,"completion_tokens":1}}')
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def two_servers() -> Iterator[tuple[str, str, list[dict[str, str]], list[dict[str, str]]]]:
    servers, logs = [], []
    for _ in range(2):
        log: list[dict[str, str]] = []
        handler = type("Handler", (_Recorder,), {"seen": log})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        logs.append(log)
    yield (f"http://127.0.0.1:{servers[0].server_port}/v1",
           f"http://127.0.0.1:{servers[1].server_port}/v1", logs[0], logs[1])
    for server in servers:
        server.shutdown()
        server.server_close()


def test_an_api_key_is_only_ever_sent_to_the_origin_it_was_saved_for(two_servers) -> None:
    school_url, other_url, school_log, other_log = two_servers
    store: dict[str, str] = {}
    store_api_key(store, "school-key", "sk-school-secret", school_url)
    question = [ChatMessage("user", "2+2?")]

    good = RemoteBackend(RemoteProvider("school", school_url, "m", key_name="school-key"),
                         key_lookup(store, {}))
    assert good.complete(question, max_tokens=4)[0] == "hi"
    assert school_log[-1]["Authorization"] == "Bearer sk-school-secret"

    # Someone edits the (user-writable) config: same key name, another server.
    hijacked = RemoteBackend(RemoteProvider("school", other_url, "m", key_name="school-key"),
                             key_lookup(store, {}))
    with pytest.raises(RemoteAuthError) as info:
        hijacked.complete(question, max_tokens=4)
    assert "another server address" in info.value.message("en")
    with pytest.raises(RemoteAuthError):
        list(hijacked.stream(question, max_tokens=4))
    assert hijacked.probe().status_code == 403
    assert other_log == []  # the other server received nothing at all
    good.close()
    hijacked.close()


def test_a_key_saved_before_binding_is_bound_to_its_first_origin(two_servers) -> None:
    school_url, other_url, school_log, other_log = two_servers
    store = {"old-key": "sk-old"}
    first = RemoteBackend(RemoteProvider("a", school_url, "m", key_name="old-key"),
                          key_lookup(store, {}))
    first.complete([ChatMessage("user", "x")], max_tokens=2)
    assert school_log[-1]["Authorization"] == "Bearer sk-old"
    later = RemoteBackend(RemoteProvider("a", other_url, "m", key_name="old-key"),
                          key_lookup(store, {}))
    with pytest.raises(RemoteAuthError):
        later.complete([ChatMessage("user", "x")], max_tokens=2)
    assert other_log == []
