"""Chat models: the backend protocol, the local llama.cpp engine, model files and loading."""

from tutor_desktop.core.i18n import Notice
from tutor_desktop.core.llm.backend import (
    BackendError,
    BackendProvider,
    BackendUnavailable,
    ChatBackend,
    ChatMessage,
    Completion,
    Delta,
)
from tutor_desktop.core.llm.manager import ModelManager, ModelState, ModelStatus

__all__ = [
    "BackendError",
    "BackendProvider",
    "BackendUnavailable",
    "ChatBackend",
    "ChatMessage",
    "Completion",
    "Delta",
    "ModelManager",
    "ModelState",
    "ModelStatus",
    "Notice",
]
