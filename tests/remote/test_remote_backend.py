"""The remote OpenAI-compatible client against a real llama_cpp.server, through the fault proxy."""

from __future__ import annotations

import datetime
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from faultproxy import Fault, FaultProxy

from tutor_desktop.core.config import RemoteProvider, load_config
from tutor_desktop.core.llm.backend import (
    BackendError,
    BackendUnavailable,
    ChatBackend,
    ChatMessage,
    Delta,
)
from tutor_desktop.core.llm.remote import (
    RemoteAuthError,
    RemoteBackend,
    RemoteStreamError,
    RemoteTimeouts,
    RemoteUnavailable,
    key_lookup,
    parse_retry_after,
)

QUESTION = [ChatMessage("user", "What is 2+2?")]
SECRET = "sk-test-DO-NOT-LEAK-9f8e7d"


def make(proxy: FaultProxy, model: str = "alpha-270m", *, secrets: dict[str, str] | None = None,
         **timeouts: float) -> RemoteBackend:
    provider = RemoteProvider("alpha", proxy.base_url, model, key_name="alpha-key")
    store = secrets if secrets is not None else {"alpha-key": SECRET}
    return RemoteBackend(provider, key_lookup(store, {}), timeouts=RemoteTimeouts(**timeouts))


def run(stream: Iterator[Delta]) -> tuple[str, list[Delta]]:
    items = list(stream)
    return "".join(d.text for d in items), items


def test_streams_an_answer_like_the_local_engine(proxy_alpha: FaultProxy) -> None:
    backend = make(proxy_alpha)
    assert isinstance(backend, ChatBackend)
    text, items = run(backend.stream(QUESTION, max_tokens=12, temperature=0))
    assert text.strip()
    assert all(d.completion is None for d in items[:-1])
    final = items[-1].completion
    assert final is not None and final.finish_reason == "length"
    assert final.completion_tokens == 12
    assert backend.name == "remote" and backend.model == "alpha-270m"
    # Non-streaming gives the same deterministic answer at temperature 0.
    same, completion = backend.complete(QUESTION, max_tokens=12, temperature=0)
    assert same == text
    assert completion.prompt_tokens > 0
    backend.close()


def test_api_key_is_sent_but_never_logged_or_shown(proxy_alpha: FaultProxy,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    backend = make(proxy_alpha)
    run(backend.stream(QUESTION, max_tokens=4, temperature=0))
    assert proxy_alpha.log[-1].headers["authorization"] == f"Bearer {SECRET}"
    proxy_alpha.push(Fault.http(401))
    with pytest.raises(RemoteAuthError) as error:
        run(backend.stream(QUESTION, max_tokens=4))
    assert SECRET not in caplog.text
    assert SECRET not in repr(backend)
    assert SECRET not in str(error.value) and SECRET not in error.value.message("mn")
    backend.close()


def test_env_provider_reads_its_key_from_the_environment(proxy_alpha: FaultProxy) -> None:
    env = {"TUTOR_REMOTE_BASE_URL": proxy_alpha.base_url, "TUTOR_REMOTE_MODEL": "alpha-270m",
           "TUTOR_REMOTE_API_KEY": "sk-env-key"}
    config = load_config(environ=env, machine_dir=Path("/nonexistent"))
    (provider,) = config.remote_providers
    backend = RemoteBackend(provider, key_lookup({}, env))
    run(backend.stream(QUESTION, max_tokens=2))
    assert proxy_alpha.log[-1].headers["authorization"] == "Bearer sk-env-key"
    backend.close()


def test_no_key_sends_no_authorization_header(proxy_alpha: FaultProxy) -> None:
    backend = make(proxy_alpha, secrets={})
    run(backend.stream(QUESTION, max_tokens=2))
    assert "authorization" not in proxy_alpha.log[-1].headers
    backend.close()


@pytest.mark.parametrize(("fault", "kind", "retryable", "retry_after"), [
    (Fault.http(503), "server", True, None),
    (Fault.http(500), "server", True, None),
    (Fault.http(429, retry_after=7), "rate_limited", True, 7.0),
    (Fault.http(403), "auth", False, None),
])
def test_http_errors_are_typed_for_the_router(proxy_alpha: FaultProxy, fault: Fault, kind: str,
                                              retryable: bool, retry_after: float | None) -> None:
    backend = make(proxy_alpha)
    proxy_alpha.push(fault)
    with pytest.raises(RemoteUnavailable) as error:
        run(backend.stream(QUESTION, max_tokens=4))
    assert error.value.kind == kind
    assert error.value.retryable is retryable
    assert error.value.retry_after_s == retry_after
    assert error.value.status == fault.status
    backend.close()


def test_connection_reset_mid_stream_keeps_what_arrived(proxy_alpha: FaultProxy) -> None:
    backend = make(proxy_alpha)
    proxy_alpha.push(Fault.reset_after(events=4))  # role chunk + 3 text pieces
    got: list[str] = []
    with pytest.raises(RemoteStreamError) as error:
        for delta in backend.stream(QUESTION, max_tokens=20, temperature=0):
            got.append(delta.text)
    assert isinstance(error.value, BackendError) and error.value.retryable
    assert error.value.message_id == "remote_connection_lost"
    assert len(got) == 3
    backend.close()


def test_stall_between_tokens_is_detected(proxy_alpha: FaultProxy) -> None:
    backend = make(proxy_alpha, stall_s=0.8)
    proxy_alpha.push(Fault.stall_after(events=3, seconds=20))
    got: list[str] = []
    last = time.monotonic()
    with pytest.raises(RemoteStreamError) as error:
        for delta in backend.stream(QUESTION, max_tokens=20, temperature=0):
            got.append(delta.text)
            last = time.monotonic()
    silence = time.monotonic() - last
    assert error.value.message_id == "remote_stalled"
    assert got and 0.75 < silence < 3
    backend.close()


def test_first_token_timeout(proxy_alpha: FaultProxy) -> None:
    backend = make(proxy_alpha, first_token_s=0.6)
    proxy_alpha.push(Fault.delay(3))
    started = time.monotonic()
    with pytest.raises(RemoteUnavailable) as error:
        run(backend.stream(QUESTION, max_tokens=4))
    assert error.value.kind == "timeout" and error.value.retryable
    assert time.monotonic() - started < 2
    backend.close()


def test_unreachable_provider_fails_fast(proxy_alpha: FaultProxy) -> None:
    backend = make(proxy_alpha)
    proxy_alpha.pull_cable()
    started = time.monotonic()
    with pytest.raises(RemoteUnavailable) as error:
        run(backend.stream(QUESTION, max_tokens=4))
    assert error.value.kind == "connect"
    assert time.monotonic() - started < 1
    backend.close()


def test_stop_button_ends_the_stream_and_frees_the_server(proxy_alpha: FaultProxy) -> None:
    backend = make(proxy_alpha)
    stop = threading.Event()
    pieces = []
    for delta in backend.stream(QUESTION, max_tokens=200, temperature=0, stop_event=stop):
        if delta.completion is not None:
            final = delta.completion
            break
        pieces.append(delta.text)
        if len(pieces) == 3:
            stop.set()
    assert final.finish_reason == "cancelled"
    assert len(pieces) == 3
    text, _ = run(backend.stream(QUESTION, max_tokens=3, temperature=0))
    assert text
    backend.close()


def test_retry_after_http_date() -> None:
    now = time.time()
    stamp = datetime.datetime.fromtimestamp(now + 12, datetime.UTC)
    header = stamp.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 10 <= (parse_retry_after(header, now) or 0) <= 13
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("soon") is None


# --- TLS is always verified ------------------------------------------------------------------
@pytest.fixture
def self_signed_tls_server(tmp_path: Path) -> Iterator[int]:
    """A TLS server with a self-signed certificate: a trusting client would connect."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    handshakes: list[str] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    handshakes.append("ok")
                    tls.recv(65536)
                    tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                b"Content-Length: 0\r\n\r\n")
            except (ssl.SSLError, OSError):
                handshakes.append("refused")

    threading.Thread(target=serve, daemon=True).start()
    yield port
    listener.close()


def test_tls_certificate_is_verified(self_signed_tls_server: int) -> None:
    provider = RemoteProvider("mitm", f"https://localhost:{self_signed_tls_server}/v1", "m")
    backend = RemoteBackend(provider, key_lookup({}, {}))
    with pytest.raises(BackendUnavailable) as error:
        run(backend.stream(QUESTION, max_tokens=4))
    assert isinstance(error.value, RemoteUnavailable) and error.value.kind == "connect"
    backend.close()


def test_a_finished_answer_ends_cleanly_without_a_logged_failure(
        proxy_alpha: FaultProxy, caplog: pytest.LogCaptureFixture) -> None:
    """After ``[DONE]`` the rest of the response is drained through the same byte stream:
    reading it a second time raised httpx.StreamConsumed, logged as a failed stream."""
    backend = make(proxy_alpha)
    with caplog.at_level(logging.WARNING, logger="tutor_desktop"):
        for _ in range(2):
            text, items = run(backend.stream(QUESTION, max_tokens=6, temperature=0))
            assert text.strip() and items[-1].completion is not None
    backend.close()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
