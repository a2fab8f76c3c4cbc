"""Who may change what is decided in the core, so the window, the terminal and any
script get the same answer; these run without a display."""

from __future__ import annotations

from typing import Any

import pytest

from tutor_desktop.core.errors import NotAllowed, SessionExpired, UnknownLanguage
from tutor_desktop.core.llm.router import effective_policy, set_policy


def test_only_an_admin_chooses_the_language_everyone_starts_in(
        services: Any, school: Any) -> None:
    accounts = services.accounts
    assert accounts.default_language() == "mn"  # chosen at set-up
    student = accounts.sign_in_student(school.anu.id, "1234")
    for session in (school.teacher_session, student):
        with pytest.raises(NotAllowed):
            accounts.set_default_language(session, "en")
    assert accounts.default_language() == "mn"
    accounts.set_default_language(school.admin, "en")
    assert accounts.default_language() == "en"


def test_an_idle_admin_session_cannot_change_the_default_language(
        services: Any, school: Any) -> None:
    admin = school.admin
    admin.last_activity -= admin.idle_limit_s + 1  # left the PC signed in
    with pytest.raises(SessionExpired):
        services.accounts.set_default_language(admin, "en")
    assert services.accounts.default_language() == "mn"


def test_an_unknown_language_is_refused_with_a_message(services: Any, school: Any) -> None:
    with pytest.raises(UnknownLanguage) as info:
        services.accounts.set_default_language(school.admin, "fr")
    assert "fr" in info.value.message("en") and "fr" in info.value.message("mn")
    assert services.accounts.default_language() == "mn"


def test_students_cannot_change_the_routing_policy(services: Any, school: Any) -> None:
    student = services.accounts.sign_in_student(school.anu.id, "1234")
    before = effective_policy(services.config, services.db)
    with pytest.raises(NotAllowed):
        set_policy(services.db, student, "remote-first")
    assert effective_policy(services.config, services.db) == before
    set_policy(services.db, school.teacher_session, "local-only")
    assert effective_policy(services.config, services.db) == "local-only"


def _left_the_pc(session: Any) -> Any:
    session.last_activity -= session.idle_limit_s + 1
    return session


def test_a_staff_session_that_ran_out_is_told_to_sign_in_again_by_every_door(
        services: Any, school: Any) -> None:
    """A teacher and an admin walk away signed in; the next person at the PC tries their
    staff calls. Every one gives the same "sign in again" (not "not allowed"), and none
    of them changes anything."""
    teacher = _left_the_pc(school.teacher_session)
    admin = _left_the_pc(school.admin)
    policy = effective_policy(services.config, services.db)
    classes = [c.name for c in services.accounts.list_classes()]
    calls = {
        "default language": lambda: services.accounts.set_default_language(admin, "en"),
        "new teacher": lambda: services.accounts.create_teacher(admin, "sara", "Sara",
                                                                "teacher-pass-2"),
        "new class": lambda: services.accounts.create_class(teacher, "9B", 9),
        "new student": lambda: services.accounts.create_student(
            teacher, school.class_7a.id, "Сараа", "4321"),
        "routing policy": lambda: set_policy(services.db, teacher, "remote-first"),
        "remove a book": lambda: services.library.remove(teacher, "no-such-book"),
        "unrecorded answer": lambda: services.tutor.answer_once(teacher, "Хурд гэж юу вэ?"),
    }
    told = {}
    for name, call in calls.items():
        with pytest.raises(SessionExpired) as refused:
            call()
        told[name] = refused.value.message("en")
    assert set(told.values()) == {SessionExpired().message("en")}
    assert "sign in again" in SessionExpired().message("en").lower()
    assert services.accounts.default_language() == "mn"
    assert effective_policy(services.config, services.db) == policy
    assert [c.name for c in services.accounts.list_classes()] == classes
    assert [s.display_name for s in services.accounts.list_students(school.class_7a.id)] == [
        s.display_name for s in (school.anu, school.temuulen)]
    assert "sara" not in [s.user.username for s in services.accounts.list_staff(
        services.accounts.sign_in_staff("admin", "admin-pass-1"))]


def test_a_student_never_gets_an_unrecorded_answer(services: Any, school: Any) -> None:
    """``answer_once`` skips the daily limit and keeps no record a teacher reads: the core
    refuses it to a student and to no one, and answers staff."""
    from tutor_desktop.core.accounts import SYSTEM

    student = services.accounts.sign_in_student(school.anu.id, "1234")
    for who in (student, None):
        with pytest.raises(NotAllowed):
            services.tutor.answer_once(who, "Хурд гэж юу вэ?")
    for who in (school.teacher_session, SYSTEM):
        reply = services.tutor.answer_once(who, "Хурд гэж юу вэ?")
        assert reply.text and reply.status != "error"
