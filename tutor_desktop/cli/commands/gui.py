"""``tutor gui``: the window (the default command)."""

from __future__ import annotations

import argparse
import os
import sys

from tutor_desktop.core.i18n import tr


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("gui", help="open the window (default)")
    parser.add_argument("--smoke", action="store_true",
                        help="show the main window, then exit 0 (CI and packaged-build checks)")
    parser.set_defaults(handler=handler, smoke=False)


def display_available() -> bool:
    """False on a Linux box with no X/Wayland display and no Qt platform chosen.

    Qt aborts the whole process (exit 134) in that case, so we must check first.
    """
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM"))


def handler(args: argparse.Namespace) -> int:
    from tutor_desktop.cli.common import cli_language

    if not display_available():
        print(tr("no_display", cli_language()))
        from tutor_desktop.cli.commands import chat

        return chat.handler(chat.defaults(args))
    from tutor_desktop.ui.app import run_gui

    return int(run_gui(args.data_dir, smoke=getattr(args, "smoke", False)))
