"""The labelled example messages the safety check is built and measured on.

``resources/safety/<category>.<lang>.txt`` holds messages written the way children
type them (one a line, ``#`` comments); ``school.<lang>.txt`` holds ordinary school
questions full of trap words that must never be refused. Each line falls into a
fixed part by a hash of its text: a third is *held out* (never used to calibrate,
only to measure in ``bench/safety_bench.py`` and the tests), the rest is *tuning*.
The split depends on nothing but the text, so adding a line never moves another.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from tutor_desktop.core.paths import resources_dir

SAFE = "school"
# Distress: the child may be in danger; answered with care and the helpline, teacher told.
DISTRESS = ("self_harm", "bullying", "abuse_home", "grooming")
CATEGORIES = (*DISTRESS, "violence", "dangerous", "sexual")
HELD_OUT = "held_out"
TUNING = "tuning"


def data_dir() -> Path:
    return resources_dir() / "safety"


def split_of(text: str) -> str:
    """``held_out`` for a fixed third of all lines, by a hash of the text alone."""
    digest = hashlib.sha256(text.strip().encode("utf-8")).digest()
    return HELD_OUT if digest[0] % 3 == 0 else TUNING


@dataclass(frozen=True)
class Example:
    text: str
    label: str       # a category, or "school"
    language: str    # "mn" (Cyrillic or Latin script) or "en"

    @property
    def split(self) -> str:
        return split_of(self.text)


def load_examples(folder: Path | None = None, split: str | None = None) -> list[Example]:
    """All examples (or one split's), in a stable order: label, language, file order."""
    folder = folder or data_dir()
    examples: list[Example] = []
    for path in sorted(folder.glob("*.txt")):
        label, _, language = path.stem.partition(".")
        if label not in CATEGORIES and label != SAFE:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                examples.append(Example(line, label, language))
    if split is not None:
        examples = [e for e in examples if e.split == split]
    return examples
