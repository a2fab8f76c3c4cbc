"""``tutor service``: run the core as a local service; the window and the terminal connect.

On a shared lab PC the service runs under its own OS account (the .deb's
``tutor`` system user, data in ``/var/lib/tutor-desktop`` 0700; the launchd daemon's
``_tutor``; the Windows service's LocalService account, data under ProgramData) so
students, who share the desktop account, can use the tutor but never open its files.
The socket is 0660 and belongs to the ``tutor`` group (on Windows: an endpoint file
with a key, readable by the accounts the installer allows): desktop accounts in that
group may connect; everything else needs a sign-in checked by the core, in here.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any

from tutor_desktop.cli.common import cli_language, open_services
from tutor_desktop.core.i18n import tr


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("service", help="run the local service that owns the data "
                                            "(the window and the terminal connect to it)")
    parser.add_argument("--socket", metavar="PATH", default=None,
                        help="Unix socket to listen on, or an endpoint file (*.json: "
                             "loopback TCP with a key, for Windows); default: this OS's "
                             "installed path (/run/tutor-desktop/tutor.sock on Linux)")
    parser.add_argument("--group", default="tutor",
                        help="group allowed to connect (the socket is 0660); '' for none")
    parser.add_argument("--windows-service", action="store_true",
                        help="started by the Windows service control manager (the "
                             "installer registers it so)")
    parser.set_defaults(handler=handler)


class Runner:
    """Builds the services and serves them until stopped; ``stop()`` may come from
    another thread (Windows' service control manager) before serving began."""

    def __init__(self, args: argparse.Namespace, address: Path) -> None:
        self.args, self.address = args, address
        self.stopped = threading.Event()
        self.local: Any = None

    def run(self) -> None:
        from tutor_desktop.service.server import LocalService

        services = open_services(self.args)   # always in-process: the service *is* the core
        try:
            self.local = LocalService(services, self.address, group=self.args.group or None)
            print(tr("service_listening", cli_language(), socket=self.address,
                     data_dir=services.paths.data_dir), file=sys.stderr, flush=True)
            if not self.stopped.is_set():
                self.local.run()
        finally:
            services.close()

    def stop(self) -> None:
        self.stopped.set()
        if self.local is not None:
            self.local.stop()


def handler(args: argparse.Namespace) -> int:
    try:
        from tutor_desktop.service.server import DEFAULT_SOCKET
    except ImportError:
        print(tr("service_server_missing", cli_language()), file=sys.stderr)
        return 3
    runner = Runner(args, Path(args.socket) if args.socket else DEFAULT_SOCKET)
    if args.windows_service:
        from tutor_desktop.service.windows import run_under_scm

        return run_under_scm(runner.run, runner.stop)
    runner.run()
    return 0
