"""How the window draws each subject: a glyph and a colour per subject id.

The subjects themselves (ids, names, grades, aliases) are the core's one
catalogue, :mod:`tutor_desktop.core.subjects`; this module adds only looks.
"""

from __future__ import annotations

from tutor_desktop.core.subjects import (
    SUBJECTS,
    Subject,
    subject_by_id,
    subjects_for_grade,
)

# id -> (a glyph the bundled DejaVu Sans font has, drawn on the tile; tile colour)
LOOKS: dict[str, tuple[str, str]] = {
    "mongolian": ("Өө", "#EF6C57"),
    "math": ("1+2", "#4F7CFF"),
    "environment": ("☀", "#3DB67B"),
    "nature": ("☀", "#3DB67B"),
    "society": ("☺", "#F2A93B"),
    "english": ("Ab", "#9B6CF0"),
    "literature": ("✎", "#E85D9A"),
    "physics": ("⚛", "#2BA3C9"),
    "chemistry": ("⚗", "#E0843A"),
    "biology": ("✿", "#4CAF50"),
    "geography": ("⊕", "#1E9E8F"),
    "history": ("♜", "#B0703C"),
    "social": ("⚖", "#7A6FD0"),
    "informatics": ("⌨", "#5A6B82"),
}
DEFAULT_LOOK = ("✦", "#5A6B82")  # a subject added later, before it has its own look


def symbol(subject: Subject) -> str:
    return LOOKS.get(subject.id, DEFAULT_LOOK)[0]


def color(subject: Subject) -> str:
    return LOOKS.get(subject.id, DEFAULT_LOOK)[1]


__all__ = ["LOOKS", "SUBJECTS", "Subject", "color", "subject_by_id", "subjects_for_grade",
           "symbol"]
