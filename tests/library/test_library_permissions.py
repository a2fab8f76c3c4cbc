"""Only staff change the textbook library, decided in the core (no display needed): a
student's session, one that ran out at a shared PC, or none at all is refused with the
same translated message whichever door the call came through (window, terminal, service)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from library_helpers import meta_for
from staff import as_teacher, session_as

from tutor_desktop.core.accounts import SYSTEM, Role, Session
from tutor_desktop.core.errors import NotAllowed
from tutor_desktop.core.library import BookMeta
from tutor_desktop.core.library.packs import export_pack, import_pack


def _expired_teacher() -> Session:
    now = [0.0]
    session = session_as(Role.TEACHER, idle_limit_s=60, clock=lambda: now[0])
    now[0] = 61.0   # the teacher walked away; the next person sits down
    return session


REFUSED = {"student": lambda: session_as(Role.STUDENT), "expired": _expired_teacher,
           "nobody": lambda: None}


@pytest.mark.parametrize("who", sorted(REFUSED))
def test_only_staff_change_the_library(who: str, library: Any, tmp_path: Path,
                                       sample_pdfs: dict[str, Any]) -> None:
    path, book = sample_pdfs["physics8_forces_en.pdf"]
    kept = library.import_file(as_teacher(), path, meta_for(book)).book   # a teacher may
    actor = REFUSED[who]()
    other, other_book = sample_pdfs["biology7_photosynthesis_mn.pdf"]
    attempts = {
        "import": lambda: library.import_file(actor, other, meta_for(other_book)),
        "fix details": lambda: library.update_meta(actor, kept.id,
                                                   BookMeta("Renamed", 9, "physics", "en")),
        "remove": lambda: library.remove(actor, kept.id),
        "resume": lambda: library.resume_pending(actor),
        "export a pack": lambda: export_pack(actor, library, tmp_path / "pack"),
        "install a pack": lambda: import_pack(actor, library, tmp_path / "pack"),
    }
    for name, attempt in attempts.items():
        with pytest.raises(NotAllowed) as refused:
            attempt()
        assert refused.value.message_id == "not_allowed", name
        assert "not allowed" in refused.value.message("en").lower(), name
    # Nothing changed: the one book, as the teacher imported it; no pack written.
    assert [(b.id, b.title, b.grade) for b in library.books()] == [
        (kept.id, kept.title, kept.grade)]
    assert not (tmp_path / "pack").exists()


def test_a_teacher_and_the_app_itself_may(library: Any, sample_pdfs: dict[str, Any]) -> None:
    """A teacher fixes, removes; the start-up resume acts as SYSTEM (nobody signed in)."""
    path, book = sample_pdfs["physics8_forces_en.pdf"]
    teacher = as_teacher()
    imported = library.import_file(teacher, path, meta_for(book)).book
    fixed = library.update_meta(teacher, imported.id, BookMeta("Physics 8", 8, "physics", "en"))
    assert fixed.title == "Physics 8"
    assert library.resume_pending(SYSTEM) == []
    assert library.remove(session_as(Role.ADMIN), imported.id).id == imported.id
    assert library.books() == []
