"""Translated messages for the core (errors, CLI output, tutor notices).

The core cannot use Qt's translator, so its user-facing messages live in
``resources/translations/messages.toml``: one table per message id, one key
per language. A test fails if any message lacks Mongolian.
"""

from __future__ import annotations

import tomllib
from functools import cache
from typing import Any

from tutor_desktop.core.paths import resources_dir

FALLBACK_LANGUAGE = "en"


@cache
def catalog() -> dict[str, dict[str, str]]:
    path = resources_dir() / "translations" / "messages.toml"
    with path.open("rb") as handle:
        data: dict[str, dict[str, str]] = tomllib.load(handle)
    return data


def tr(message_id: str, language: str = "en", **params: Any) -> str:
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
    """An error a user should read: carries a message id and its parameters."""

    def __init__(self, message_id: str, **params: Any) -> None:
        self.message_id = message_id
        self.params = params
        super().__init__(tr(message_id, "en", **params))

    def message(self, language: str = "en") -> str:
        return tr(self.message_id, language, **self.params)
