"""One spelling per subject, so "Biology", "биологи" and "bio" find the same books.

Books and questions are both filtered through :func:`canonical_subject`; an
unknown subject is kept as typed (lower-cased), so schools can add their own.
"""

from __future__ import annotations

# Keys are the subject ids the window uses (ui/subjects.py), so a student's chosen
# subject tile and a teacher's import meet without translation.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "mongolian": ("mongolian", "mongolian language", "монгол хэл", "монгол бичиг"),
    "math": ("math", "maths", "mathematics", "математик", "алгебр", "algebra", "геометр",
             "geometry"),
    "environment": ("environment", "human and environment", "хүн ба орчин"),
    "nature": ("nature", "human and nature", "хүн ба байгаль", "science", "natural science",
               "байгалийн ухаан"),
    "society": ("society", "human and society", "хүн ба нийгэм"),
    "english": ("english", "англи хэл"),
    "literature": ("literature", "уран зохиол"),
    "physics": ("physics", "физик"),
    "chemistry": ("chemistry", "хими"),
    "biology": ("biology", "bio", "биологи"),
    "geography": ("geography", "газарзүй", "газар зүй"),
    "history": ("history", "түүх"),
    "social": ("social", "social studies", "нийгмийн ухаан", "иргэний боловсрол"),
    "informatics": ("informatics", "computer science", "мэдээлэл зүй", "мэдээллийн технологи"),
}

_LOOKUP = {alias: key for key, aliases in _SYNONYMS.items() for alias in aliases}


def canonical_subject(subject: str | None) -> str:
    """The stored form of a subject name ('' for none)."""
    cleaned = " ".join((subject or "").split()).casefold()
    return _LOOKUP.get(cleaned, cleaned)


def known_subjects() -> list[str]:
    return list(_SYNONYMS)
