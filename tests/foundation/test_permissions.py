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
