"""``tutor sync``: connect this PC to the school's hub or cloud, sync now, see the state,
and move changes by USB stick.

    tutor sync enroll --url URL --code CODE [--name NAME]   (no --url: USB only)
    tutor sync now [--json]
    tutor sync status [--json]
    tutor sync export --to FILE
    tutor sync import FILE
    tutor sync conversation-text on|off --user ADMIN   (off: questions and answers stay on
                                                        each PC; progress still syncs)
"""

from __future__ import annotations

import argparse
import json
import socket
from pathlib import Path

from tutor_desktop.cli.common import cli_language, fail, open_services
from tutor_desktop.cli.identity import add_sign_in_options, sign_in
from tutor_desktop.core.i18n import TutorError, tr


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("sync", help="sync with the school hub or cloud, or by USB stick")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = actions.add_parser("enroll", help="connect this PC with the school's enrolment code")
    p.add_argument("--url", help="the hub or cloud address (none: USB stick only)")
    p.add_argument("--code", required=True, help="the school's enrolment code")
    p.add_argument("--name", default="", help="this PC's name (default: host name)")
    p.set_defaults(handler=enroll)
    p = actions.add_parser("now", help="send and receive changes now")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=now)
    p = actions.add_parser("status", help="device id, server, last push/pull, waiting changes")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=status)
    p = actions.add_parser("export", help="write changes to a USB stick file")
    p.add_argument("--to", required=True, type=Path, metavar="FILE")
    p.set_defaults(handler=export)
    p = actions.add_parser("import", help="apply a USB stick file from another PC")
    p.add_argument("file", type=Path)
    p.set_defaults(handler=import_)
    p = actions.add_parser(
        "conversation-text", help="whether questions and answers leave the PCs (admin)")
    p.add_argument("state", choices=("on", "off"), nargs="?",
                   help="on: conversations sync; off: they stay on each PC (progress, "
                        "roster and safety cases still sync); none: show the setting")
    add_sign_in_options(p)
    p.set_defaults(handler=conversation_text)


def enroll(args: argparse.Namespace) -> int:
    services = open_services(args)
    try:
        if not args.url:
            services.sync.enroll_offline(args.code)
            print(tr("sync_enrolled", cli_language(), school="USB", url="-"))
            return 0
        answer = services.sync.enroll(args.url, args.code, args.name or socket.gethostname())
        print(tr("sync_enrolled", cli_language(), school=answer["school_name"], url=args.url))
        report = services.sync.sync_now()
        print(_done(services, report.pushed, report.pulled))
        return 0
    except TutorError as error:
        return fail(error)
    finally:
        services.close()


def _done(services: object, pushed: int, pulled: int) -> str:
    waiting = services.sync.status()["waiting"]  # type: ignore[attr-defined]
    return tr("sync_done", cli_language(), pushed=pushed, pulled=pulled, waiting=waiting)


def now(args: argparse.Namespace) -> int:
    services = open_services(args)
    try:
        report = services.sync.sync_now()
        if args.json:
            print(json.dumps({"pushed": report.pushed, "pulled": report.pulled,
                              "applied": report.applied.applied,
                              "conflicts": report.applied.conflicts,
                              "merged": report.applied.merged,
                              "counts_match": report.counts_match,
                              "resent_in_full": report.resent_in_full,
                              **services.sync.status()}, ensure_ascii=False, indent=2))
        else:
            print(_done(services, report.pushed, report.pulled))
        return 0
    except TutorError as error:
        return fail(error)
    finally:
        services.close()


def status(args: argparse.Namespace) -> int:
    from tutor_desktop.core.sync.status import notice_text, status_line

    services = open_services(args)
    try:
        state = services.sync.status()
        if args.json:
            print(json.dumps(state, ensure_ascii=False, indent=2))
            return 0
        print(status_line(state, cli_language()))
        for key in ("device_id", "server", "school_id", "last_push_at", "last_pull_at",
                    "waiting", "last_error"):
            print(f"  {key:<13} {state.get(key) if state.get(key) is not None else '-'}")
        for note in state.get("notices", []):  # what sync merged or renamed: tell the staff
            print(f"  * {notice_text(note, cli_language())}")
        return 0
    finally:
        services.close()


def export(args: argparse.Namespace) -> int:
    from tutor_desktop.core.sync.usb import export_bundle

    services = open_services(args)
    try:
        events, rows = export_bundle(services.db, services.secrets, args.to)
        print(tr("sync_bundle_written", cli_language(), events=events, rows=rows, path=args.to))
        return 0
    except TutorError as error:
        return fail(error)
    finally:
        services.close()


def import_(args: argparse.Namespace) -> int:
    from tutor_desktop.core.sync.usb import import_bundle

    services = open_services(args)
    try:
        result = import_bundle(services.db, services.secrets, args.file,
                               services.sync.recompute)
        print(tr("sync_bundle_imported", cli_language(), applied=result.applied,
                 ignored=result.ignored, path=args.file))
        return 0
    except TutorError as error:
        return fail(error)
    finally:
        services.close()


def conversation_text(args: argparse.Namespace) -> int:
    """The school's privacy choice: conversation text in the hub/cloud, or on the PC only.
    Changing it needs an admin's sign-in (it is a school policy, and it syncs)."""
    services = open_services(args)
    language = cli_language()
    try:
        if args.state is not None:
            if not getattr(args, "user", None):
                return fail(TutorError("sync_text_needs_admin"))
            actor = sign_in(services, args, staff_only=True)
            assert actor.session is not None  # --user always signs someone in
            services.accounts.set_conversation_text_sync(actor.session, args.state == "on")
        on = services.accounts.conversation_text_sync()
        print(tr("sync_text_on" if on else "sync_text_off", language))
        return 0
    except TutorError as error:
        return fail(error)
    finally:
        services.close()
