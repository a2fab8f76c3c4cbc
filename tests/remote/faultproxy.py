"""A small fault-injecting HTTP proxy on loopback, for testing the remote LLM client.

It sits between the client and a real OpenAI-compatible server and, per request,
either forwards faithfully or injects one of the faults a school's 3G link or a
busy provider produces: a delay, an HTTP error (500/503/429 with Retry-After,
401), a connection reset in the middle of a streamed answer, a stall (the
connection stays open but no more bytes arrive), or no connection at all
("cable pulled").

For the sync tests it also acts on the server's *answer* and on order: the request
reaches the server but the answer is lost (``lose_answer``), replaced by a 5xx
(``status_after``) or delayed (``delay_answer``); a request is sent to the server
twice (``duplicate``); or held back until a later request has been served
(``hold``: requests from several PCs then arrive out of order).

Usage::

    proxy = FaultProxy(upstream_port).start()
    proxy.push(Fault.status(503), Fault.status(429, retry_after=1))  # next 2 requests
    proxy.default = Fault.reset_after(events=3)                       # every later one
    proxy.pull_cable() / proxy.plug_cable()
    proxy.requests  # how many requests reached the proxy

One request per connection (we force ``Connection: close``), which keeps the
parsing trivial and makes every request countable.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fault:
    # pass | delay | status | reset | stall | drop | lose_answer | status_after |
    # delay_answer | duplicate | hold
    kind: str = "pass"
    delay_s: float = 0.0
    status: int = 0
    retry_after: str | None = None
    events: int = 0  # for reset/stall: how many SSE "data:" events get through first
    stall_s: float = 60.0

    @staticmethod
    def ok() -> Fault:
        return Fault()

    @staticmethod
    def delay(seconds: float) -> Fault:
        return Fault("delay", delay_s=seconds)

    @staticmethod
    def http(status: int, retry_after: float | str | None = None) -> Fault:
        return Fault("status", status=status,
                     retry_after=None if retry_after is None else str(retry_after))

    @staticmethod
    def reset_after(events: int) -> Fault:
        return Fault("reset", events=events)

    @staticmethod
    def stall_after(events: int, seconds: float = 60.0) -> Fault:
        return Fault("stall", events=events, stall_s=seconds)

    @staticmethod
    def lose_answer() -> Fault:
        """The server gets the request and answers; the answer never reaches the client."""
        return Fault("lose_answer")

    @staticmethod
    def status_after(status: int) -> Fault:
        """The server handles the request, but the client sees an HTTP error."""
        return Fault("status_after", status=status)

    @staticmethod
    def delay_answer(seconds: float) -> Fault:
        return Fault("delay_answer", delay_s=seconds)

    @staticmethod
    def duplicate() -> Fault:
        """The request reaches the server twice (a retrying middlebox)."""
        return Fault("duplicate")

    @staticmethod
    def hold(seconds: float) -> Fault:
        """Hold the request until another request has been served (or ``seconds``)."""
        return Fault("hold", delay_s=seconds)

    @staticmethod
    def drop() -> Fault:
        """Accept, then reset before any response (a NAT box dropping the flow)."""
        return Fault("drop")


_REASONS = {401: "Unauthorized", 403: "Forbidden", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass
class RequestLog:
    path: str
    fault: Fault
    headers: dict[str, str] = field(default_factory=dict)
    at: float = 0.0


class FaultProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.default = Fault.ok()
        self._script: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._port = port
        self._open: set[socket.socket] = set()
        self._stop = threading.Event()
        self.log: list[RequestLog] = []
        self._served = threading.Condition()
        self.served = 0  # requests answered by the server so far

    # -- control ---------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/v1"

    @property
    def requests(self) -> int:
        return len(self.log)

    def push(self, *faults: Fault) -> None:
        """Faults for the next requests, in order; then ``default`` applies again."""
        with self._lock:
            self._script.extend(faults)

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.default = Fault.ok()
            self.log.clear()

    def start(self) -> FaultProxy:
        self._listen()
        return self

    def pull_cable(self) -> None:
        """Refuse new connections and reset every open one, like unplugging the network."""
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not, and
            # the kernel would keep accepting connections.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            _hard_close(sock)

    def plug_cable(self) -> None:
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self._stop.set()
        self.pull_cable()

    # -- internals -----------------------------------------------------------
    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self._port))
        listener.listen(32)
        self._port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept_loop, args=(listener,), daemon=True,
                         name=f"faultproxy-{self._port}").start()

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _next_fault(self) -> Fault:
        with self._lock:
            return self._script.popleft() if self._script else self.default

    def _track(self, sock: socket.socket, add: bool) -> None:
        with self._lock:
            (self._open.add if add else self._open.discard)(sock)

    def _serve(self, client: socket.socket) -> None:
        self._track(client, True)
        upstream: socket.socket | None = None
        try:
            head, body = _read_request(client)
            if head is None:
                return
            request_line, headers = _parse_head(head)
            fault = self._next_fault()
            self.log.append(RequestLog(request_line.split(" ")[1], fault, headers,
                                       time.monotonic()))
            if fault.kind == "drop":
                _hard_close(client)
                return
            if fault.kind == "status":
                _send_status(client, fault)
                return
            if fault.kind == "delay":
                time.sleep(fault.delay_s)
            if fault.kind == "hold":
                with self._served:
                    seen = self.served
                    self._served.wait_for(lambda: self.served > seen, timeout=fault.delay_s)
            if fault.kind == "duplicate":
                self._roundtrip(head, body)
            if fault.kind in ("lose_answer", "status_after", "delay_answer"):
                answer = self._roundtrip(head, body)
                if fault.kind == "lose_answer":
                    _hard_close(client)
                elif fault.kind == "status_after":
                    _send_status(client, fault)
                else:
                    time.sleep(fault.delay_s)
                    client.sendall(answer)
                return
            upstream = socket.create_connection(self.upstream, timeout=30)
            self._track(upstream, True)
            upstream.sendall(_rewrite_head(head) + body)
            self._pump(upstream, client, fault)
            self._note_served()
        except OSError:
            pass
        finally:
            if upstream is not None:
                self._track(upstream, False)
                with contextlib.suppress(OSError):
                    upstream.close()
            self._track(client, False)
            with contextlib.suppress(OSError):
                client.close()

    def _roundtrip(self, head: bytes, body: bytes) -> bytes:
        """Send the request to the server and read its whole answer (one per connection)."""
        with socket.create_connection(self.upstream, timeout=30) as upstream:
            upstream.sendall(_rewrite_head(head) + body)
            answer = b""
            while chunk := upstream.recv(65536):
                answer += chunk
        self._note_served()
        return answer

    def _note_served(self) -> None:
        with self._served:
            self.served += 1
            self._served.notify_all()

    def _pump(self, upstream: socket.socket, client: socket.socket, fault: Fault) -> None:
        seen = 0
        while True:
            data = upstream.recv(65536)
            if not data:
                return
            if fault.kind in ("reset", "stall"):
                # Forward up to (and including) the allowed number of events.
                cut = _cut_after_events(data, fault.events - seen)
                seen += data.count(b"data:")
                if cut is not None:
                    client.sendall(data[:cut])
                    if fault.kind == "reset":
                        time.sleep(0.05)  # let the client read what got through
                        _hard_close(client)
                    else:
                        self._stall(upstream, client, fault.stall_s)
                    return
            client.sendall(data)


    def _stall(self, upstream: socket.socket, client: socket.socket, seconds: float) -> None:
        """Keep the client connected but silent; drain the server so it is not blocked."""
        deadline = time.monotonic() + seconds
        upstream.settimeout(0.05)
        while time.monotonic() < deadline and not self._stop.is_set():
            try:
                if not upstream.recv(65536):
                    time.sleep(0.05)
            except TimeoutError:
                pass
            except OSError:
                time.sleep(0.05)
            if _peer_closed(client):
                return


def _peer_closed(sock: socket.socket) -> bool:
    try:
        sock.setblocking(False)
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        with contextlib.suppress(OSError):
            sock.setblocking(True)


def _cut_after_events(data: bytes, allowed: int) -> int | None:
    """Offset just after the ``allowed``-th complete event in ``data`` (None: all fit)."""
    if data.count(b"data:") <= allowed:
        return None
    offset = 0
    for _ in range(max(allowed, 0)):
        start = data.index(b"data:", offset)
        end = data.find(b"\r\n\r\n", start)
        sep = 4
        if end < 0:
            end, sep = data.find(b"\n\n", start), 2
        offset = (end + sep) if end >= 0 else start + 5
    # A chunked body: keep the HTTP chunk framing roughly intact by cutting at an event end.
    return offset


def _read_request(sock: socket.socket) -> tuple[bytes | None, bytes]:
    sock.settimeout(30)
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    sock.settimeout(None)
    return head + b"\r\n\r\n", rest


def _parse_head(head: bytes) -> tuple[str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return lines[0], headers


def _rewrite_head(head: bytes) -> bytes:
    lines = [line for line in head.split(b"\r\n") if line and not line.lower().startswith(
        (b"connection:", b"keep-alive:"))]
    return b"\r\n".join([*lines, b"Connection: close", b"", b""])


def _send_status(sock: socket.socket, fault: Fault) -> None:
    body = (b'{"error": {"message": "injected fault", "code": %d}}' % fault.status)
    lines = [f"HTTP/1.1 {fault.status} {_REASONS.get(fault.status, 'Error')}",
             "Content-Type: application/json", f"Content-Length: {len(body)}",
             "Connection: close"]
    if fault.retry_after is not None:
        lines.append(f"Retry-After: {fault.retry_after}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def _hard_close(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0): the peer sees 'connection reset', not a clean end."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()
