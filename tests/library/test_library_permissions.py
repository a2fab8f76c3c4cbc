"""Only staff change the textbook library, decided in the core (no display needed): a
student's session or none at all is refused with "not allowed", a teacher's session that
ran out at a shared PC with "sign in again", the same translated message whichever door
the call came through (window, terminal, service)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from library_helpers import meta_for
from staff import as_teacher, session_as

from tutor_desktop.core.accounts import SYSTEM, Role, Session
from tutor_desktop.core.errors import NotAllowed, SessionExpired
from tutor_desktop.core.library import BookMeta
from tutor_desktop.core.library.packs import export_pack, import_pack


def _expired_teacher() -> Session:
    now = [0.0]
    session = session_as(Role.TEACHER, idle_limit_s=60, clock=lambda: now[0])
    now[0] = 61.0   # the teacher walked away; the next person sits down
    return session


REFUSED = {"student": lambda: session_as(Role.STUDENT), "expired": _expired_teacher,
           "nobody": lambda: None}
#: What each is told: the idle teacher to sign in again (every core call says so).
TOLD = {"student": (NotAllowed, "not allowed"), "nobody": (NotAllowed, "not allowed"),
        "expired": (SessionExpired, "sign in again")}


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
    error, words = TOLD[who]
    for name, attempt in attempts.items():
        with pytest.raises(error) as refused:
            attempt()
        assert refused.value.message_id == error.message_id, name
        assert words in refused.value.message("en").lower(), name
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


def test_a_queue_checked_when_queued_imports_to_the_end(library: Any,
                                                       sample_pdfs: dict[str, Any]) -> None:
    """A teacher queues two books and walks away: the window signs them out after the
    idle limit, yet the second book (started after that) still imports. The session
    alone, used after it ran out, is refused; the grant does not rename or remove."""
    now = [0.0]
    teacher = session_as(Role.TEACHER, idle_limit_s=60, clock=lambda: now[0])
    grant = library.authorise(teacher)           # checked when the files are queued
    first, first_book = sample_pdfs["physics8_forces_en.pdf"]
    second, second_book = sample_pdfs["biology7_photosynthesis_mn.pdf"]
    imported = [library.import_file(grant, first, meta_for(first_book)).book]
    now[0] = 61.0                                # lunch: the session ran out
    assert teacher.expired
    with pytest.raises(SessionExpired):
        library.import_file(teacher, second, meta_for(second_book))
    imported.append(library.import_file(grant, second, meta_for(second_book)).book)
    assert sorted(b.title for b in library.books()) == sorted(b.title for b in imported)
    assert all(b.status == "ready" for b in library.books())
    assert grant.user_id == teacher.user.id
    with pytest.raises(NotAllowed):               # a queue's grant is for imports only
        library.remove(grant, imported[0].id)
    with pytest.raises(SessionExpired):           # nor a new queue once the session ran out
        library.authorise(teacher)


@pytest.mark.parametrize("who", sorted(REFUSED))
def test_no_queue_without_a_valid_staff_session(who: str, library: Any) -> None:
    error, _words = TOLD[who]
    with pytest.raises(error) as refused:
        library.authorise(REFUSED[who]())
    assert refused.value.message_id == error.message_id


def test_a_grant_cannot_be_made_by_hand_nor_used_on_another_library(
        library: Any, tmp_path: Path, sample_pdfs: dict[str, Any]) -> None:
    from tutor_desktop.core.library import ImportGrant, Library

    with pytest.raises(TypeError):
        ImportGrant(object(), library, "teacher-1")
    other = Library.__new__(Library)  # another library (authorise reads no state)
    grant = other.authorise(as_teacher())
    path, book = sample_pdfs["physics8_forces_en.pdf"]
    with pytest.raises(NotAllowed):
        library.import_file(grant, path, meta_for(book))
    assert library.books() == []
