"""``tutor admin``: IT's recovery commands, gated by the operating system.

``tutor admin reset-password USER`` sets a teacher's or admin's password and
lifts every lock on the account, so no one ever has to edit the database by
hand. It needs no sign-in -- the person who forgot the password could not give
one -- so it runs only with OS-administrator rights (root / an elevated
Administrator), who can replace the data files anyway.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from tutor_desktop.cli.common import cli_language, fail, open_services
from tutor_desktop.core.i18n import TutorError, tr
from tutor_desktop.core.privacy.os_admin import is_os_admin


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("admin", help="IT recovery commands (need OS-administrator rights)")
    actions = parser.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    reset = actions.add_parser("reset-password",
                               help="set a teacher's or admin's password and unlock the account")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true",
                       help="read the new password from standard input")
    reset.set_defaults(handler=_reset_password)


def _reset_password(args: argparse.Namespace) -> int:
    language = cli_language()
    # Refuse before opening anything: a non-admin learns nothing about the accounts.
    if not is_os_admin():
        return fail(TutorError("needs_os_admin"), language)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("New password: ")
    services = open_services(args)
    try:
        services.accounts.it_reset_password(args.username, password)
    except TutorError as error:
        return fail(error, language)
    finally:
        services.close()
    print(tr("it_password_reset", language, username=args.username.strip().lower()))
    return 0
