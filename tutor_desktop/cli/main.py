"""Entry point of the ``tutor`` command.

Each sub-command lives in ``tutor_desktop.cli.commands.<name>`` and exposes
``register(subparsers)``; it sets ``handler(args) -> int`` as its default.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from tutor_desktop.cli.commands import (
    admin,
    ask,
    chat,
    doctor,
    gui,
    hub,
    library,
    models,
    ocr,
    progress,
    safety,
    service,
    setup,
    sync,
    transcribe,
)

# Imported normally, so a broken command fails at once and the packager sees every one.
COMMANDS = (gui, chat, ask, doctor, setup, models, library, transcribe, progress, admin, safety,
            sync, hub, ocr, service)


class _VersionAction(argparse.Action):
    """Looks up the build (a file, or git in a checkout) only when asked."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from tutor_desktop.core.build_info import build_info

        print(build_info().line())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutor", description="Tutor Desktop - an offline AI tutor for school lab computers.")
    parser.add_argument("--version", action=_VersionAction, nargs=0,
                        help="show the version, build commit and build date, then exit")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="folder for the database and models (default: TUTOR_HOME or the "
                             "user data folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def _utf8_stdio() -> None:
    """Mongolian text must print on Windows consoles and through pipes."""
    for stream in (sys.stdout, sys.stderr, sys.stdin):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(encoding="utf-8", errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    _utf8_stdio()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv or sys.argv[1:]), "gui"])
    handler = args.handler
    try:
        result: int = handler(args)
        sys.stdout.flush()
    except BrokenPipeError:
        return _closed_pipe()
    return result


def _closed_pipe() -> int:
    """``tutor library search … | head``: the reader left; stop quietly, no traceback.

    Python's own advice: point stdout at devnull so the interpreter's final flush
    does not raise again at exit.
    """
    import os

    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
