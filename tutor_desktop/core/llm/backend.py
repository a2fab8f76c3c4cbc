"""The one interface every chat model speaks: streamed text deltas, a final tally, stop.

Kept deliberately small so the local llama.cpp engine and a remote
OpenAI-compatible server (``remote.py``, a later issue) are interchangeable,
and a router can try one and fall back to the other. Rules for implementers:

* ``stream`` yields :class:`Delta` items; text pieces have ``completion=None``
  and the **last** item always carries a :class:`Completion` (also when stopped).
* ``stop_event`` is polled between pieces; when it is set the stream ends soon
  with ``finish_reason="cancelled"`` and keeps the text produced so far.
* Failures are typed: :class:`BackendUnavailable` before any text (no model,
  still loading, server unreachable) and :class:`BackendError` during a stream,
  with ``retryable`` telling a router whether another try might succeed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from tutor_desktop.core.i18n import TutorError

Role = Literal["system", "user", "assistant"]
FinishReason = Literal["stop", "length", "cancelled", "error"]
BackendKind = Literal["local", "remote"]


@dataclass(frozen=True)
class ChatMessage:
    """One turn of a chat, in the OpenAI sense."""

    role: Role
    content: str
    #: JPEG pictures that go with this turn (core/llm/vision.py). Only a remote model
    #: that reads pictures receives them; ``as_dict`` (the local engine) is text only.
    images: tuple[bytes, ...] = field(default=(), repr=False)

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class Completion:
    """What a finished (or stopped) stream reports."""

    finish_reason: FinishReason
    prompt_tokens: int
    completion_tokens: int
    # Set by the router when it chose among backends: who really answered
    # ("local" or "remote:<provider>"), the model, and a one-line notice for the chat
    # (a message id for ``tr``, e.g. "answered by the local model: the internet connection
    # was lost"). Empty for a single backend: use its ``name``/``model``.
    backend: str = ""
    model: str = ""
    notice_id: str = ""
    notice_params: dict[str, Any] = field(default_factory=dict)
    #: Pictures that left this PC with the request (a remote model that reads them).
    images_sent: int = 0


@dataclass(frozen=True)
class Delta:
    """A piece of streamed text; the final item carries ``completion`` instead."""

    text: str = ""
    completion: Completion | None = None


class BackendUnavailable(TutorError):
    """No answer can be started: no model installed, model loading or failed, no server.

    Carries a translated message id so the chat can tell the student (and IT)
    what is going on instead of showing a stack trace.
    """


class BackendError(TutorError):
    """A stream failed after it started. ``retryable`` is True for transient faults
    (timeouts, dropped connections, rate limits) where another backend or a retry
    may work, False for faults that will repeat (bad request, model crashed)."""

    def __init__(self, message_id: str, *, retryable: bool, **params: Any) -> None:
        super().__init__(message_id, **params)
        self.retryable = retryable


class ContextOverflow(BackendError):
    """The prompt does not fit the model's context window (``tokens``, ``limit``)."""

    message_id = "context_overflow"

    def __init__(self, **params: Any) -> None:
        super().__init__("context_overflow", retryable=False, **params)


@runtime_checkable
class ChatBackend(Protocol):
    """A chat model that streams. Implementations: ``LocalBackend`` (llama.cpp) and,
    later, a remote OpenAI-compatible backend."""

    @property
    def name(self) -> BackendKind:
        """``"local"`` or ``"remote"`` (stored with every answer)."""
        ...

    @property
    def model(self) -> str:
        """Model id as stored with answers, e.g. ``gemma3-270m``."""
        ...

    @property
    def context_window(self) -> int:
        """Tokens the prompt plus the answer may use."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes (exact for local models; an estimate is fine remotely)."""
        ...

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int,
               temperature: float = 0.2,
               stop_event: threading.Event | None = None) -> Iterator[Delta]:
        """Stream the assistant's answer to ``messages`` (see the module rules)."""
        ...


class BackendProvider(Protocol):
    """Hands out the backend to use for the next answer (the model manager; later a
    router that prefers local or remote by policy)."""

    def backend(self, prefer: str = "auto") -> ChatBackend:
        """A ready backend; ``prefer`` is ``"auto"``, ``"local"`` or ``"remote"``.

        Raises :class:`BackendUnavailable` with a translated reason when none is ready.
        """
        ...
