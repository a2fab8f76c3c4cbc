"""``tutor doctor``: check this PC and print what to fix.

Exit codes, for IT staff scripting a lab check: 0 = healthy, 1 = warnings only
(the app works; e.g. no microphone), 2 = at least one failure (fix before
students use the PC). ``--json`` adds the PC's inventory (version, build commit,
machine id, models, RAM, disk, microphone, sync state); ``--summary`` prints
only what is not OK and one summary line (the Debian package's post-install).
"""

from __future__ import annotations

import argparse
import json

from tutor_desktop.core.build_info import build_info
from tutor_desktop.core.config import ConfigError, load_config
from tutor_desktop.core.doctor import Check, DoctorContext, Status, run_checks
from tutor_desktop.core.i18n import tr
from tutor_desktop.core.paths import resolve_paths
from tutor_desktop.core.storage import DatabaseTooNewError

EXIT_CODES = {Status.OK: 0, Status.WARN: 1, Status.FAIL: 2}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("doctor", help="check this computer's set-up "
                                           "(exit 0 healthy, 1 warnings, 2 failures)")
    parser.add_argument("--json", action="store_true",
                        help="machine-readable output with the PC's inventory")
    parser.add_argument("--summary", action="store_true",
                        help="only the problems and one summary line")
    parser.set_defaults(handler=handler)


def handler(args: argparse.Namespace) -> int:
    from tutor_desktop.cli.common import cli_language

    paths = resolve_paths(args.data_dir)
    early: list[Check] = []
    try:
        config = load_config(paths.user_config_file)
    except ConfigError as exc:
        from tutor_desktop.core.config import Config

        config = Config()
        early.append(Check("config", Status.FAIL, str(exc), "Fix or remove the config file."))
    from tutor_desktop.composition import Services, build_services, doctor_checks

    services: Services | None = None
    try:
        services = build_services(args.data_dir)
    except DatabaseTooNewError as exc:
        # An older build installed over a newer one: say so plainly, touch nothing.
        early.append(Check("startup", Status.FAIL,
                           f"{tr('database_too_new', cli_language())} ({exc})",
                           "Install the newer Tutor Desktop build again."))
    except Exception as exc:  # report, never crash: doctor runs on broken machines
        early.append(Check("startup", Status.FAIL, f"{type(exc).__name__}: {exc}",
                           "Fix the items marked FAIL below, then run doctor again."))
    try:
        ctx = DoctorContext(paths=paths, config=config,
                            db=services.db if services is not None else None,
                            secrets=services.secrets if services is not None else None)
        results = early + run_checks(ctx, doctor_checks(services, paths, config))
        worst = _worst(results)
        if args.json:
            from tutor_desktop.core.inventory import collect

            report = {"status": worst.value, "exit_code": EXIT_CODES[worst],
                      "inventory": collect(paths.data_dir, services, results),
                      "checks": [c.as_dict() for c in results]}
            print(json.dumps(report, ensure_ascii=False, indent=2))
            return EXIT_CODES[worst]
    finally:
        if services is not None:
            services.close()
    for check in results:
        if args.summary and check.status is Status.OK:
            continue
        line = f"{check.status.value:<4}  {check.name:<14} {check.detail}"
        if check.hint and check.status is not Status.OK:
            line += f"\n      -> {check.hint}"
        print(line)
    counts = {s: sum(c.status is s for c in results) for s in Status}
    print(f"{build_info().line()}: {counts[Status.OK]} OK, {counts[Status.WARN]} WARN, "
          f"{counts[Status.FAIL]} FAIL -> {worst.value} (exit {EXIT_CODES[worst]})")
    return EXIT_CODES[worst]


def _worst(results: list[Check]) -> Status:
    statuses = {c.status for c in results}
    if Status.FAIL in statuses:
        return Status.FAIL
    return Status.WARN if Status.WARN in statuses else Status.OK
