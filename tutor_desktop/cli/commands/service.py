"""``tutor service``: run the core as a local service; the window and the terminal connect.

On a shared lab PC the service runs under its own OS account (the .deb's
``tutor`` system user, data in ``/var/lib/tutor-desktop`` 0700) so students, who
share the desktop account, can use the tutor but never open its files. The
socket is 0660 and belongs to the ``tutor`` group: desktop accounts in that group
may connect; everything else needs a sign-in checked by the core, in here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tutor_desktop.cli.common import cli_language, open_services
from tutor_desktop.core.i18n import tr


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("service", help="run the local service that owns the data "
                                            "(the window and the terminal connect to it)")
    parser.add_argument("--socket", metavar="PATH", default=None,
                        help="Unix socket to listen on (default: /run/tutor-desktop/tutor.sock)")
    parser.add_argument("--group", default="tutor",
                        help="group allowed to connect (the socket is 0660); '' for none")
    parser.set_defaults(handler=handler)


def handler(args: argparse.Namespace) -> int:
    try:
        from tutor_desktop.service.server import DEFAULT_SOCKET, LocalService
    except ImportError:
        print(tr("service_server_missing", cli_language()), file=sys.stderr)
        return 3
    services = open_services(args)   # always in-process: the service *is* the core
    try:
        socket_path = Path(args.socket) if args.socket else DEFAULT_SOCKET
        service = LocalService(services, socket_path, group=args.group or None)
        print(tr("service_listening", cli_language(), socket=socket_path,
                 data_dir=services.paths.data_dir), file=sys.stderr, flush=True)
        service.run()
        return 0
    finally:
        services.close()
