"""The school subjects (Mongolian general-education curriculum): the one catalogue.

Everything that names a subject goes through here, so a student's subject tile,
a teacher's ``--subject Biology`` import, ``tutor ask --subject bio`` and the
prompt's subject line all meet on the same id:

* ``id`` is the stable key (stored with books and conversations, used for
  ``subject.<id>.<lang>.md`` prompt notes and by the window's tiles);
* ``en``/``mn`` are the names shown and written into prompts;
* ``aliases`` are other spellings teachers, textbooks and the command line use.

The window adds only its icons and colours (``ui/subjects.py``). An unknown
subject is kept as typed (lower-cased), so a school can add its own.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    id: str
    en: str
    mn: str
    first_grade: int = 1
    last_grade: int = 12
    aliases: tuple[str, ...] = ()

    def name(self, language: str) -> str:
        return self.mn if language == "mn" else self.en

    def taught_in(self, grade: int) -> bool:
        return self.first_grade <= grade <= self.last_grade


SUBJECTS: tuple[Subject, ...] = (
    Subject("mongolian", "Mongolian language", "Монгол хэл",
            aliases=("mongolian", "монгол бичиг")),
    Subject("math", "Mathematics", "Математик",
            aliases=("maths", "algebra", "geometry", "алгебр", "геометр")),
    Subject("environment", "Human and environment", "Хүн ба орчин", 1, 3),
    Subject("nature", "Human and nature", "Хүн ба байгаль", 4, 5,
            aliases=("science", "natural science", "байгалийн ухаан")),
    Subject("society", "Human and society", "Хүн ба нийгэм", 4, 5),
    Subject("english", "English", "Англи хэл", 3, 12),
    Subject("literature", "Literature", "Уран зохиол", 6, 12),
    Subject("physics", "Physics", "Физик", 6, 12),
    Subject("chemistry", "Chemistry", "Хими", 7, 12),
    Subject("biology", "Biology", "Биологи", 6, 12, aliases=("bio",)),
    Subject("geography", "Geography", "Газарзүй", 6, 12, aliases=("газар зүй",)),
    Subject("history", "History", "Түүх", 6, 12),
    Subject("social", "Social studies", "Нийгмийн ухаан", 6, 12,
            aliases=("иргэний боловсрол",)),
    Subject("informatics", "Informatics", "Мэдээлэл зүй", 6, 12,
            aliases=("computer science", "мэдээллийн технологи")),
)


def _norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


_LOOKUP: dict[str, str] = {
    _norm(name): subject.id
    for subject in SUBJECTS
    for name in (subject.id, subject.en, subject.mn, *subject.aliases)
}


def subject_key(subject: str | None) -> str | None:
    """``"Математик"``, ``"maths"`` or ``"Biology 7"`` -> the subject id; None if unknown.

    A name followed by more words (a grade, a volume) still finds its subject; a
    word that merely starts like a subject name does not.
    """
    norm = _norm(subject)
    if not norm:
        return None
    if norm in _LOOKUP:
        return _LOOKUP[norm]
    # Longest name first, so "social studies 8" is social and not a shorter alias.
    for name in sorted(_LOOKUP, key=len, reverse=True):
        if norm.startswith(name + " "):
            return _LOOKUP[name]
    return None


def canonical_subject(subject: str | None) -> str:
    """The stored form of a subject name: its id, or the name as typed (lower-cased)
    when no subject has it ('' for none)."""
    return subject_key(subject) or _norm(subject)


def subject_name(subject: str | None, language: str) -> str:
    """The subject as shown and written into prompts in ``language`` (as given when
    not known)."""
    key = subject_key(subject)
    found = subject_by_id(key) if key else None
    return found.name(language) if found else (subject or "").strip()


def subject_by_id(subject_id: str) -> Subject | None:
    return next((s for s in SUBJECTS if s.id == subject_id), None)


def subjects_for_grade(grade: int | None) -> list[Subject]:
    """The subjects of ``grade`` (every subject when the grade is unknown)."""
    if grade is None:
        return list(SUBJECTS)
    return [s for s in SUBJECTS if s.taught_in(grade)]


def known_subjects() -> list[str]:
    return [s.id for s in SUBJECTS]
