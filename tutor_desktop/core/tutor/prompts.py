"""Tutoring prompts, kept as files under ``resources/prompts/`` so teachers and
translators can improve them without touching code.

Lookup for a system prompt, most specific first::

    {mode}.{band}.{lang}.md   e.g. socratic.primary.mn.md (grades 1-5)
    {mode}.{lang}.md          e.g. socratic.mn.md
    {mode}.en.md

then ``subject.{key}.{lang}.md`` (if any) and ``safety.{lang}.md`` are appended.
Placeholders ``{grade}``, ``{grade_of}`` and ``{subject}`` are filled; other
braces (LaTeX in examples) are left alone.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from tutor_desktop.core.paths import resources_dir
from tutor_desktop.core.subjects import subject_key, subject_name

LANGUAGES = ("mn", "en")
MODES = ("socratic", "explain")
_PLACEHOLDER = re.compile(r"\{(grade|grade_of|subject|n|book|page|text|topics)\}")


def grade_band(grade: int | None) -> str:
    """primary (1-5), middle (6-9), high (10-12) or '' when unknown."""
    if grade is None:
        return ""
    if grade <= 5:
        return "primary"
    return "middle" if grade <= 9 else "high"


def fill(template: str, **values: object) -> str:
    """Replace known ``{name}`` placeholders only (LaTeX braces survive)."""
    def repl(match: re.Match[str]) -> str:
        key = match.group(1)
        return str(values[key]) if key in values else match.group(0)

    return _PLACEHOLDER.sub(repl, template)


class PromptLibrary:
    """Reads prompt files once and assembles system prompts and turn wrappers."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or resources_dir() / "prompts"

    @lru_cache(maxsize=64)  # noqa: B019 - one library per app, files never change at run time
    def _read(self, name: str) -> str | None:
        path = self.folder / name
        return path.read_text("utf-8").strip() if path.is_file() else None

    @lru_cache(maxsize=8)  # noqa: B019
    def context(self, language: str) -> dict[str, str]:
        """Short texts wrapped around the newest question (``context.{lang}.toml``)."""
        lang = language if language in LANGUAGES else "en"
        path = self.folder / f"context.{lang}.toml"
        with path.open("rb") as handle:
            return {k: str(v) for k, v in tomllib.load(handle).items()}

    def system_prompt(self, mode: str, language: str, grade: int | None, subject: str) -> str:
        """The full system prompt for one conversation (stable across its turns)."""
        lang = language if language in LANGUAGES else "en"
        mode = mode if mode in MODES else "socratic"
        band = grade_band(grade)
        names = [f"{mode}.{band}.{lang}.md"] if band else []
        names += [f"{mode}.{lang}.md", f"{mode}.en.md"]
        body = next(text for text in map(self._read, names) if text is not None)
        words = self.context(lang)
        grade_of = (fill(words["grade_of"], grade=grade) if grade is not None
                    else words["grade_unknown"])
        parts = [fill(body, grade=grade if grade is not None else "", grade_of=grade_of,
                      subject=subject_name(subject, lang) or words["subject_any"])]
        key = subject_key(subject)
        if key:
            notes = self._read(f"subject.{key}.{lang}.md")
            if notes:
                parts.append(notes)
        safety = self._read(f"safety.{lang}.md")
        if safety:
            parts.append(safety)
        return "\n\n".join(parts)
