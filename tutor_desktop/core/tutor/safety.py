"""A check for topics unsafe for children, run *before* the model is called.

A 270M–4B model cannot be trusted to refuse reliably, so clearly unsafe
requests never reach it. The patterns live in ``resources/prompts/
unsafe_topics.toml`` (English and Mongolian) so a school can extend them; the
reply is a translated message in the student's language.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from tutor_desktop.core.i18n import tr
from tutor_desktop.core.paths import resources_dir


@dataclass(frozen=True)
class SafetyVerdict:
    """Why a question was refused and what to tell the student."""

    topic: str
    reply_id: str

    def reply(self, language: str) -> str:
        return tr(self.reply_id, language)


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


class SafetyFilter:
    """Matches a question against every topic's patterns (all languages: students mix them)."""

    def __init__(self, path: Path | None = None) -> None:
        path = path or resources_dir() / "prompts" / "unsafe_topics.toml"
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        self._topics: list[tuple[str, str, list[re.Pattern[str]]]] = []
        for topic, spec in data.items():
            patterns = [re.compile(p, re.IGNORECASE | re.DOTALL)
                        for key, values in spec.items() if key != "reply"
                        for p in values]
            self._topics.append((topic, str(spec.get("reply", "safety_refusal")), patterns))

    def check(self, text: str) -> SafetyVerdict | None:
        """The first unsafe topic ``text`` touches, or None when it is fine."""
        norm = _normalise(text)
        for topic, reply_id, patterns in self._topics:
            if any(p.search(norm) for p in patterns):
                return SafetyVerdict(topic, reply_id)
        return None
