"""``tutor doctor``: check this PC and print what to fix."""

from __future__ import annotations

import argparse
import json

from tutor_desktop.core.config import ConfigError, load_config
from tutor_desktop.core.doctor import Check, DoctorContext, Status, run_checks
from tutor_desktop.core.paths import resolve_paths


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("doctor", help="check this computer's set-up")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=handler)


def handler(args: argparse.Namespace) -> int:
    paths = resolve_paths(args.data_dir)
    early: list[Check] = []
    try:
        config = load_config(paths.user_config_file)
    except ConfigError as exc:
        from tutor_desktop.core.config import Config

        config = Config()
        early.append(Check("config", Status.FAIL, str(exc), "Fix or remove the config file."))
    services = None
    try:
        from tutor_desktop.composition import build_services

        services = build_services(args.data_dir)
    except Exception as exc:  # report, never crash: doctor runs on broken machines
        early.append(Check("startup", Status.FAIL, f"{type(exc).__name__}: {exc}",
                           "Fix the items marked FAIL below, then run doctor again."))
    try:
        results = early + run_checks(DoctorContext(paths=paths, config=config, services=services))
    finally:
        if services is not None:
            services.close()
    if args.json:
        worst = _worst(results)
        print(json.dumps({"status": worst.value, "checks": [c.as_dict() for c in results]},
                         ensure_ascii=False, indent=2))
    else:
        for check in results:
            line = f"{check.status.value:<4}  {check.name:<14} {check.detail}"
            if check.hint and check.status is not Status.OK:
                line += f"\n      -> {check.hint}"
            print(line)
    return 1 if _worst(results) is Status.FAIL else 0


def _worst(results: list[Check]) -> Status:
    statuses = {c.status for c in results}
    if Status.FAIL in statuses:
        return Status.FAIL
    return Status.WARN if Status.WARN in statuses else Status.OK
