"""A broken or hostile OpenAI-compatible server cannot make the app buffer without end:
endless streams, one endless line, a stream that goes on after [DONE],
huge non-streamed replies, huge /models and speech replies. Each test runs a loopback
server that really sends that, and checks the app's memory stays put."""

from __future__ import annotations

import json
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator

import pytest

from tutor_desktop.core.config import RemoteProvider
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.llm.backend import BackendError, BackendUnavailable, ChatMessage
from tutor_desktop.core.llm.remote import RemoteBackend, RemoteTimeouts, ReplyLimits, key_lookup
from tutor_desktop.core.speech.remote import RemoteEngine

QUESTION = [ChatMessage("user", "2+2?")]
SSE_HEAD = (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"connection: close\r\n\r\n")


def _event(text: str) -> bytes:
    chunk = {"choices": [{"delta": {"content": text}, "finish_reason": None}]}
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


class RawServer:
    """A loopback TCP server whose reply is written by ``talk(conn)``; records how much
    it managed to send and whether the client hung up."""

    def __init__(self, talk: Callable[[socket.socket], None]) -> None:
        self._talk = talk
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.sent = 0
        self.hung_up = threading.Event()
        self.requests = 0
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def send(self, conn: socket.socket, data: bytes) -> None:
        conn.sendall(data)
        self.sent += len(data)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.requests += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            conn.recv(65536)
            self._talk(conn)
        except OSError:
            self.hung_up.set()
        finally:
            conn.close()

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[RawServer, socket.socket], None]], RawServer]]:
    servers: list[RawServer] = []

    def start(talk: Callable[[RawServer, socket.socket], None]) -> RawServer:
        holder: list[RawServer] = []
        server = RawServer(lambda conn: talk(holder[0], conn))
        holder.append(server)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def _backend(url: str, **limits: float) -> RemoteBackend:
    return RemoteBackend(RemoteProvider("evil", url, "m"), key_lookup({}, {}),
                         timeouts=RemoteTimeouts(first_token_s=5, stall_s=5),
                         limits=ReplyLimits(**limits))  # type: ignore[arg-type]


def _peak_mib(run: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        run()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / 2**20


def test_one_endless_line_is_cut_off(serve) -> None:
    def endless_line(server: RawServer, conn: socket.socket) -> None:
        server.send(conn, SSE_HEAD + b"data: ")
        while True:
            server.send(conn, b"x" * 65536)

    server = serve(endless_line)
    backend = _backend(server.url)

    def ask() -> None:
        with pytest.raises(BackendUnavailable) as info:
            list(backend.stream(QUESTION, max_tokens=16))
        assert info.value.message_id == "remote_bad_answer"

    assert _peak_mib(ask) < 8  # the default line limit is 256 KiB
    assert server.hung_up.wait(5)
    backend.close()


def test_an_endless_stream_of_small_events_stops_at_the_token_limit(serve) -> None:
    def endless(server: RawServer, conn: socket.socket) -> None:
        server.send(conn, SSE_HEAD)
        while True:
            server.send(conn, _event("ha"))

    server = serve(endless)
    backend = _backend(server.url)
    items = list(backend.stream(QUESTION, max_tokens=100))
    text = "".join(d.text for d in items)
    assert items[-1].completion is not None and items[-1].completion.finish_reason == "length"
    assert len(text) <= 2 * (100 + ReplyLimits().token_slack)
    assert server.hung_up.wait(5)  # the reader stopped: the server could not keep sending
    backend.close()


def test_an_endless_stream_of_empty_events_is_bounded_by_bytes(serve) -> None:
    """Events with no text never count as tokens: the byte limit still ends it."""
    def keepalive_flood(server: RawServer, conn: socket.socket) -> None:
        server.send(conn, SSE_HEAD + _event("a"))
        while True:
            server.send(conn, b'data: {"choices": []}\n\n' * 1000)

    server = serve(keepalive_flood)
    backend = _backend(server.url, max_total_bytes=2 * 1024 * 1024)
    with pytest.raises(BackendError):
        list(backend.stream(QUESTION, max_tokens=16))
    assert server.hung_up.wait(5)
    assert server.sent < 64 * 1024 * 1024
    backend.close()


def test_a_slow_drip_ends_at_the_total_time_limit(serve) -> None:
    def drip(server: RawServer, conn: socket.socket) -> None:
        server.send(conn, SSE_HEAD)
        while True:
            server.send(conn, _event("."))
            time.sleep(0.2)

    server = serve(drip)
    backend = _backend(server.url, max_total_s=1.5)
    started = time.monotonic()
    items = list(backend.stream(QUESTION, max_tokens=10_000))
    assert time.monotonic() - started < 4
    assert items[-1].completion is not None and items[-1].completion.finish_reason == "length"
    backend.close()


def test_the_reader_stops_after_done(serve, caplog) -> None:
    def done_then_more(server: RawServer, conn: socket.socket) -> None:
        server.send(conn, SSE_HEAD + _event("4") + b"data: [DONE]\n\n")
        while True:
            server.send(conn, _event("more"))

    server = serve(done_then_more)
    backend = _backend(server.url)
    items = list(backend.stream(QUESTION, max_tokens=16))
    assert "".join(d.text for d in items) == "4"
    assert server.hung_up.wait(5)
    before = server.sent
    time.sleep(0.5)
    assert server.sent == before  # nobody is reading any more
    assert "failed" not in caplog.text  # stopped on purpose, not by an error
    backend.close()


def _http(body_writer: Callable[[RawServer, socket.socket], None], content_type: bytes
          ) -> Callable[[RawServer, socket.socket], None]:
    def talk(server: RawServer, conn: socket.socket) -> None:
        server.send(conn, b"HTTP/1.1 200 OK\r\ncontent-type: " + content_type +
                    b"\r\nconnection: close\r\n\r\n")
        body_writer(server, conn)
    return talk


def _endless_json(server: RawServer, conn: socket.socket) -> None:
    server.send(conn, b'{"text": "')
    while True:
        server.send(conn, b"a" * 65536)


def test_complete_and_probe_do_not_buffer_an_endless_body(serve) -> None:
    server = serve(_http(_endless_json, b"application/json"))
    backend = _backend(server.url, max_total_bytes=1024 * 1024)

    def ask() -> None:
        with pytest.raises(BackendUnavailable):
            backend.complete(QUESTION, max_tokens=4)
        assert backend.probe(timeout_s=2).status_code == 200

    assert _peak_mib(ask) < 8
    backend.close()


def test_speech_replies_are_bounded(serve) -> None:
    server = serve(_http(_endless_json, b"application/json"))
    engine = RemoteEngine(server.url, "mn", timeout_s=5)

    def recognise() -> None:
        with pytest.raises(TutorError):
            engine.transcribe(b"\x00\x00" * 1600)
        assert engine.probe() is True

    assert _peak_mib(recognise) < 8
