"""A remote OpenAI-compatible chat model (OpenRouter or any ``/v1/chat/completions``).

Streams Server-Sent Events (a small parser with bounded buffers, :func:`sse_data`)
and speaks the same :class:`ChatBackend` protocol as the local engine, so the
router can swap them. Every reply is bounded (:class:`ReplyLimits`): line size,
total bytes, text events and total time, so a broken or hostile server cannot
make the app buffer without end.

Why a reader thread: httpx fixes a read timeout per request, but a tutor needs
two different limits (the first token may take up to 30 s while the provider
processes the prompt; afterwards 15 s without a token means the link stalled)
and must react to the stop button at once. The HTTP read runs in a small
daemon thread that hands events over a queue; the caller's generator waits on
the queue with the right deadline and, on timeout or stop, shuts the socket so
the reader ends promptly.

Security: TLS is always verified (httpx's default, never ``verify=False``); the
API key comes from the secret store by the provider's ``key_name`` (provider
``env``: ``TUTOR_REMOTE_API_KEY``) and never appears in logs, reprs or errors.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import math
import os
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from tutor_desktop.core.config import RemoteProvider
from tutor_desktop.core.llm.backend import (
    BackendError,
    BackendKind,
    BackendUnavailable,
    ChatMessage,
    Completion,
    Delta,
    FinishReason,
)
from tutor_desktop.core.llm.vision import content_parts
from tutor_desktop.core.privacy.urls import check_transport_url, origin

log = logging.getLogger(__name__)

KeyLookup = Callable[..., "str | None"]
ENV_KEY_NAME = "env"
ENV_API_KEY = "TUTOR_REMOTE_API_KEY"


@dataclass(frozen=True)
class RemoteTimeouts:
    """Connect 5 s, first token 30 s, stall between tokens 15 s."""

    connect_s: float = 5.0
    first_token_s: float = 30.0
    stall_s: float = 15.0
    write_s: float = 10.0


@dataclass(frozen=True)
class ReplyLimits:
    """Upper bounds on one reply, whatever the server sends.

    Without them an endless stream, or one line with no newline, grows memory
    until the operating system kills the app. A real SSE event is well under
    a kilobyte and a real answer well under a megabyte.
    """

    max_line_bytes: int = 256 * 1024
    max_total_bytes: int = 8 * 1024 * 1024
    max_total_s: float = 300.0
    #: text events beyond ``max_tokens`` (+ this slack) end the answer as "length".
    token_slack: int = 64
    #: after ``[DONE]`` read at most this much more (to hand the connection back).
    drain_bytes: int = 16 * 1024


class ReplyTooLarge(Exception):
    """The server sent more than :class:`ReplyLimits` allows; the reply was cut off."""


def read_capped(response: httpx.Response, max_bytes: int, deadline: float | None = None) -> bytes:
    """The body of a streamed ``response``, refusing more than ``max_bytes`` or past
    ``deadline`` (monotonic seconds) instead of buffering whatever arrives."""
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise ReplyTooLarge(f"more than {max_bytes} bytes")
        if deadline is not None and time.monotonic() > deadline:
            raise ReplyTooLarge("took too long")
    return bytes(body)


def sse_data(chunks: Iterator[bytes], limits: ReplyLimits) -> Iterator[str]:
    """The ``data`` of each Server-Sent Event in ``chunks``, with bounded buffers.

    A minimal parser of the SSE format (``data:`` lines, a blank line ends an
    event, ``:`` comments and other fields ignored) that never holds more than
    ``max_line_bytes`` of one event nor reads more than ``max_total_bytes``.
    """
    buffer = bytearray()
    data: list[bytes] = []
    data_size = 0
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > limits.max_total_bytes:
            raise ReplyTooLarge(f"more than {limits.max_total_bytes} bytes")
        buffer += chunk
        start = 0
        while True:
            end = buffer.find(b"\n", start)
            if end < 0:
                break
            line = bytes(buffer[start:end]).rstrip(b"\r")
            start = end + 1
            if not line:
                if data:
                    yield b"\n".join(data).decode("utf-8", errors="replace")
                data, data_size = [], 0
                continue
            if line.startswith(b"data:"):
                value = line[5:]
                value = value[1:] if value.startswith(b" ") else value
                data_size += len(value)
                if data_size > limits.max_line_bytes:
                    raise ReplyTooLarge("one event is too long")
                data.append(value)
        del buffer[:start]
        if len(buffer) > limits.max_line_bytes:
            raise ReplyTooLarge("one line is too long")
    if data:
        yield b"\n".join(data).decode("utf-8", errors="replace")


# --- errors -------------------------------------------------------------------
class RemoteUnavailable(BackendUnavailable):
    """The provider gave no answer at all (nothing was streamed).

    ``kind`` is one of ``connect``, ``timeout``, ``reset`` (connection lost),
    ``rate_limited``, ``server``, ``auth``, ``bad_request``, ``protocol`` (an answer
    we cannot parse); ``retry_after_s`` comes from the
    provider's ``Retry-After`` header when it sent one.
    """

    def __init__(self, message_id: str, *, kind: str, retryable: bool,
                 status: int | None = None, retry_after_s: float | None = None,
                 **params: Any) -> None:
        super().__init__(message_id, **params)
        self.kind = kind
        self.retryable = retryable
        self.status = status
        self.retry_after_s = retry_after_s


class RemoteAuthError(RemoteUnavailable):
    """401/403: the API key was rejected. Never retried; shown to teachers, not students."""


class RemoteStreamError(BackendError):
    """The answer broke off after some text had arrived (reset, stall, truncated stream)."""

    def __init__(self, message_id: str, *, kind: str, retryable: bool = True,
                 **params: Any) -> None:
        super().__init__(message_id, retryable=retryable, **params)
        self.kind = kind


class KeyBoundElsewhere(Exception):
    """The key for this provider was stored for another origin: it is not sent."""


#: The secret holding the origin a stored key belongs to is ``<key_name>.origin``.
ORIGIN_SUFFIX = ".origin"


def key_lookup(secrets: Any, environ: Mapping[str, str] | None = None) -> KeyLookup:
    """How a provider's ``key_name`` becomes its API key.

    The provider named ``env`` (from ``TUTOR_REMOTE_*`` for a one-off test by IT)
    reads ``TUTOR_REMOTE_API_KEY``; every other key lives in the secret store.

    Each stored key is bound to one origin (``scheme://host:port``): the lookup
    needs the URL it will be sent to and raises :class:`KeyBoundElsewhere` for
    any other, so a config file edited to point a provider elsewhere cannot
    make the app hand the school's key to that server. A key stored without a
    binding (before this check existed) is bound to the first origin it is
    used for; :func:`store_api_key` binds at once.
    """
    env = os.environ if environ is None else environ

    def lookup(key_name: str, url: str | None = None) -> str | None:
        if not key_name:
            return None
        if key_name == ENV_KEY_NAME:
            # Key and URL come from the same environment, set by the same person.
            return env.get(ENV_API_KEY) or None
        value = secrets.get(key_name)
        if value is None:
            return None
        if url is not None:
            wanted = origin(url)
            bound = secrets.get(key_name + ORIGIN_SUFFIX)
            if bound is None:
                _store(secrets, key_name + ORIGIN_SUFFIX, wanted)
            elif str(bound) != wanted:
                log.warning("API key %r is bound to another host; not sent to %s",
                            key_name, wanted)
                raise KeyBoundElsewhere(key_name)
        return str(value)

    return lookup


def store_api_key(secrets: Any, key_name: str, key: str, base_url: str) -> None:
    """Save a provider's API key together with the one origin it may be sent to."""
    _store(secrets, key_name, key)
    _store(secrets, key_name + ORIGIN_SUFFIX, origin(check_transport_url(base_url)))


def _store(secrets: Any, name: str, value: str) -> None:
    setter = getattr(secrets, "set", None)
    if callable(setter):
        setter(name, value)
    else:  # a plain mapping (tests, one-off scripts)
        secrets[name] = value


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


# --- the backend --------------------------------------------------------------
class RemoteBackend:
    """One provider from ``Config.remote_providers``."""

    def __init__(self, provider: RemoteProvider, keys: KeyLookup, *,
                 timeouts: RemoteTimeouts | None = None, context_window: int = 8192,
                 client: httpx.Client | None = None, limits: ReplyLimits | None = None) -> None:
        self.provider = provider
        self.limits = limits or ReplyLimits()
        self._keys = keys
        self.timeouts = timeouts or RemoteTimeouts(first_token_s=provider.timeout_s)
        self._context_window = context_window
        self._owns_client = client is None
        # verify=True is httpx's default; stated here so nobody "fixes" it away.
        self._client = client or httpx.Client(
            verify=True, follow_redirects=False,
            limits=httpx.Limits(max_keepalive_connections=4, keepalive_expiry=60.0))
        self._key_cache: tuple[str | None] | None = None

    # -- ChatBackend ---------------------------------------------------------
    @property
    def name(self) -> BackendKind:
        return "remote"

    @property
    def model(self) -> str:
        return self.provider.model

    @property
    def provider_name(self) -> str:
        return self.provider.name

    @property
    def label(self) -> str:
        """What is stored as the answering backend: ``remote:<provider>``."""
        return f"remote:{self.provider.name}"

    @property
    def context_window(self) -> int:
        return self._context_window

    def count_tokens(self, text: str) -> int:
        """An estimate (~3 characters per token; Mongolian Cyrillic tokenises densely)."""
        return max(1, math.ceil(len(text) / 3)) if text else 0

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int,
               temperature: float = 0.2,
               stop_event: threading.Event | None = None) -> Iterator[Delta]:
        """Stream an answer; see the module docstring for the deadlines."""
        body = self._body(messages, max_tokens, temperature, stream=True)
        sent = self.images_sent(messages)
        job = _StreamJob(self, body)
        job.start()
        started = time.monotonic()
        deadline = started + self.timeouts.first_token_s
        give_up = started + self.limits.max_total_s
        most_events = max_tokens + self.limits.token_slack
        produced = 0
        completed = False
        try:
            while True:
                if stop_event is not None and stop_event.is_set():
                    job.cancel()
                    yield Delta(completion=Completion(
                        "cancelled", job.prompt_tokens(messages), job.completion_tokens(produced),
                        images_sent=sent))
                    return
                now = time.monotonic()
                if produced and (now >= give_up or produced >= most_events):
                    # A server that ignores max_tokens, or drips forever: keep what
                    # came, end the answer as cut off, stop reading.
                    job.cancel()
                    yield Delta(completion=Completion(
                        "length", job.prompt_tokens(messages), produced, images_sent=sent))
                    return
                remaining = min(deadline, give_up) - now
                if remaining <= 0:
                    job.cancel()
                    raise self._timeout_error(produced)
                try:
                    kind, payload = job.events.get(timeout=min(remaining, 0.05))
                except queue.Empty:
                    continue
                if kind == "text":
                    produced += 1
                    deadline = time.monotonic() + self.timeouts.stall_s
                    yield Delta(text=str(payload))
                elif kind == "done":
                    completed = True  # the reader drains the body: the connection is reused
                    finish: FinishReason = payload if payload in ("stop", "length") else "stop"
                    yield Delta(completion=Completion(
                        finish, job.prompt_tokens(messages), job.completion_tokens(produced),
                        images_sent=sent))
                    return
                else:  # "error"
                    raise self._as_stream_error(payload, produced)
        finally:
            if not completed:
                job.cancel()

    def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int,
                 temperature: float = 0.2) -> tuple[str, Completion]:
        """A non-streaming request (scripts, probes); same errors as :meth:`stream`."""
        body = self._body(messages, max_tokens, temperature, stream=False)
        headers = self._headers()
        deadline = time.monotonic() + self.limits.max_total_s
        try:
            with self._client.stream("POST", self._url("/chat/completions"), json=body,
                                     headers={**headers, "Accept-Encoding": "identity"},
                                     timeout=self._httpx_timeout()) as response:
                raw = read_capped(response, self.limits.max_total_bytes, deadline)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from None
        except ReplyTooLarge:
            raise RemoteUnavailable("remote_bad_answer", kind="protocol", retryable=False,
                                    provider=self.provider.name) from None
        if response.status_code != 200:
            raise self._status_error(response)
        try:
            data = json.loads(raw)
            choice = data["choices"][0]
            text = str(choice["message"].get("content") or "")
            usage = data.get("usage") or {}
        except (ValueError, KeyError, IndexError, TypeError):
            raise RemoteUnavailable("remote_bad_answer", kind="protocol", retryable=True,
                                    provider=self.provider.name) from None
        finish = choice.get("finish_reason")
        return text, Completion(
            finish if finish in ("stop", "length") else "stop",
            int(usage.get("prompt_tokens") or sum(self.count_tokens(m.content) for m in messages)),
            int(usage.get("completion_tokens") or self.count_tokens(text)))

    def probe(self, timeout_s: float = 5.0) -> httpx.Response:
        """A cheap reachability check: ``GET <base>/models`` (no tokens spent)."""
        try:
            headers = self._headers()
        except RemoteAuthError:
            return httpx.Response(403)  # the key belongs to another host: nothing is sent
        # Only the status matters: the body is never read, however large it is.
        with self._client.stream("GET", self._url("/models"), headers=headers,
                                 timeout=httpx.Timeout(timeout_s)) as response:
            return httpx.Response(response.status_code, headers=response.headers)

    def forget_key(self) -> None:
        """Re-read the key on the next request (after a 401, or a teacher changed it)."""
        self._key_cache = None

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __repr__(self) -> str:  # never show the key
        return (f"RemoteBackend(provider={self.provider.name!r}, model={self.provider.model!r}, "
                f"base_url={self.provider.base_url!r})")

    # -- request building ----------------------------------------------------
    def _url(self, path: str) -> str:
        return self.provider.base_url.rstrip("/") + path

    def _api_key(self) -> str | None:
        if self._key_cache is None:
            try:
                key = self._keys(self.provider.key_name, self.provider.base_url)
            except KeyBoundElsewhere:
                raise RemoteAuthError("remote_key_other_host", kind="auth", retryable=False,
                                      **self._p()) from None
            self._key_cache = (key,)
        return self._key_cache[0]

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": "tutor-desktop"}
        key = self._api_key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    @property
    def accepts_images(self) -> bool:
        """The school marked this provider's model as one that reads pictures."""
        return self.provider.vision

    def images_sent(self, messages: Sequence[ChatMessage]) -> int:
        """How many pictures a request with ``messages`` carries to this provider."""
        return sum(len(m.images) for m in messages) if self.accepts_images else 0

    def _message(self, message: ChatMessage) -> dict[str, Any]:
        if message.images and self.accepts_images and message.role == "user":
            return {"role": message.role,
                    "content": content_parts(message.content, message.images)}
        return message.as_dict()  # text only: a model that cannot see never gets the bytes

    def _body(self, messages: Sequence[ChatMessage], max_tokens: int, temperature: float, *,
              stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.provider.model,
            "messages": [self._message(m) for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": stream,
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body

    def _httpx_timeout(self) -> httpx.Timeout:
        # The socket read limit is the first-token limit; the stall limit is enforced by the
        # consumer's queue deadline, which then shuts the socket.
        return httpx.Timeout(connect=self.timeouts.connect_s, read=self.timeouts.first_token_s,
                             write=self.timeouts.write_s, pool=self.timeouts.connect_s)

    # -- error mapping ---------------------------------------------------------
    def _p(self) -> dict[str, Any]:
        return {"provider": self.provider.name}

    def _status_error(self, response: httpx.Response) -> RemoteUnavailable:
        status = response.status_code
        if status in (401, 403):
            self.forget_key()
            return RemoteAuthError("remote_key_rejected", kind="auth", retryable=False,
                                   status=status, **self._p())
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if status == 429:
            return RemoteUnavailable("remote_rate_limited", kind="rate_limited", retryable=True,
                                     status=status, retry_after_s=retry_after, **self._p())
        if status >= 500 or status == 408:
            return RemoteUnavailable("remote_server_error", kind="server", retryable=True,
                                     status=status, retry_after_s=retry_after, **self._p())
        return RemoteUnavailable("remote_bad_request", kind="bad_request", retryable=False,
                                 status=status, **self._p())

    def _transport_error(self, exc: BaseException) -> RemoteUnavailable:
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return RemoteUnavailable("remote_unreachable", kind="connect", retryable=True,
                                     **self._p())
        if isinstance(exc, httpx.TimeoutException):
            return RemoteUnavailable("remote_timeout", kind="timeout", retryable=True,
                                     **self._p())
        return RemoteUnavailable("remote_connection_lost", kind="reset", retryable=True,
                                 **self._p())

    def _timeout_error(self, produced: int) -> BackendUnavailable | BackendError:
        if produced == 0:
            return RemoteUnavailable("remote_timeout", kind="timeout", retryable=True,
                                     **self._p())
        return RemoteStreamError("remote_stalled", kind="stall", **self._p())

    def _as_stream_error(self, payload: Any, produced: int) -> BackendUnavailable | BackendError:
        if isinstance(payload, RemoteUnavailable):
            if produced == 0:
                return payload
            return RemoteStreamError(payload.message_id, kind=payload.kind,
                                     retryable=payload.retryable, **payload.params)
        if isinstance(payload, httpx.HTTPError):
            error = self._transport_error(payload)
            return error if produced == 0 else RemoteStreamError(
                "remote_connection_lost", kind="reset", **self._p())
        if produced == 0:
            return RemoteUnavailable("remote_bad_answer", kind="protocol", retryable=True,
                                     **self._p())
        return RemoteStreamError("remote_bad_answer", kind="protocol", **self._p())


class _StreamJob:
    """The reader thread of one streamed request (see the module docstring)."""

    def __init__(self, backend: RemoteBackend, body: dict[str, Any]) -> None:
        self.backend = backend
        self.body = body
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._cancelled = threading.Event()
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self.usage: dict[str, Any] = {}

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True,
                         name=f"remote-{self.backend.provider.name}").start()

    def cancel(self) -> None:
        """Stop reading; shut the socket so a blocked read returns now."""
        if self._cancelled.is_set():
            return
        self._cancelled.set()
        with self._lock:
            sock = self._socket
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def prompt_tokens(self, messages: Sequence[ChatMessage]) -> int:
        value = self.usage.get("prompt_tokens")
        if isinstance(value, int):
            return value
        return sum(self.backend.count_tokens(m.content) for m in messages)

    def completion_tokens(self, produced: int) -> int:
        value = self.usage.get("completion_tokens")
        return value if isinstance(value, int) else produced

    def _put(self, kind: str, payload: Any) -> None:
        if not self._cancelled.is_set():
            self.events.put((kind, payload))
            time.sleep(0)  # hand the GIL to the waiting consumer now, not at the next switch

    def _run(self) -> None:
        backend = self.backend
        try:
            with backend._client.stream(
                    "POST", backend._url("/chat/completions"), json=self.body,
                    headers={**backend._headers(), "Accept": "text/event-stream",
                             "Cache-Control": "no-store", "Accept-Encoding": "identity"},
                    timeout=backend._httpx_timeout()) as response:
                self._remember_socket(response)
                if self._cancelled.is_set():
                    return
                if response.status_code != 200:
                    with contextlib.suppress(httpx.HTTPError, ReplyTooLarge):
                        read_capped(response, 64 * 1024)
                    self._put("error", backend._status_error(response))
                    return
                self._read_events(response)
        except httpx.HTTPError as exc:
            self._put("error", exc)
        except Exception as exc:  # a bug or a broken proxy: report, never hang the caller
            log.warning("remote stream from %s failed: %s", backend.provider.name,
                        type(exc).__name__)
            self._put("error", exc)

    def _read_events(self, response: httpx.Response) -> None:
        finish: str | None = None
        limits = self.backend.limits
        chunks = response.iter_bytes()  # one iterator: the drain below continues it
        try:
            for raw in sse_data(chunks, limits):
                if self._cancelled.is_set():
                    return
                data = raw.strip()
                if not data:
                    continue
                if data == "[DONE]":
                    self._put("done", finish or "stop")
                    self._drain(chunks, limits.drain_bytes)
                    return
                chunk = json.loads(data)
                if isinstance(chunk, dict) and chunk.get("error"):
                    self._put("error", self.backend._status_error(httpx.Response(
                        _error_status(chunk["error"]))))
                    return
                if isinstance(chunk.get("usage"), dict):
                    self.usage = chunk["usage"]
                for choice in chunk.get("choices") or ():
                    text = (choice.get("delta") or {}).get("content")
                    if text:
                        self._put("text", text)
                    if choice.get("finish_reason"):
                        finish = str(choice["finish_reason"])
        except ReplyTooLarge as exc:
            log.warning("remote reply from %s cut off: %s", self.backend.provider.name, exc)
            self._put("error", "protocol")
            return
        except (ValueError, AttributeError, TypeError):
            self._put("error", "protocol")
            return
        # The server closed without [DONE]: fine if it said why it finished, else truncated.
        if finish is not None:
            self._put("done", finish)
        else:
            self._put("error", httpx.RemoteProtocolError("stream ended early"))

    def _drain(self, chunks: Iterator[bytes], limit: int) -> None:
        """After ``[DONE]``: read what little is left, so a well-behaved server's
        connection returns to the pool; a server that keeps sending is cut off
        (leaving the ``with`` block closes the connection)."""
        read = 0
        with contextlib.suppress(httpx.HTTPError, OSError):
            for chunk in chunks:
                read += len(chunk)
                if read > limit or self._cancelled.is_set():
                    return

    def _remember_socket(self, response: httpx.Response) -> None:
        stream = response.extensions.get("network_stream")
        getter = getattr(stream, "get_extra_info", None)
        sock = getter("socket") if callable(getter) else None
        with self._lock:
            self._socket = sock if isinstance(sock, socket.socket) else None


def _error_status(error: Any) -> int:
    """An in-stream ``{"error": {...}}`` event (OpenRouter does this) as an HTTP status."""
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, int) and 400 <= code < 600 else 502
