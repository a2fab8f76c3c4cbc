"""Staff change their own password; an admin resets a teacher's.

Same scrypt hashing, the same throttle as sign-in, and the new hash goes into the
sync queue so every PC of the school accepts the new password.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tutor_desktop.core.accounts import AccountService
from tutor_desktop.core.i18n import TutorError


def _queued_hashes(services, user_id: str) -> list[str]:
    rows = services.db.query("SELECT payload FROM sync_outbox WHERE entity = 'users' AND "
                             "entity_id = ? ORDER BY seq", (user_id,))
    return [json.loads(r["payload"])["secret_hash"] for r in rows]


def test_staff_change_their_own_password_and_the_old_one_stops_working(services, school) -> None:
    accounts = services.accounts
    admin = accounts.sign_in_staff("admin", "admin-pass-1")
    accounts.change_own_password(admin, "admin-pass-1", "new-admin-pass", source="t")
    with pytest.raises(TutorError, match="Wrong name or password"):
        accounts.sign_in_staff("admin", "admin-pass-1", source="t")
    assert accounts.sign_in_staff("admin", "new-admin-pass", source="t").is_admin
    stored = services.db.query_one("SELECT secret_hash FROM users WHERE id = ?",
                                   (admin.user.id,))[0]
    assert stored.startswith("scrypt$") and "new-admin-pass" not in stored
    assert _queued_hashes(services, admin.user.id)[-1] == stored  # other PCs learn it


def test_a_wrong_current_password_is_counted_like_a_sign_in(services, school) -> None:
    """An open staff session must not let a student guess (or replace) the password."""
    now = [datetime(2026, 11, 22, 9, 0, tzinfo=UTC)]
    accounts = AccountService(services.db, wall_clock=lambda: now[0])
    bat = school.teacher_session
    with pytest.raises(TutorError) as wrong:
        accounts.change_own_password(bat, "guess-guess", "another-pass-1", source="t")
    assert wrong.value.message("mn") == "Одоогийн нууц үг буруу байна. 4 оролдлого үлдлээ."
    for _ in range(3):
        with pytest.raises(TutorError, match="tries left"):
            accounts.change_own_password(bat, "guess-guess", "another-pass-1", source="t")
    with pytest.raises(TutorError) as locked:
        accounts.change_own_password(bat, "guess-guess", "another-pass-1", source="t")
    assert locked.value.message_id == "account_locked"
    # Locked: the right password is refused too, at sign-in as well.
    with pytest.raises(TutorError, match="locked"):
        accounts.change_own_password(bat, "teacher-pass-1", "another-pass-1", source="t")
    with pytest.raises(TutorError, match="locked"):
        accounts.sign_in_staff("bat", "teacher-pass-1", source="t")
    now[0] += timedelta(minutes=5, seconds=1)
    accounts.change_own_password(bat, "teacher-pass-1", "another-pass-1", source="t")
    assert accounts.sign_in_staff("bat", "another-pass-1", source="t").user.id == bat.user.id


def test_new_password_rules(services, school) -> None:
    accounts = services.accounts
    bat = school.teacher_session
    with pytest.raises(TutorError) as short:
        accounts.change_own_password(bat, "teacher-pass-1", "short", source="t")
    assert short.value.message_id == "password_too_short"
    with pytest.raises(TutorError) as same:
        accounts.change_own_password(bat, "teacher-pass-1", "teacher-pass-1", source="t")
    assert same.value.message("mn").startswith("Шинэ нууц үг одоогийнхтой ижил")
    assert accounts.sign_in_staff("bat", "teacher-pass-1", source="t")  # nothing changed


def test_students_have_no_password_to_change(services, school) -> None:
    student = services.accounts.sign_in_student(school.anu.id, "1234")
    with pytest.raises(TutorError) as info:
        services.accounts.change_own_password(student, "1234", "12345678", source="t")
    assert info.value.message_id == "not_allowed"


def test_an_admin_resets_a_teachers_password_and_lifts_the_lock(services, school) -> None:
    accounts = services.accounts
    for _ in range(5):
        with pytest.raises(TutorError):
            accounts.sign_in_staff("bat", "forgotten-1", source="lab")
    with pytest.raises(TutorError, match="locked"):
        accounts.sign_in_staff("bat", "teacher-pass-1", source="lab")
    accounts.reset_staff_password(school.admin, school.teacher.id, "fresh-start-1")
    assert accounts.sign_in_staff("bat", "fresh-start-1", source="lab").user.id == school.teacher.id
    stored = services.db.query_one("SELECT secret_hash FROM users WHERE id = ?",
                                   (school.teacher.id,))[0]
    assert _queued_hashes(services, school.teacher.id)[-1] == stored


def test_only_an_admin_resets_and_only_a_teachers_password(services, school) -> None:
    accounts = services.accounts
    bat = school.teacher_session
    other = accounts.create_teacher(school.admin, "dulmaa", "Дулмаа", "dulmaa-pass-1")
    second_admin = accounts.create_teacher(school.admin, "it", "IT", "it-admin-pass",
                                           role=school.admin.user.role)
    refused = [
        (bat, other.id),                    # a teacher cannot reset a colleague
        (bat, school.admin.user.id),        # ...nor the admin
        (school.admin, school.anu.id),      # students have PINs (reset_pin)
        (school.admin, second_admin.id),    # one admin cannot take over another
        (school.admin, school.admin.user.id),  # own password: change_own_password
    ]
    for session, target in refused:
        with pytest.raises(TutorError) as info:
            accounts.reset_staff_password(session, target, "taken-over-1")
        assert info.value.message_id == "not_allowed"
    assert accounts.sign_in_staff("dulmaa", "dulmaa-pass-1", source="t")
    assert accounts.sign_in_staff("it", "it-admin-pass", source="t")
