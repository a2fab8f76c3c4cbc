"""Translated messages for the core (errors, CLI output, tutor notices).

The core cannot use Qt's translator, so its user-facing messages live in
``resources/translations/messages.toml`` and ``messages.<area>.toml`` (one file
per feature area, so features added side by side never edit the same file):
one table per message id, one key per language. A test fails if any message
lacks Mongolian or if two files define the same id.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tutor_desktop.core.paths import resources_dir

FALLBACK_LANGUAGE = "en"


def catalog_files() -> list[Path]:
    """``messages.toml`` first, then every ``messages.<area>.toml`` in name order."""
    folder = resources_dir() / "translations"
    return [folder / "messages.toml", *sorted(folder.glob("messages.*.toml"))]


def environment_language() -> str:
    """The language for messages before anyone signs in (start-up errors, the terminal):
    ``TUTOR_LANGUAGE``, else the system locale; Mongolian or English."""
    lang = os.environ.get("TUTOR_LANGUAGE") or os.environ.get("LANG", "")
    return "mn" if lang.startswith("mn") else "en"


class DuplicateMessageIdError(RuntimeError):
    """Two catalogue files define the same message id (a packaging or merge mistake)."""


@cache
def catalog() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = {}
    for path in catalog_files():
        with path.open("rb") as handle:
            part: dict[str, dict[str, str]] = tomllib.load(handle)
        clash = sorted(set(part) & set(data))
        if clash:
            raise DuplicateMessageIdError(f"{path.name} redefines {', '.join(clash)}")
        data.update(part)
    return data


def tr(message_id: str, language: str = "en", /, **params: Any) -> str:
    """The message in ``language`` (English if missing), with ``{params}`` filled in."""
    entry = catalog().get(message_id)
    if entry is None:
        return message_id
    template = entry.get(language) or entry.get(FALLBACK_LANGUAGE) or message_id
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


class TutorError(Exception):
    """An error a user should read: carries a message id and its parameters.

    Each kind of error is a subclass (see :mod:`tutor_desktop.core.errors`) with its
    own default ``message_id``, so callers branch on the type, never on the id's text;
    the id stays on the error for translation in the window and the terminal.
    """

    message_id: str = "error_unexpected"

    def __init__(self, message_id: str | None = None, **params: Any) -> None:
        self.message_id = message_id or type(self).message_id
        self.params = params
        super().__init__(tr(self.message_id, "en", **params))

    def message(self, language: str = "en") -> str:
        return tr(self.message_id, language, **self.params)


@dataclass(frozen=True)
class Notice:
    """A remark for the student or IT as a message id and its parameters (a fallback to
    another model, a damaged file, no textbook passage): the core hands these out and
    the window or the terminal translates them into the reader's language."""

    message_id: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, language: str = "en") -> str:
        return tr(self.message_id, language, **self.params)
