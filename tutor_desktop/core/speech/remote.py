"""Online recognition through an HTTP speech service (e.g. a Mongolian provider).

Used only when ``remote_stt_url`` is configured and the service answers, since
schools pay per minute and many have no internet. The wire format is the
simplest one services share: the whole utterance is POSTed as a 16 kHz mono
WAV (``Content-Type: audio/wav``, ``?lang=<code>``, ``Authorization: Bearer
<key>`` when a key named ``remote_stt_key`` is in the secret store). The reply
is JSON with a ``text`` (or ``transcript``) string, or a plain-text body.
TLS certificates are always verified; plain http is refused except on loopback.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.privacy.urls import UnsafeUrlError, check_transport_url
from tutor_desktop.core.speech.audio import pcm_to_wav

REMOTE_KEY_NAME = "remote_stt_key"
#: A transcript of one utterance is a few hundred bytes; refuse to buffer more than this.
MAX_REPLY_BYTES = 256 * 1024


def check_remote_url(url: str) -> str:
    """The host name, or an error for an address that would send audio in the clear."""
    try:
        check_transport_url(url)
    except UnsafeUrlError:
        raise TutorError("speech_remote_bad_url", url=url) from None
    return urlsplit(url).hostname or ""


class WholeUtteranceEngine(Protocol):
    """An engine that recognises a whole utterance at once: this speech service, or the
    local tutor service doing so for the window (tutor_desktop/service/client.py)."""

    @property
    def name(self) -> str: ...

    @property
    def language(self) -> str: ...

    def transcribe(self, pcm: bytes) -> str: ...


class RemoteRecognizer:
    """Buffers the utterance and sends it when the student lets go (no live text)."""

    def __init__(self, engine: WholeUtteranceEngine) -> None:
        self._engine = engine
        self._chunks: list[bytes] = []

    @property
    def name(self) -> str:
        return self._engine.name

    @property
    def language(self) -> str:
        return self._engine.language

    def accept(self, pcm: bytes) -> str:
        self._chunks.append(pcm)
        return ""

    def final(self) -> str:
        return self._engine.transcribe(b"".join(self._chunks))


class RemoteEngine:
    """A configured speech service; remembers when it last failed so the UI can say so."""

    local = False

    def __init__(self, url: str, language: str, api_key: str | None = None,
                 timeout_s: float = 20.0, probe_timeout_s: float = 3.0,
                 retry_after_s: float = 60.0) -> None:
        self._host = check_remote_url(url)
        self.url = url
        self._language = language
        self._key = api_key
        self._timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0))
        self._total_s = 3 * timeout_s  # the whole reply, not just each read
        self._probe_timeout = httpx.Timeout(probe_timeout_s)
        self._retry_after = retry_after_s
        self._down_until = 0.0
        self.last_error = ""

    @property
    def name(self) -> str:
        return f"remote:{self._host}"

    @property
    def language(self) -> str:
        return self._language

    def prepare(self) -> None:
        """Nothing to load for a web service."""

    def recognizer(self, grammar: Sequence[str] | None = None,
                   partials: bool = True) -> RemoteRecognizer:
        return RemoteRecognizer(self)  # word lists are a local-model feature

    @property
    def known_down(self) -> bool:
        """True for a while after a failure, so the app does not keep timing out."""
        return time.monotonic() < self._down_until

    def _failed(self, reason: str) -> TutorError:
        self.last_error = reason
        self._down_until = time.monotonic() + self._retry_after
        return TutorError("speech_remote_failed", reason=reason)

    def probe(self) -> bool:
        """Is the service reachable now? Any answer below 500 counts (a GET may be a 405)."""
        try:
            with httpx.Client(timeout=self._probe_timeout) as client, \
                    client.stream("GET", self.url) as response:
                status = response.status_code  # the body is never read
        except httpx.TimeoutException:
            self._failed("timeout")
            return False
        except httpx.HTTPError as exc:
            self._failed(type(exc).__name__)
            return False
        if status >= 500:
            self._failed(f"HTTP {status}")
            return False
        self._down_until = 0.0
        self.last_error = ""
        return True

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "audio/wav", "Accept": "application/json, text/plain"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        return headers

    def transcribe(self, pcm: bytes) -> str:
        """Send one utterance; raises ``speech_remote_failed`` with a short reason."""
        deadline = time.monotonic() + self._total_s
        try:
            with httpx.Client(timeout=self._timeout) as client, client.stream(
                    "POST", self.url, params={"lang": self._language},
                    content=pcm_to_wav(pcm), headers=self._headers()) as reply:
                body = b"" if reply.status_code >= 400 else _read_capped(reply, deadline)
        except httpx.TimeoutException:
            raise self._failed("timeout") from None
        except httpx.HTTPError as exc:
            raise self._failed(type(exc).__name__) from None
        except _TooLarge as exc:
            raise self._failed(str(exc)) from None
        if reply.status_code >= 400:
            hint = " (check the key)" if reply.status_code in (401, 403) else ""
            raise self._failed(f"HTTP {reply.status_code}{hint}")
        self._down_until = 0.0
        if reply.headers.get("content-type", "").startswith("application/json"):
            try:
                data = json.loads(body)
            except ValueError:
                raise self._failed("invalid JSON") from None
            text = data.get("text", data.get("transcript")) if isinstance(data, dict) else None
            if not isinstance(text, str):
                raise self._failed("no text in the reply")
            return text.strip()
        return body.decode("utf-8", errors="replace").strip()


class _TooLarge(Exception):
    """The speech service sent more than a transcript could ever be."""


def _read_capped(reply: httpx.Response, deadline: float) -> bytes:
    body = bytearray()
    for chunk in reply.iter_bytes():
        body += chunk
        if len(body) > MAX_REPLY_BYTES:
            raise _TooLarge("reply too large")
        if time.monotonic() > deadline:
            raise _TooLarge("timeout")
    return bytes(body)
