"""Sign-in for shared lab PCs: PINs, passwords, lockout, inactivity, roster."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tutor_desktop.core.accounts import AccountService, Role
from tutor_desktop.core.i18n import TutorError


def test_first_run_setup_happens_once(services) -> None:
    accounts = services.accounts
    assert not accounts.is_set_up()
    admin = accounts.first_run_setup("Сургууль 1", "Админ", "Admin", "long-password", "mn")
    assert admin.role is Role.ADMIN and admin.username == "admin"
    assert accounts.is_set_up()
    with pytest.raises(TutorError) as info:
        accounts.first_run_setup("Other", "X", "x", "long-password")
    assert info.value.message("mn") == "Энэ компьютер аль хэдийн тохируулагдсан байна."


def test_short_admin_password_is_refused(services) -> None:
    with pytest.raises(TutorError, match="at least 8"):
        services.accounts.first_run_setup("S", "A", "a", "short")


def test_student_signs_in_with_pin_and_secrets_are_hashed(services, school) -> None:
    session = services.accounts.sign_in_student(school.anu.id, "1234")
    assert session.user.display_name == "Анужин" and session.is_student
    stored = services.db.query_one("SELECT secret_hash FROM users WHERE id = ?", (school.anu.id,))
    assert stored[0].startswith("scrypt$") and "1234" not in stored[0]
    admin_hash = services.db.query_one("SELECT secret_hash FROM users WHERE username = 'admin'")[0]
    assert "admin-pass-1" not in admin_hash


def test_wrong_pin_says_how_many_tries_are_left_in_mongolian(services, school) -> None:
    with pytest.raises(TutorError) as info:
        services.accounts.sign_in_student(school.anu.id, "0000")
    assert info.value.message("mn") == "ПИН код буруу байна. 4 оролдлого үлдлээ."


def test_five_wrong_pins_lock_the_account_for_five_minutes(services, school) -> None:
    now = [datetime(2026, 11, 22, 9, 0, tzinfo=UTC)]
    accounts = AccountService(services.db, wall_clock=lambda: now[0])
    for _ in range(4):
        with pytest.raises(TutorError, match="tries left"):
            accounts.sign_in_student(school.anu.id, "9999")
    with pytest.raises(TutorError) as info:
        accounts.sign_in_student(school.anu.id, "9999")
    assert info.value.message_id == "account_locked"
    # Even the right PIN is refused while locked...
    now[0] += timedelta(minutes=4)
    with pytest.raises(TutorError, match="locked"):
        accounts.sign_in_student(school.anu.id, "1234")
    # ...and accepted once the five minutes have passed.
    now[0] += timedelta(minutes=1, seconds=1)
    assert accounts.sign_in_student(school.anu.id, "1234").user.id == school.anu.id
    # A successful sign-in resets the counter.
    with pytest.raises(TutorError, match="4 tries left"):
        accounts.sign_in_student(school.anu.id, "9999")


def test_a_wrong_staff_password_and_an_unknown_name_read_alike(services, school) -> None:
    with pytest.raises(TutorError, match="Wrong name or password") as wrong:
        services.accounts.sign_in_staff("bat", "nope-nope")
    with pytest.raises(TutorError, match="Wrong name or password") as unknown:
        services.accounts.sign_in_staff("nobody", "whatever-1")
    # Same message id: the screen does not tell which staff names exist.
    assert wrong.value.message_id == unknown.value.message_id == "wrong_password"
    assert services.accounts.sign_in_staff("BAT", "teacher-pass-1").user.role is Role.TEACHER


def test_five_wrong_staff_passwords_lock_the_account_for_five_minutes(services, school) -> None:
    now = [datetime(2026, 11, 22, 9, 0, tzinfo=UTC)]
    accounts = AccountService(services.db, wall_clock=lambda: now[0])
    for _ in range(5):
        with pytest.raises(TutorError) as info:
            accounts.sign_in_staff("bat", "guess-guess")
    assert info.value.message_id == "account_locked"
    now[0] += timedelta(minutes=4)
    with pytest.raises(TutorError) as info:  # even the right password, while locked
        accounts.sign_in_staff("bat", "teacher-pass-1")
    assert info.value.message_id == "account_locked"
    assert accounts.sign_in_staff("admin", "admin-pass-1").user.role is Role.ADMIN  # others fine
    now[0] += timedelta(minutes=1, seconds=1)
    assert accounts.sign_in_staff("bat", "teacher-pass-1").user.role is Role.TEACHER


def test_inactivity_signs_the_student_out(services, school) -> None:
    clock = [1000.0]
    accounts = AccountService(services.db, idle_minutes=10, idle_clock=lambda: clock[0])
    session = accounts.sign_in_student(school.anu.id, "1234")
    clock[0] += 9 * 60
    assert not session.expired
    session.touch()
    clock[0] += 9 * 60
    assert not session.expired
    clock[0] += 61
    assert session.expired


def test_no_pin_students_only_where_the_teacher_allows_it(services, school) -> None:
    accounts = services.accounts
    assert accounts.sign_in_student(school.small.id, None).user.display_name == "Болд"
    with pytest.raises(TutorError, match="4 to 6 digits"):
        accounts.create_student(school.teacher_session, school.class_7a.id, "Pinless", None)


def test_roster_csv_import_is_all_or_nothing(services, school) -> None:
    accounts, teacher = services.accounts, school.teacher_session
    good = "name,pin\nДорж,4321\nСараа,987654\n"
    created = accounts.import_roster(teacher, school.class_7a.id, good)
    assert [u.display_name for u in created] == ["Дорж", "Сараа"]
    bad = "name,pin\nЦэцэг,1111\nМөнх,12\n"
    with pytest.raises(TutorError) as info:
        accounts.import_roster(teacher, school.class_7a.id, bad)
    assert "line 3" in str(info.value)
    names = {u.display_name for u in accounts.list_students(school.class_7a.id)}
    assert "Цэцэг" not in names and {"Дорж", "Сараа", "Анужин"} <= names


def test_teacher_resets_a_pin_and_unlocks(services, school) -> None:
    accounts = services.accounts
    for _ in range(5):
        with pytest.raises(TutorError) as info:
            accounts.sign_in_student(school.anu.id, "0000")
    assert info.value.message_id == "account_locked"
    accounts.reset_pin(school.teacher_session, school.anu.id, "2468")
    assert accounts.sign_in_student(school.anu.id, "2468").user.id == school.anu.id


def test_teacher_cannot_manage_another_teachers_class(services, school) -> None:
    accounts = services.accounts
    other = accounts.create_teacher(school.admin, "oyun", "Oyun", "teacher-pass-2")
    other_session = accounts.sign_in_staff("oyun", "teacher-pass-2")
    assert other.role is Role.TEACHER
    with pytest.raises(TutorError, match="not allowed"):
        accounts.reset_pin(other_session, school.anu.id, "1111")
    with pytest.raises(TutorError, match="not allowed"):
        accounts.create_student(other_session, school.class_7a.id, "Intruder", "1111")


def test_admin_lists_staff_with_their_classes_and_teachers_may_not(services, school) -> None:
    staff = services.accounts.list_staff(school.admin)
    assert [(m.user.display_name, m.user.role) for m in staff] == [
        ("Admin", Role.ADMIN), ("Bat Teacher", Role.TEACHER)]
    bat = next(m for m in staff if m.user.username == "bat")
    assert [c.name for c in bat.classes] == ["7A"]
    with pytest.raises(TutorError) as info:
        services.accounts.list_staff(school.teacher_session)
    assert info.value.message_id == "not_allowed"
