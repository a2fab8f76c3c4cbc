"""School subjects per grade (Mongolian general-education curriculum), Qt-free.

Kept as plain data so the window, the CLI and tests share one list. The ``id``
is the stable key passed to the chat page and used as the library's
``--subject``; the names are shown in the UI language.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    id: str
    en: str
    mn: str
    symbol: str  # a glyph the bundled DejaVu Sans font has, drawn on the tile
    color: str
    first_grade: int = 1
    last_grade: int = 12

    def name(self, language: str) -> str:
        return self.mn if language == "mn" else self.en

    def taught_in(self, grade: int) -> bool:
        return self.first_grade <= grade <= self.last_grade


SUBJECTS: tuple[Subject, ...] = (
    Subject("mongolian", "Mongolian language", "Монгол хэл", "Өө", "#EF6C57"),
    Subject("math", "Mathematics", "Математик", "1+2", "#4F7CFF"),
    Subject("environment", "Human and environment", "Хүн ба орчин", "☀", "#3DB67B", 1, 3),
    Subject("nature", "Human and nature", "Хүн ба байгаль", "☀", "#3DB67B", 4, 5),
    Subject("society", "Human and society", "Хүн ба нийгэм", "☺", "#F2A93B", 4, 5),
    Subject("english", "English", "Англи хэл", "Ab", "#9B6CF0", 3, 12),
    Subject("literature", "Literature", "Уран зохиол", "✎", "#E85D9A", 6, 12),
    Subject("physics", "Physics", "Физик", "⚛", "#2BA3C9", 6, 12),
    Subject("chemistry", "Chemistry", "Хими", "⚗", "#E0843A", 7, 12),
    Subject("biology", "Biology", "Биологи", "✿", "#4CAF50", 6, 12),
    Subject("geography", "Geography", "Газарзүй", "⊕", "#1E9E8F", 6, 12),
    Subject("history", "History", "Түүх", "♜", "#B0703C", 6, 12),
    Subject("social", "Social studies", "Нийгмийн ухаан", "⚖", "#7A6FD0", 6, 12),
    Subject("informatics", "Informatics", "Мэдээлэл зүй", "⌨", "#5A6B82", 6, 12),
)


def subjects_for_grade(grade: int | None) -> list[Subject]:
    """The subjects of ``grade`` (every subject when the grade is unknown)."""
    if grade is None:
        return list(SUBJECTS)
    return [s for s in SUBJECTS if s.taught_in(grade)]


def subject_by_id(subject_id: str) -> Subject | None:
    return next((s for s in SUBJECTS if s.id == subject_id), None)
