"""Accounts for shared lab PCs: first-run set-up, classes, roster, sign-in, lockout.

Students sign in with class -> name -> PIN (or no PIN where the teacher allows
it); teachers and admins with a username and password. Secrets are stored only
as scrypt hashes. Five wrong tries lock a student for five minutes; staff are
throttled per (username, OS account) with a back-off capped at 30 minutes, and
IT can always reset a staff password with OS-administrator rights.
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tutor_desktop.core.accounts.hashing import (
    ScryptCost,
    dummy_hash,
    hash_secret,
    needs_rehash,
    verify_secret,
)
from tutor_desktop.core.accounts.models import Role, SchoolClass, StaffMember, User
from tutor_desktop.core.accounts.session import Session, require_staff
from tutor_desktop.core.config import LANGUAGES
from tutor_desktop.core.errors import (
    AccountUnknown,
    ClassNameTaken,
    InvalidPin,
    LockedOut,
    NotAllowed,
    PasswordTooShort,
    RosterRowInvalid,
    SessionExpired,
    SetupAlreadyDone,
    UnknownLanguage,
    WrongPassword,
    WrongPin,
)
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.privacy.os_admin import is_os_admin
from tutor_desktop.core.storage import Database, new_id, utc_now
from tutor_desktop.core.storage.connection import Connection
from tutor_desktop.core.storage.settings import get_setting, set_setting
from tutor_desktop.core.sync.merge import class_key
from tutor_desktop.core.sync.outbox import record_change

DEFAULT_LANGUAGE_SETTING = "default_language"

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=5)
#: Staff locks double per repeated lock of the same (username, source) up to this,
#: so guessing stays slow but nobody can lock a staff member out for long.
STAFF_MAX_LOCKOUT = timedelta(minutes=30)
TEACHER_IDLE_FACTOR = 3  # staff get three times the student idle limit


def _check_pin(pin: str) -> None:
    if not (pin.isdigit() and pin.isascii() and 4 <= len(pin) <= 6):
        raise InvalidPin()


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise PasswordTooShort()


class AccountService:
    """All account rules in one place; the UI and CLI only call these methods."""

    def __init__(
        self,
        db: Database,
        *,
        idle_minutes: float = 10,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        idle_clock: Callable[[], float] = time.monotonic,
        hash_cost: ScryptCost | None = None,
        recompute: Sequence[Callable[[Connection, set[str]], None]] = (),
    ) -> None:
        """``hash_cost`` lets tests that create many users use a cheaper scrypt; the
        app always runs with :data:`hashing.DEFAULT_COST`. ``recompute`` rebuilds the
        derived progress of a student whose log grew (a merge of two students)."""
        self.db = db
        self._recompute = tuple(recompute)
        self.hash_cost = hash_cost
        self.idle_minutes = idle_minutes
        self._now = wall_clock
        self._idle_clock = idle_clock

    # -- first run ---------------------------------------------------------
    def is_set_up(self) -> bool:
        return self.db.query_one("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1") is not None

    def school_id(self) -> str:
        row = self.db.query_one("SELECT id FROM schools ORDER BY created_at LIMIT 1")
        if row is None:
            raise AccountUnknown()
        return str(row["id"])

    def school_name(self) -> str:
        row = self.db.query_one("SELECT name FROM schools ORDER BY created_at LIMIT 1")
        return "" if row is None else str(row["name"])

    # -- installation settings ---------------------------------------------
    def default_language(self, fallback: str = "mn") -> str:
        """The language the sign-in screen starts in on this PC (the admin's choice)."""
        value = get_setting(self.db, DEFAULT_LANGUAGE_SETTING, None)
        return str(value) if value in LANGUAGES else fallback

    def set_default_language(self, session: Session, language: str) -> None:
        """Admins only: the language everyone on this computer starts in. Checked here,
        not in the window, so no other door (the terminal, a script) skips the check."""
        self._require_admin(session)
        if language not in LANGUAGES:
            raise UnknownLanguage(language=language)
        set_setting(self.db, DEFAULT_LANGUAGE_SETTING, language)

    def first_run_setup(
        self, school_name: str, admin_name: str, admin_username: str, password: str,
        language: str = "mn",
    ) -> User:
        """Create the school and its first admin; refused once done."""
        if self.is_set_up():
            raise SetupAlreadyDone()
        _check_password(password)
        now = utc_now()
        school_id, admin_id = new_id(), new_id()
        with self.db.write() as conn:
            conn.execute("INSERT INTO schools (id, name, created_at, updated_at) VALUES (?,?,?,?)",
                         (school_id, school_name, now, now))
            conn.execute(
                "INSERT INTO users (id, school_id, role, display_name, username, secret_hash, "
                "language, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (admin_id, school_id, "admin", admin_name, admin_username.strip().lower(),
                 hash_secret(password, self.hash_cost), language, now, now),
            )
            conn.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES ('default_language', ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (f'"{language}"', now),
            )
            record_change(conn, "schools", school_id)
            record_change(conn, "users", admin_id)
        return self.get_user(admin_id)

    # -- lookups -----------------------------------------------------------
    def get_user(self, user_id: str) -> User:
        row = self.db.query_one("SELECT * FROM users WHERE id = ?", (user_id,))
        if row is None:
            raise AccountUnknown()
        return User.from_row(row)

    def list_classes(self) -> list[SchoolClass]:
        """Public: the sign-in screen shows every class."""
        rows = self.db.query("SELECT * FROM classes ORDER BY grade, name")
        return [SchoolClass.from_row(r) for r in rows]

    def get_class(self, class_id: str) -> SchoolClass:
        row = self.db.query_one("SELECT * FROM classes WHERE id = ?", (class_id,))
        if row is None:
            raise AccountUnknown()
        return SchoolClass.from_row(row)

    def list_students(self, class_id: str) -> list[User]:
        """Public: the sign-in screen shows the names in a class (never their data)."""
        rows = self.db.query(
            "SELECT * FROM users WHERE class_id = ? AND role = 'student' AND active = 1 "
            "ORDER BY display_name", (class_id,))
        return [User.from_row(r) for r in rows]

    def teacher_class_ids(self, teacher_id: str) -> set[str]:
        rows = self.db.query("SELECT class_id FROM teacher_classes WHERE teacher_id = ?",
                             (teacher_id,))
        return {r["class_id"] for r in rows}

    def classes_for(self, session: Session) -> list[SchoolClass]:
        """The classes a staff member manages (all of them for an admin)."""
        if session.user.role is Role.ADMIN:
            return self.list_classes()
        if session.user.role is Role.TEACHER:
            ids = self.teacher_class_ids(session.user.id)
            return [c for c in self.list_classes() if c.id in ids]
        return []

    # -- permissions -------------------------------------------------------
    def can_manage_class(self, session: Session, class_id: str) -> bool:
        if session.user.role is Role.ADMIN:
            return True
        return (session.user.role is Role.TEACHER
                and class_id in self.teacher_class_ids(session.user.id))

    def can_view_user(self, session: Session, user_id: str) -> bool:
        """Students see themselves, teachers their classes' students, admins everyone."""
        if session.user.id == user_id or session.user.role is Role.ADMIN:
            return True
        if session.user.role is Role.TEACHER:
            target = self.get_user(user_id)
            return target.class_id is not None and self.can_manage_class(session, target.class_id)
        return False

    def _require_admin(self, session: Session) -> None:
        """Admins only; a session that ran out is told to sign in again first, as
        :func:`require_staff` does, whatever the role."""
        if session.expired:
            raise SessionExpired()
        if session.user.role is not Role.ADMIN:
            raise NotAllowed()

    def _require_class(self, session: Session, class_id: str) -> None:
        """The class's own teachers and admins, with a session that has not run out."""
        if session.expired:
            raise SessionExpired()
        if not self.can_manage_class(session, class_id):
            raise NotAllowed()

    # -- staff and classes -------------------------------------------------
    def create_class(self, session: Session, name: str, grade: int, *,
                     allow_no_pin: bool = False, daily_message_limit: int = 50) -> SchoolClass:
        require_staff(session)
        now, class_id = utc_now(), new_id()
        with self.db.write() as conn:
            # One class per name as a teacher reads it: sync merges "7a" into "7A" anyway.
            key = class_key(name)
            for (held,) in conn.execute("SELECT name FROM classes WHERE school_id = ?",
                                        (self.school_id(),)).fetchall():
                if class_key(str(held)) == key:
                    raise ClassNameTaken(name=str(held))
            conn.execute(
                "INSERT INTO classes VALUES (?,?,?,?,?,?,?,?)",
                (class_id, self.school_id(), name, grade, int(allow_no_pin), daily_message_limit,
                 now, now))
            record_change(conn, "classes", class_id)
            if session.user.role is Role.TEACHER:
                _link_teacher(conn, session.user.id, class_id)
        return self.get_class(class_id)

    def update_class(self, session: Session, class_id: str, *, allow_no_pin: bool | None = None,
                     daily_message_limit: int | None = None) -> SchoolClass:
        self._require_class(session, class_id)
        current = self.get_class(class_id)
        with self.db.write() as conn:
            conn.execute(
                "UPDATE classes SET allow_no_pin = ?, daily_message_limit = ?, updated_at = ? "
                "WHERE id = ?",
                (int(current.allow_no_pin if allow_no_pin is None else allow_no_pin),
                 current.daily_message_limit if daily_message_limit is None
                 else max(0, daily_message_limit), utc_now(), class_id))
            record_change(conn, "classes", class_id)
        return self.get_class(class_id)

    def conversation_text_sync(self) -> bool:
        """Whether conversation text leaves the PCs when they sync (the school's choice)."""
        row = self.db.query_one(
            "SELECT sync_conversation_text FROM schools ORDER BY created_at LIMIT 1")
        return row is None or bool(row[0])

    def set_conversation_text_sync(self, session: Session, enabled: bool) -> None:
        """Admin: ``False`` keeps conversation text on each PC; progress still syncs."""
        self._require_admin(session)
        school_id = self.school_id()
        with self.db.write() as conn:
            conn.execute("UPDATE schools SET sync_conversation_text = ?, updated_at = ? "
                         "WHERE id = ?", (int(enabled), utc_now(), school_id))
            record_change(conn, "schools", school_id)

    def create_teacher(self, session: Session, username: str, display_name: str, password: str,
                       class_ids: tuple[str, ...] = (), *, role: Role = Role.TEACHER) -> User:
        self._require_admin(session)
        _check_password(password)
        now, user_id = utc_now(), new_id()
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO users (id, school_id, role, display_name, username, secret_hash, "
                "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                (user_id, self.school_id(), role.value, display_name, username.strip().lower(),
                 hash_secret(password, self.hash_cost), now, now))
            record_change(conn, "users", user_id)
            for class_id in class_ids:
                _link_teacher(conn, user_id, class_id)
        return self.get_user(user_id)

    def list_staff(self, session: Session) -> list[StaffMember]:
        """Active teachers and admins with the classes they teach, for the admin's overview.

        Admin only: the list reveals usernames, which are half of a staff sign-in.
        """
        self._require_admin(session)
        users = [User.from_row(r) for r in self.db.query(
            "SELECT * FROM users WHERE role IN ('admin','teacher') AND active = 1")]
        taught: dict[str, list[SchoolClass]] = {}
        for row in self.db.query(
                "SELECT tc.teacher_id, c.* FROM teacher_classes tc "
                "JOIN classes c ON c.id = tc.class_id ORDER BY c.grade, c.name"):
            taught.setdefault(str(row["teacher_id"]), []).append(SchoolClass.from_row(row))
        users.sort(key=lambda u: (u.display_name.casefold(), u.username or ""))
        return [StaffMember(u, tuple(taught.get(u.id, ()))) for u in users]

    def assign_teacher(self, session: Session, teacher_id: str, class_id: str) -> None:
        self._require_admin(session)
        with self.db.write() as conn:
            _link_teacher(conn, teacher_id, class_id)

    # -- what sync merged (core/sync/merge.py) ---------------------------------
    def notices(self, session: Session) -> list[dict[str, Any]]:
        """Open notices of sync: classes or schools merged and usernames renamed (admin),
        possible duplicate students (admin, and the teachers of their class)."""
        from tutor_desktop.core.sync.merge import open_notes

        if session.user.role is Role.STUDENT:
            raise NotAllowed()
        notes = open_notes(self.db.reader())
        if session.user.role is Role.ADMIN:
            return notes
        return [n for n in notes if n["kind"] == "duplicate"
                and self.can_manage_class(session, str(n["detail"].get("class_id", "")))]

    def dismiss_notice(self, session: Session, note_id: str) -> None:
        """The notice was read (or the two students are two children): hide it on every PC."""
        from tutor_desktop.core.sync.merge import set_note_status

        if not any(n["id"] == note_id for n in self.notices(session)):
            raise NotAllowed()
        with self.db.write() as conn:
            set_note_status(conn, note_id, "dismissed")

    def merge_students(self, session: Session, keep_id: str, other_id: str) -> User:
        """Two students are one child: ``other_id``'s conversations and learning log move
        to ``keep_id`` (mastery recomputed), ``other_id`` goes, on every PC."""
        from tutor_desktop.core.sync.merge import merge_students

        keep, other = self.get_user(keep_id), self.get_user(other_id)
        if keep_id == other_id or Role.STUDENT not in (keep.role, other.role) \
                or keep.role is not other.role:
            raise NotAllowed()
        for student in (keep, other):
            self._require_class(session, student.class_id or "")
        with self.db.write() as conn:
            merge_students(conn, keep_id, other_id, self._recompute)
        return self.get_user(keep_id)

    # -- students ----------------------------------------------------------
    def create_student(self, session: Session, class_id: str, display_name: str,
                       pin: str | None) -> User:
        self._require_class(session, class_id)
        name = display_name.strip()
        if not name:
            raise RosterRowInvalid(line=0, reason="empty name")
        if pin is None or pin == "":
            if not self.get_class(class_id).allow_no_pin:
                raise InvalidPin()
            secret = None
        else:
            _check_pin(pin)
            secret = hash_secret(pin, self.hash_cost)
        with self.db.write() as conn:
            user_id = self._insert_student(conn, class_id, name, secret)
        return self.get_user(user_id)

    def _insert_student(self, conn: Any, class_id: str, name: str, secret: str | None) -> str:
        now, user_id = utc_now(), new_id()
        conn.execute(
            "INSERT INTO users (id, school_id, role, display_name, class_id, secret_hash, "
            "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
            (user_id, self.school_id(), "student", name, class_id, secret, now, now))
        record_change(conn, "users", user_id)
        return user_id

    def import_roster(self, session: Session, class_id: str, csv_text: str) -> list[User]:
        """Create students from CSV text with a ``name`` column and optional ``pin``.

        All rows are checked first; on any bad row nothing is created and the
        error names the line, so a teacher can fix the file and re-import.
        PINs are hashed before the write transaction (each hash takes a
        noticeable fraction of a second), so sign-ins are not held up meanwhile.
        """
        self._require_class(session, class_id)
        reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
        fields = {f.strip().lower() for f in (reader.fieldnames or [])}
        if "name" not in fields:
            raise RosterRowInvalid(line=1, reason="missing 'name' column")
        allow_no_pin = self.get_class(class_id).allow_no_pin
        rows: list[tuple[str, str | None]] = []
        for line_no, raw in enumerate(reader, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
            name, pin = row.get("name", ""), row.get("pin") or None
            if not name:
                raise RosterRowInvalid(line=line_no, reason="empty name")
            if pin is None and not allow_no_pin:
                raise RosterRowInvalid(line=line_no, reason="PIN required")
            if pin is not None and not (pin.isdigit() and pin.isascii() and 4 <= len(pin) <= 6):
                raise RosterRowInvalid(line=line_no, reason="PIN must be 4-6 digits")
            rows.append((name, pin))
        hashed = [(name, hash_secret(pin, self.hash_cost) if pin else None) for name, pin in rows]
        with self.db.write() as conn:
            ids = [self._insert_student(conn, class_id, name, secret) for name, secret in hashed]
        return [self.get_user(user_id) for user_id in ids]

    def reset_pin(self, session: Session, student_id: str, new_pin: str | None) -> None:
        """A teacher sets a new PIN (and unlocks the account)."""
        student = self.get_user(student_id)
        if student.role is not Role.STUDENT or student.class_id is None:
            raise NotAllowed()
        self._require_class(session, student.class_id)
        if new_pin:
            _check_pin(new_pin)
        elif not self.get_class(student.class_id).allow_no_pin:
            raise InvalidPin()
        with self.db.write() as conn:
            conn.execute(
                "UPDATE users SET secret_hash = ?, failed_attempts = 0, locked_until = NULL, "
                "updated_at = ? WHERE id = ?",
                (hash_secret(new_pin, self.hash_cost) if new_pin else None, utc_now(), student_id))
            record_change(conn, "users", student_id)

    # -- staff passwords ---------------------------------------------------
    def change_own_password(self, session: Session, current: str, new_password: str, *,
                            source: str | None = None) -> None:
        """A signed-in teacher or admin replaces their own password.

        The current password is asked again and checked through the same
        throttle as a sign-in (per username and OS account): a staff session
        left open on a lab PC must not let a student guess the password, nor
        replace it and lock the teacher out.
        """
        if session.is_student or session.user.username is None:
            raise NotAllowed()
        _check_password(new_password)
        name = session.user.username
        where = source if source is not None else local_source()
        failures, lock = self._count_staff_attempt(name, where)
        row = self.db.query_one("SELECT secret_hash FROM users WHERE id = ? AND active = 1",
                                (session.user.id,))
        stored = str(row["secret_hash"] or "") if row is not None else ""
        if not verify_secret(current, stored or dummy_hash(self.hash_cost)) or not stored:
            if lock:
                raise TutorError("account_locked", until=_local_hhmm(lock))
            raise TutorError("current_password_wrong", remaining=MAX_FAILED_ATTEMPTS - failures)
        if new_password == current:
            raise TutorError("password_unchanged")
        self._set_staff_password(session.user.id, name, new_password)

    def reset_staff_password(self, session: Session, user_id: str, new_password: str) -> User:
        """An admin sets a new password for a teacher and lifts every lock on it.

        For one's own password :meth:`change_own_password` asks for the current
        one; another admin's password is left to that admin or to IT
        (:meth:`it_reset_password`), so one admin cannot take over another.
        """
        self._require_admin(session)
        target = self.get_user(user_id)
        if target.role is not Role.TEACHER or target.username is None:
            raise NotAllowed()
        _check_password(new_password)
        self._set_staff_password(target.id, target.username, new_password)
        return self.get_user(target.id)

    def _set_staff_password(self, user_id: str, username: str, new_password: str) -> None:
        """Store a fresh hash, clear the locks, and queue the row for sync."""
        new_hash = hash_secret(new_password, self.hash_cost)  # slow: outside the transaction
        with self.db.write() as conn:
            conn.execute("UPDATE users SET secret_hash = ?, failed_attempts = 0, "
                         "locked_until = NULL, updated_at = ? WHERE id = ?",
                         (new_hash, utc_now(), user_id))
            record_change(conn, "users", user_id)
            conn.execute("DELETE FROM sign_in_throttle WHERE username = ?", (username,))

    # -- sign-in -----------------------------------------------------------
    def sign_in_staff(self, username: str, password: str, *, source: str | None = None) -> Session:
        """Username + password, throttled per (username, source).

        ``source`` is who is at the keyboard (the OS account by default): a
        student guessing ``admin`` on the shared account locks only that
        pairing, never the admin's own OS account, and each lock lasts at most
        :data:`STAFF_MAX_LOCKOUT`. Unknown usernames take the same path, cost
        one scrypt check against a dummy hash and get the same answers, so a
        guess cannot tell whether a username exists.
        """
        name = username.strip().lower()
        where = source if source is not None else local_source()
        failures, lock = self._count_staff_attempt(name, where)
        row = self.db.query_one(
            "SELECT * FROM users WHERE username = ? AND role IN ('admin','teacher') AND active = 1",
            (name,))
        stored = str(row["secret_hash"] or "") if row is not None else ""
        matched = verify_secret(password, stored or dummy_hash(self.hash_cost))
        if row is None or not stored or not matched:
            if lock:
                raise LockedOut(until=_local_hhmm(lock))
            raise WrongPassword(remaining=MAX_FAILED_ATTEMPTS - failures)
        new_hash = self._rehash_if_needed(password, stored)
        with self.db.write() as conn:
            conn.execute("DELETE FROM sign_in_throttle WHERE username = ? AND source = ?",
                         (name, where))
            if new_hash:
                conn.execute("UPDATE users SET secret_hash = ? WHERE id = ?", (new_hash, row["id"]))
                record_change(conn, "users", str(row["id"]))  # the stronger hash syncs too
        return Session(User.from_row(row), self.idle_minutes * 60 * TEACHER_IDLE_FACTOR,
                       clock=self._idle_clock)

    def sign_in_student(self, student_id: str, pin: str | None) -> Session:
        row = self.db.query_one(
            "SELECT u.*, c.allow_no_pin FROM users u JOIN classes c ON c.id = u.class_id "
            "WHERE u.id = ? AND u.role = 'student' AND u.active = 1", (student_id,))
        if row is None:
            raise AccountUnknown()
        if row["secret_hash"] is None:
            if not row["allow_no_pin"]:
                raise NotAllowed()
        else:
            self._check_pin_counted(student_id, pin or "")
        return Session(User.from_row(row), self.idle_minutes * 60, clock=self._idle_clock)

    def _check_pin_counted(self, user_id: str, pin: str) -> None:
        """Count the attempt *before* the slow comparison, in one write transaction.

        Reading the counter, comparing for ~0.3 s and writing it back let 30
        parallel guesses each see "0 failures so far" and none lock. Here the
        lock check and the increment are one ``BEGIN IMMEDIATE``: at most
        :data:`MAX_FAILED_ATTEMPTS` guesses are ever compared, however many
        arrive at once, and a right PIN resets the counter afterwards.
        """
        now = self._now()
        with self.db.write() as conn:
            row = conn.execute("SELECT secret_hash, failed_attempts, locked_until FROM users "
                               "WHERE id = ?", (user_id,)).fetchone()
            locked_until = row["locked_until"]
            if locked_until and datetime.fromisoformat(locked_until) > now:
                raise LockedOut(until=_local_hhmm(locked_until))
            failures = int(row["failed_attempts"]) + 1
            lock = (now + LOCKOUT).isoformat() if failures >= MAX_FAILED_ATTEMPTS else None
            conn.execute("UPDATE users SET failed_attempts = ?, locked_until = ? WHERE id = ?",
                         (0 if lock else failures, lock, user_id))
        stored = str(row["secret_hash"] or "")
        if verify_secret(pin, stored):
            new_hash = self._rehash_if_needed(pin, stored)
            with self.db.write() as conn:
                conn.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL, "
                             "secret_hash = COALESCE(?, secret_hash) WHERE id = ?",
                             (new_hash, user_id))
                if new_hash:  # the stronger hash syncs too
                    record_change(conn, "users", user_id)
            return
        if lock:
            raise LockedOut(until=_local_hhmm(lock))
        raise WrongPin(remaining=MAX_FAILED_ATTEMPTS - failures)

    def _count_staff_attempt(self, username: str, source: str) -> tuple[int, str | None]:
        """Check and count a staff attempt in one transaction; (failures, lock or None)."""
        now = self._now()
        with self.db.write() as conn:
            conn.execute("DELETE FROM sign_in_throttle WHERE updated_at < ? AND "
                         "(locked_until IS NULL OR locked_until < ?)",
                         ((now - timedelta(days=1)).isoformat(), now.isoformat()))
            row = conn.execute("SELECT failed_attempts, locks, locked_until FROM sign_in_throttle"
                               " WHERE username = ? AND source = ?",
                               (username, source)).fetchone()
            failed, locks = (int(row[0]), int(row[1])) if row else (0, 0)
            if row and row[2] and datetime.fromisoformat(row[2]) > now:
                raise LockedOut(until=_local_hhmm(row[2]))
            failures = failed + 1
            lock = None
            if failures >= MAX_FAILED_ATTEMPTS:
                lock = (now + min(LOCKOUT * 2**locks, STAFF_MAX_LOCKOUT)).isoformat()
                locks += 1
            conn.execute(
                "INSERT INTO sign_in_throttle (username, source, failed_attempts, locks, "
                "locked_until, updated_at) VALUES (?,?,?,?,?,?) ON CONFLICT(username, source) "
                "DO UPDATE SET failed_attempts = excluded.failed_attempts, locks = excluded.locks,"
                " locked_until = excluded.locked_until, updated_at = excluded.updated_at",
                (username, source, 0 if lock else failures, locks, lock, now.isoformat()))
        return failures, lock

    def _rehash_if_needed(self, secret: str, stored: str) -> str | None:
        """A fresh hash at today's cost when ``stored`` used older parameters."""
        return hash_secret(secret, self.hash_cost) if needs_rehash(stored, self.hash_cost) else None

    # -- IT recovery -------------------------------------------------------
    def it_reset_password(self, username: str, new_password: str, *,
                          os_admin: Callable[[], bool] = is_os_admin) -> User:
        """IT's recovery path: set a staff password and lift every lock on it.

        No sign-in is needed, so the check is the operating system's: only an
        OS administrator (root / an elevated Administrator) may call this. Such
        a person can already read and replace the database file, so this grants
        nothing new -- it only spares them editing the database by hand.
        """
        if not os_admin():
            raise TutorError("needs_os_admin")
        _check_password(new_password)
        name = username.strip().lower()
        row = self.db.query_one(
            "SELECT id FROM users WHERE username = ? AND role IN ('admin','teacher')", (name,))
        if row is None:
            raise AccountUnknown()
        new_hash = hash_secret(new_password, self.hash_cost)
        with self.db.write() as conn:
            conn.execute("UPDATE users SET secret_hash = ?, failed_attempts = 0, "
                         "locked_until = NULL, active = 1, updated_at = ? WHERE id = ?",
                         (new_hash, utc_now(), row["id"]))
            record_change(conn, "users", str(row["id"]))
            conn.execute("DELETE FROM sign_in_throttle WHERE username = ?", (name,))
        return self.get_user(str(row["id"]))


def local_source() -> str:
    """Who is at the keyboard, as far as this process can tell: the OS account.

    From the process's real identity, never from ``USER``/``LOGNAME``/``USERNAME``
    (``getpass.getuser`` reads those first): changing a variable must not buy a
    fresh set of guesses.
    """
    try:
        if os.name == "posix":
            import pwd

            return f"os:{pwd.getpwuid(os.geteuid()).pw_name}"
        return "os:" + os.getlogin()  # Windows: GetUserNameW, not the environment
    except (KeyError, OSError):  # no passwd entry / no login name
        return f"uid:{os.geteuid()}" if hasattr(os, "geteuid") else "os:?"


def _link_teacher(conn: Connection, teacher_id: str, class_id: str) -> None:
    """Link a teacher to a class (once) and queue the link."""
    now = utc_now()
    cursor = conn.execute(
        "INSERT INTO teacher_classes (id, teacher_id, class_id, created_at, updated_at) "
        "VALUES (?,?,?,?,?) ON CONFLICT(teacher_id, class_id) DO NOTHING",
        (new_id(), teacher_id, class_id, now, now))
    if cursor.rowcount:
        row = conn.execute("SELECT id FROM teacher_classes WHERE teacher_id = ? AND class_id = ?",
                           (teacher_id, class_id)).fetchone()
        record_change(conn, "teacher_classes", str(row[0]))


def _local_hhmm(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone().strftime("%H:%M")
