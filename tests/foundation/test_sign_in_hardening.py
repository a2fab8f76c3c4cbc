"""Sign-in hardening: lockout race, scrypt cost, staff enumeration,
staff lock-out that never ends, and IT's recovery path."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tutor_desktop.core.accounts import AccountService, hashing
from tutor_desktop.core.accounts.hashing import LEGACY_COST, ScryptCost, hash_secret
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.storage import Database


def _answer(call) -> str:
    try:
        call()
    except TutorError as error:
        return error.message_id
    return "signed_in"


def test_thirty_parallel_wrong_pins_lock_the_student(services, school) -> None:
    """Two processes' worth of connections (the window and a terminal), 15 guesses each."""
    second_db = Database(services.db.path)
    try:
        # A slower hash than the test default, so the guesses really overlap.
        slow = ScryptCost(n=2**13)
        with services.db.write() as conn:
            conn.execute("UPDATE users SET secret_hash = ? WHERE id = ?",
                         (hash_secret("1234", slow), school.anu.id))
        handles = [AccountService(services.db), AccountService(second_db)]
        with ThreadPoolExecutor(max_workers=30) as pool:
            answers = list(pool.map(
                lambda i: _answer(lambda: handles[i % 2].sign_in_student(school.anu.id, "0000")),
                range(30)))
        assert "signed_in" not in answers
        # At most five guesses were ever compared; the rest were refused as locked.
        assert answers.count("wrong_pin") <= 4
        assert answers.count("account_locked") >= 26
        # What the student (and the guesser) notices: even the right PIN is refused now.
        with pytest.raises(TutorError) as info:
            services.accounts.sign_in_student(school.anu.id, "1234")
        assert info.value.message_id == "account_locked"
    finally:
        second_db.close()


def test_real_scrypt_cost_and_transparent_rehash_of_old_hashes(services, school) -> None:
    """The app's real parameters (N=2^17, r=8, p=1): new hashes use them, and a PIN
    hashed with the old N=2^14 still works and is upgraded at the next sign-in."""
    real = ScryptCost()
    assert (real.n, real.r, real.p) == (2**17, 8, 1)
    accounts = AccountService(services.db, hash_cost=real)
    student = accounts.create_student(school.teacher_session, school.class_7a.id, "Сод", "4321")
    stored = services.db.query_one("SELECT secret_hash FROM users WHERE id = ?", (student.id,))[0]
    assert stored.startswith("scrypt$131072$8$1$")

    with services.db.write() as conn:
        conn.execute("UPDATE users SET secret_hash = ? WHERE id = ?",
                     (hash_secret("4321", LEGACY_COST), student.id))
    with pytest.raises(TutorError, match="tries left"):
        accounts.sign_in_student(student.id, "0000")
    still_old = services.db.query_one("SELECT secret_hash FROM users WHERE id = ?",
                                      (student.id,))[0]
    assert still_old.startswith("scrypt$16384$")  # a wrong PIN never re-hashes
    assert accounts.sign_in_student(student.id, "4321").user.id == student.id
    upgraded = services.db.query_one("SELECT secret_hash FROM users WHERE id = ?",
                                     (student.id,))[0]
    assert upgraded.startswith("scrypt$131072$8$1$")
    assert accounts.sign_in_student(student.id, "4321").user.id == student.id
    with pytest.raises(TutorError, match="tries left"):
        accounts.sign_in_student(student.id, "1111")


def test_staff_password_rehash_on_sign_in(services, school) -> None:
    with services.db.write() as conn:
        conn.execute("UPDATE users SET secret_hash = ? WHERE username = 'bat'",
                     (hash_secret("teacher-pass-1", ScryptCost(n=2**9)),))
    services.accounts.sign_in_staff("bat", "teacher-pass-1")
    stored = services.db.query_one("SELECT secret_hash FROM users WHERE username = 'bat'")[0]
    assert hashing.stored_cost(stored) == hashing.DEFAULT_COST


def test_unknown_username_answers_and_costs_like_a_known_one(services, school,
                                                             monkeypatch) -> None:
    calls: list[tuple[int, int, int]] = []
    real_scrypt = hashlib.scrypt

    def counting_scrypt(password, *, salt, n, r, p, dklen, maxmem=0):
        calls.append((n, r, p))
        return real_scrypt(password, salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=maxmem)

    monkeypatch.setattr(hashing.hashlib, "scrypt", counting_scrypt)  # type: ignore[attr-defined]
    hashing.dummy_hash()  # made once per process, like the app after its first sign-in
    answers = {}
    for name in ("bat", "nobody"):
        calls.clear()
        seen = []
        for _ in range(6):
            with pytest.raises(TutorError) as info:
                services.accounts.sign_in_staff(name, "wrong-password", source="os:lab")
            seen.append(info.value.message("en").split(" until ")[0])
        answers[name] = (seen, list(calls))
    assert answers["bat"] == answers["nobody"]
    seen, cost = answers["nobody"]
    assert seen[0] == "Wrong name or password. 4 tries left."
    assert seen[4] == seen[5] == "Too many wrong tries. This account is locked"
    # One scrypt per compared guess, at the same parameters as a real account's hash.
    assert len(cost) == 5 and set(cost) == {(2**10, 8, 1)}


def test_nobody_can_keep_the_admin_locked_out(services, school) -> None:
    now = [datetime(2026, 11, 30, 9, 0, tzinfo=UTC)]
    accounts = AccountService(services.db, wall_clock=lambda: now[0])
    longest = timedelta()
    for _round in range(8):  # a student comes back and locks "admin" again and again
        for _ in range(5):
            with pytest.raises(TutorError):
                accounts.sign_in_staff("admin", "guess-guess", source="os:student")
        until = services.db.query_one(
            "SELECT locked_until FROM sign_in_throttle WHERE username = 'admin' AND "
            "source = 'os:student'")[0]
        wait = datetime.fromisoformat(until) - now[0]
        longest = max(longest, wait)
        # The admin at their own OS account is never affected...
        assert accounts.sign_in_staff("admin", "admin-pass-1", source="os:it").user.username \
            == "admin"
        now[0] = datetime.fromisoformat(until) + timedelta(seconds=1)
    # ...and on the shared account the lock always ends within 30 minutes (back-off capped).
    assert timedelta(minutes=20) < longest <= timedelta(minutes=30)
    assert accounts.sign_in_staff("admin", "admin-pass-1", source="os:student")


def _tutor(*args: str, stdin: str = "", user: str | None = None
           ) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "tutor_desktop", *args]
    if user:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    env = dict(os.environ, PYTHONPATH=os.environ.get("PYTHONPATH", ""))
    return subprocess.run(cmd, capture_output=True, text=True, input=stdin, timeout=120, env=env)


def test_it_resets_a_staff_password_with_os_admin_rights_only(tmp_path: Path) -> None:
    data = tmp_path / "d"
    made = _tutor("--data-dir", str(data), "setup", "--school", "S", "--password-stdin",
                  stdin="first-password\n")
    assert made.returncode == 0, made.stderr
    db = Database(data / "tutor.sqlite3")
    try:
        accounts = AccountService(db)
        for _ in range(5):
            with pytest.raises(TutorError):
                accounts.sign_in_staff("admin", "forgotten-1")
        with pytest.raises(TutorError, match="locked"):
            accounts.sign_in_staff("admin", "first-password")

        if os.geteuid() == 0 and shutil.which("setpriv"):
            os.chmod(tmp_path, 0o755)
            refused = _tutor("--data-dir", str(data), "admin", "reset-password", "admin",
                             "--password-stdin", stdin="stolen-password\n", user="65534")
            assert refused.returncode != 0
            assert "administrator rights" in refused.stderr
        else:
            with pytest.raises(TutorError, match="administrator rights"):
                accounts.it_reset_password("admin", "stolen-password", os_admin=lambda: False)

        if os.geteuid() == 0:
            done = _tutor("--data-dir", str(data), "admin", "reset-password", "ADMIN",
                          "--password-stdin", stdin="new-password-1\n")
            assert done.returncode == 0, done.stderr
            assert "admin" in done.stdout
        else:
            accounts.it_reset_password("admin", "new-password-1", os_admin=lambda: True)
        assert accounts.sign_in_staff("admin", "new-password-1").user.username == "admin"
        with pytest.raises(TutorError):
            accounts.sign_in_staff("admin", "first-password")
    finally:
        db.close()


def test_changing_user_variables_does_not_buy_fresh_guesses(services, school,
                                                            monkeypatch) -> None:
    """The throttling source is the process's real OS account, not $USER/$LOGNAME."""
    for attempt in range(5):
        monkeypatch.setenv("USER", f"someone-{attempt}")
        monkeypatch.setenv("LOGNAME", f"someone-{attempt}")
        monkeypatch.setenv("USERNAME", f"someone-{attempt}")
        with pytest.raises(TutorError):
            services.accounts.sign_in_staff("admin", "guess-guess")
    monkeypatch.setenv("USER", "yet-another")
    with pytest.raises(TutorError) as info:
        services.accounts.sign_in_staff("admin", "admin-pass-1")
    assert info.value.message_id == "account_locked"
