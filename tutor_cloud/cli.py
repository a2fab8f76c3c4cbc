"""``tutor-cloud``: run the sync service and manage its schools and devices.

    tutor-cloud serve --db postgresql://user@host/db [--host 127.0.0.1 --port 8765]
    tutor-cloud school create "School 12" [--json] --db …
    tutor-cloud device list SCHOOL_ID --db … / tutor-cloud device revoke DEVICE_ID --db …

The database URL may also come from ``TUTOR_CLOUD_DB``. Plain http is only
served on loopback or a private (school) network address; anything else
needs ``--tls-cert``/``--tls-key``.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from tutor_cloud.db import open_database
from tutor_cloud.store import Store


def _db_url(args: argparse.Namespace) -> str:
    url = args.db or os.environ.get("TUTOR_CLOUD_DB", "")
    if not url:
        print("tutor-cloud: give --db postgresql://… (or set TUTOR_CLOUD_DB)", file=sys.stderr)
        raise SystemExit(2)
    return str(url)


def plain_http_allowed(host: str) -> bool:
    """Loopback or a private (school network) address; a name only if it is localhost."""
    if host in ("localhost", ""):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from tutor_cloud.app import create_app

    if not (args.tls_cert and args.tls_key) and not plain_http_allowed(args.host):
        print(f"tutor-cloud: refusing plain http on {args.host}: give --tls-cert and --tls-key "
              "(plain http only on loopback or the school network)", file=sys.stderr)
        return 2
    url = _db_url(args)
    options: dict[str, Any] = {"host": args.host, "port": args.port,
                               "log_level": args.log_level, "ssl_certfile": args.tls_cert,
                               "ssl_keyfile": args.tls_key, "access_log": False}
    print(f"tutor-cloud: serving on {'https' if args.tls_cert else 'http'}://{args.host}:"
          f"{args.port} with {args.workers} worker(s) (OpenAPI at /docs)", flush=True)
    if args.workers > 1:  # separate processes: stateless apps over one database
        os.environ["TUTOR_CLOUD_DB"] = url
        os.environ["TUTOR_CLOUD_RATE"] = str(args.rate)
        Store(open_database(url)).db.close()  # migrate once, before the workers start
        uvicorn.run("tutor_cloud.app:app_from_env", factory=True, workers=args.workers,
                    **options)
        return 0
    uvicorn.run(create_app(Store(open_database(url)), rate=args.rate), **options)
    return 0


def school_create(args: argparse.Namespace) -> int:
    store = Store(open_database(_db_url(args)))
    school_id, code = store.create_school(args.name)
    if args.json:
        print(json.dumps({"school_id": school_id, "name": args.name, "enrolment_code": code}))
    else:
        print(f"School:          {args.name}\nSchool id:       {school_id}\n"
              f"Enrolment code:  {code}\n"
              f"On each PC:      tutor sync enroll --url URL --code {code}")
    store.db.close()
    return 0


def device_list(args: argparse.Namespace) -> int:
    store = Store(open_database(_db_url(args)))
    print(json.dumps(store.devices(args.school_id), indent=2))
    store.db.close()
    return 0


def device_revoke(args: argparse.Namespace) -> int:
    store = Store(open_database(_db_url(args)))
    revoked = store.revoke(args.device_id)
    store.db.close()
    print(f"revoked {revoked} token(s) of device {args.device_id}")
    return 0 if revoked else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tutor-cloud", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", help="postgresql://… or a SQLite file (default: TUTOR_CLOUD_DB)")
        return p

    p = with_db(sub.add_parser("serve", help="run the sync service"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--rate", type=float, default=20.0, help="requests/s per device")
    p.add_argument("--workers", type=int, default=1, help="worker processes")
    p.add_argument("--log-level", default="warning")
    p.set_defaults(handler=serve)

    school = sub.add_parser("school", help="schools").add_subparsers(dest="what", required=True)
    p = with_db(school.add_parser("create", help="create a school and its enrolment code"))
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=school_create)

    device = sub.add_parser("device", help="devices").add_subparsers(dest="what", required=True)
    p = with_db(device.add_parser("list", help="a school's devices"))
    p.add_argument("school_id")
    p.set_defaults(handler=device_list)
    p = with_db(device.add_parser("revoke", help="revoke a device's token"))
    p.add_argument("device_id")
    p.set_defaults(handler=device_revoke)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.handler(args)
    return result
