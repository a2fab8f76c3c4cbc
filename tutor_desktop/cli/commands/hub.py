"""``tutor hub``: the school's sync service on this (the teacher's) PC, on SQLite.

    tutor hub [--host 0.0.0.0 --port 8765] [--cloud-url URL --cloud-code CODE]
    tutor hub --print-code

Lab PCs enrol with ``tutor sync enroll --url http://THIS-PC:8765 --code CODE``.
The hub also offers this PC's textbooks as a pack (``<data>/hub-packs/school``,
refreshed every 10 minutes; any other pack folder copied into ``hub-packs`` is
offered too): enrolled lab PCs install them after a sync, without re-embedding.
The hub serves this PC's own school, and this PC syncs through it. Given a
cloud once (``--cloud-url``/``--cloud-code``), it forwards to the cloud
whenever it can reach it. Needs the ``[server]`` extra (FastAPI, uvicorn).
"""

from __future__ import annotations

import argparse
import sys
import threading

from tutor_desktop.cli.common import fail, open_services
from tutor_desktop.core.i18n import TutorError

CODE_SECRET = "hub_enrolment_code"
CLOUD_TOKEN_SECRET = "hub_cloud_token"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("hub", help="run the school's sync hub on this PC (SQLite)")
    parser.add_argument("--host", default="0.0.0.0",
                        help="address to listen on (plain http: loopback or school network)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--print-code", action="store_true",
                        help="print the enrolment code for lab PCs and exit")
    parser.add_argument("--cloud-url", help="forward to this cloud service")
    parser.add_argument("--cloud-code", help="the school's enrolment code in the cloud")
    parser.set_defaults(handler=handler)


def handler(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from tutor_cloud.app import create_app
        from tutor_cloud.cli import plain_http_allowed
        from tutor_cloud.hub import Forwarder, Hub
        from tutor_cloud.packs import PackShelf
    except ImportError as exc:
        print(f"tutor hub needs the server extra (pip install 'tutor-desktop[server]'): {exc}",
              file=sys.stderr)
        return 3
    if not plain_http_allowed(args.host) and args.host != "0.0.0.0":
        print(f"tutor hub: plain http only on loopback or the school network, not {args.host}",
              file=sys.stderr)
        return 2
    services = open_services(args)
    try:
        if not services.accounts.is_set_up():
            print("tutor hub: set up the school on this PC first (tutor setup)", file=sys.stderr)
            return 2
        hub = Hub(services.paths.data_dir / "hub.sqlite3", services.accounts.school_id(),
                  services.accounts.school_name(), services.secrets.get(CODE_SECRET))
        services.secrets.set(CODE_SECRET, hub.code)
        if args.print_code:
            print(hub.code)
            hub.close()
            return 0
        forwarder = None
        if args.cloud_url and args.cloud_code:
            from tutor_desktop.core.sync.client import SyncClient

            probe = SyncClient(services.db, services.secrets)
            token = probe._call("POST", "/v1/enroll", url=args.cloud_url, json={
                "code": args.cloud_code, "device_id": f"hub:{hub.school_id}"[:64],
                "name": "school hub"})["token"]
            services.secrets.set(CLOUD_TOKEN_SECRET, str(token))
            hub.set_state("cloud_url", args.cloud_url)
        cloud_url, cloud_token = hub.state("cloud_url"), services.secrets.get(CLOUD_TOKEN_SECRET)
        if cloud_url and cloud_token:
            forwarder = Forwarder(hub, cloud_url, cloud_token)
            forwarder.start()
        shelf = services.paths.data_dir / "hub-packs"
        app = create_app(hub.store, title="Tutor Desktop school hub", packs=PackShelf(shelf))
        stop_packs = threading.Event()

        def offer_this_pcs_library() -> None:
            """The books imported on this PC, as a pack lab PCs fetch (refreshed every
            10 minutes: a book the teacher imports reaches the lab by itself)."""
            from tutor_desktop.core.library.packs import refresh_offered_pack

            while not stop_packs.is_set():
                try:
                    refresh_offered_pack(services.library, shelf / "school")
                except (TutorError, OSError) as error:
                    print(f"tutor hub: textbook pack not refreshed: {error}", file=sys.stderr)
                stop_packs.wait(600)
        server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port,
                                               log_level="warning", access_log=False))
        local = f"http://127.0.0.1:{args.port}"

        def enrol_this_pc() -> None:  # this PC syncs through its own hub
            import time

            while not server.started:
                time.sleep(0.05)
            if not services.sync.enrolled():
                services.sync.enroll(local, hub.code, "hub")
            services.sync_worker.start()

        print(f"School hub for {services.accounts.school_name()} on port {args.port}\n"
              f"Enrolment code: {hub.code}\n"
              f"On each lab PC: tutor sync enroll --url http://<this PC>:{args.port} "
              f"--code {hub.code}" + (f"\nForwarding to {cloud_url}" if forwarder else ""),
              flush=True)
        threading.Thread(target=enrol_this_pc, daemon=True).start()
        packs_thread = threading.Thread(target=offer_this_pcs_library, daemon=True)
        packs_thread.start()
        server.run()
        stop_packs.set()
        packs_thread.join(timeout=30)
        if forwarder is not None:
            forwarder.close()
        hub.close()
        return 0
    except TutorError as error:
        return fail(error)
    finally:
        services.close()
