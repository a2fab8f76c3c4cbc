"""``tutor setup``: first-run set-up from the terminal (silent installs, demos).

On a PC with ``tutor service`` this goes through the service, which creates the school
only for its OS administrator (root, or the service's own account): IT runs
``sudo tutor setup --school …`` after installing. Without a service it sets up the data
folder of whoever runs it, as before."""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys

from tutor_desktop.cli.common import fail, open_services
from tutor_desktop.core.i18n import TutorError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("setup", help="first-run set-up: school and first admin")
    parser.add_argument("--school", help="school name")
    parser.add_argument("--admin-username", default="admin")
    parser.add_argument("--admin-name", default="Administrator")
    parser.add_argument("--language", choices=("mn", "en"), default="mn")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the admin password from standard input")
    parser.add_argument("--demo", action="store_true",
                        help="a demo school with classes 7A and 8B whose students need no PIN "
                             "(does nothing if this PC is already set up)")
    parser.set_defaults(handler=handler)


def handler(args: argparse.Namespace) -> int:
    services = open_services(args, client=True)
    try:
        accounts = services.accounts
        if args.demo:
            if accounts.is_set_up():
                print("Already set up.")
                return 0
            return _demo(services, args.language)
        if not args.school:
            print("--school is required (or use --demo)", file=sys.stderr)
            return 2
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Admin password: ")
        try:
            accounts.first_run_setup(args.school, args.admin_name, args.admin_username, password,
                                     args.language)
        except TutorError as error:
            return fail(error, args.language)
        print(f"Set up {args.school!r}; admin: {args.admin_username}")
        return 0
    finally:
        services.close()


def _demo(services, language: str) -> int:  # type: ignore[no-untyped-def]
    accounts = services.accounts
    password = secrets.token_urlsafe(9)
    # Named in the language the school is set up in (the sign-in screen shows them).
    school, admin_name = (("Жишээ сургууль", "Админ") if language == "mn"
                          else ("Demo School", "Administrator"))
    accounts.first_run_setup(school, admin_name, "admin", password, language)
    admin = accounts.sign_in_staff("admin", password)
    grade7 = accounts.create_class(admin, "7A", 7, allow_no_pin=True)
    grade8 = accounts.create_class(admin, "8B", 8, allow_no_pin=True)
    accounts.create_student(admin, grade7.id, "Сурагч", None)
    accounts.create_student(admin, grade8.id, "Student", None)
    print("Demo school created: classes 7A and 8B, students need no PIN.")
    print(f"Admin sign-in: admin / {password}  (change it in Settings; shown only once)")
    return 0
