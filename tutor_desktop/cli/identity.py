"""Who is running a ``tutor`` command: a signed-in student or staff member, or IT.

The window asks everyone to sign in; the terminal must too, or any student at
the shared PC could import or delete books and use the tutor unrecorded and
beyond the daily limit. A command that changes the school's data needs a
staff sign-in; IT may instead run it with OS-administrator rights (root /
an elevated Administrator), who can replace the data files anyway.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.privacy import os_admin

if TYPE_CHECKING:
    from tutor_desktop.composition import Services
    from tutor_desktop.core.accounts import Session


@dataclass(frozen=True)
class Actor:
    """A signed-in session, or ``session=None`` for IT with OS-administrator rights."""

    session: Session | None
    it: bool = False

    @property
    def is_staff(self) -> bool:
        return self.it or (self.session is not None and not self.session.is_student)


def add_sign_in_options(parser: argparse.ArgumentParser, *, students: bool = False) -> None:
    group = parser.add_argument_group("sign-in")
    group.add_argument("--user", metavar="NAME", help="sign in as this teacher or admin")
    group.add_argument("--password-stdin", action="store_true",
                       help="read the password (or PIN) from standard input")
    if students:
        group.add_argument("--class", dest="class_name", metavar="CLASS",
                           help="sign in as a student of this class (with --name)")
        group.add_argument("--name", dest="student_name", metavar="NAME")


def _secret(args: argparse.Namespace, prompt: str) -> str:
    if getattr(args, "password_stdin", False) or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass(prompt)


def sign_in(services: Services, args: argparse.Namespace, *, staff_only: bool) -> Actor:
    """The actor for this command, or :class:`TutorError` saying how to sign in."""
    accounts = services.accounts
    user = getattr(args, "user", None)
    if user:
        return Actor(accounts.sign_in_staff(user, _secret(args, "Password: ")))
    class_name = getattr(args, "class_name", None)
    if class_name and not staff_only:
        name = getattr(args, "student_name", None) or ""
        chosen = next((c for c in accounts.list_classes() if c.name == class_name), None)
        student = None if chosen is None else next(
            (s for s in accounts.list_students(chosen.id) if s.display_name == name), None)
        if student is None:
            raise TutorError("cli_unknown_student", name=name, class_name=class_name)
        pin = _secret(args, "PIN: ") if student.has_pin else None
        return Actor(accounts.sign_in_student(student.id, pin))
    if os_admin.is_os_admin():
        return Actor(None, it=True)
    raise TutorError("cli_staff_required" if staff_only else "cli_sign_in_required")
