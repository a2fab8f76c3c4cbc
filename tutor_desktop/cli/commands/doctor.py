"""``tutor doctor``: check this PC and print what to fix.

Exit codes, for IT staff scripting a lab check: 0 = healthy, 1 = warnings only
(the app works; e.g. no microphone), 2 = at least one failure (fix before
students use the PC). ``--json`` adds the PC's inventory (version, build commit,
machine id, models, RAM, disk, microphone, sync state); ``--summary`` prints
only what is not OK and one summary line (the Debian package's post-install).

``--lang mn|en`` (default: this PC's default language, the one the sign-in
screen starts in) chooses the language of the printed lines. The checks
themselves speak English, which ``--json``, logs and scripts keep; the terminal
renders each detail and hint through the message catalogue: a line that matches
a message's English template is printed in the chosen language with its
parameters (paths, versions, commands) untouched, and a line made of parts
joined by "; " or " · " is rendered part by part. A line no template knows is
printed as it is (tests/ui/test_terminal_language.py walks the real output).
"""

from __future__ import annotations

import argparse
import json
import re
from functools import cache
from string import Formatter
from typing import Any

from tutor_desktop.core.build_info import build_info
from tutor_desktop.core.config import LANGUAGES, ConfigError, load_config
from tutor_desktop.core.doctor import Check, DoctorContext, Status, run_checks
from tutor_desktop.core.i18n import catalog, tr
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
    parser.add_argument("--lang", choices=LANGUAGES, default=None,
                        help="language of the printed lines (default: this PC's default "
                             "language); --json stays English")
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
        early.append(Check("config", Status.FAIL, str(exc), tr("doctor_config_fix")))
    from tutor_desktop.composition import (
        Services,
        build_services,
        connect_services,
        doctor_checks,
        service_socket,
    )
    from tutor_desktop.service import doctor as mode_checks

    if args.data_dir is None and not early and service_socket(config) is not None:
        return _service_mode(args, connect_services, paths, config)
    services: Services | None = None
    try:
        services = build_services(args.data_dir)
    except DatabaseTooNewError as exc:
        # An older build installed over a newer one: say so plainly, touch nothing.
        early.append(Check("startup", Status.FAIL,
                           f"{tr('database_too_new', args.lang or cli_language())} ({exc})",
                           tr("doctor_install_newer")))
    except Exception as exc:  # report, never crash: doctor runs on broken machines
        early.append(Check("startup", Status.FAIL, f"{type(exc).__name__}: {exc}",
                           tr("doctor_fix_fail_first")))
    try:
        ctx = DoctorContext(paths=paths, config=config,
                            db=services.db if services is not None else None,
                            secrets=services.secrets if services is not None else None)
        results = early + mode_checks.in_process_checks(paths) + run_checks(
            ctx, doctor_checks(services, paths, config))
        language = args.lang or (services.accounts.default_language(config.language)
                                 if services is not None else config.language)
        worst = _worst(results)
        if args.json:
            from tutor_desktop.core.inventory import collect

            report = {"status": worst.value, "exit_code": EXIT_CODES[worst],
                      "mode": "in-process",
                      "inventory": collect(paths.data_dir, services, results,
                                           services.inventory_sections()
                                           if services is not None else None),
                      # English for scripts, whatever language a check was given
                      "checks": [c.as_dict() | {"detail": render(c.detail, "en"),
                                                "hint": render(c.hint, "en")}
                                 for c in results]}
            print(json.dumps(report, ensure_ascii=False, indent=2))
            return EXIT_CODES[worst]
    finally:
        if services is not None:
            services.close()
    return _print(args, results, language)


def _service_mode(args: argparse.Namespace, connect: Any, paths: Any, config: Any) -> int:
    """Client mode: this side's checks and the service's; a service that does not answer
    is one FAIL line with its translated reason."""
    from tutor_desktop.core.i18n import TutorError
    from tutor_desktop.service import doctor as mode_checks

    language = args.lang or config.language
    inventory: dict[str, Any] | None = None
    try:
        services = connect()
    except TutorError as error:
        results = [Check("mode", Status.FAIL, error.message("en"),
                         tr("doctor_service_status_fix"))]
    else:
        try:
            results = mode_checks.service_checks(services, paths, config)
            language = args.lang or services.accounts.default_language(config.language)
            if args.json:   # the service's PC inventory, with this side's microphone
                inventory = mode_checks.service_inventory(services, results)
        except TutorError as error:
            results = [Check("service", Status.FAIL, error.message("en"))]
        finally:
            services.close()
    if args.json:
        worst = _worst(results)
        print(json.dumps({"status": worst.value, "exit_code": EXIT_CODES[worst],
                          "mode": "service", "inventory": inventory,
                          "checks": [c.as_dict() | {"detail": render(c.detail, "en"),
                                                    "hint": render(c.hint, "en")}
                                     for c in results]}, ensure_ascii=False, indent=2))
        return EXIT_CODES[worst]
    return _print(args, results, language)


def _print(args: argparse.Namespace, results: list[Check], language: str) -> int:
    worst = _worst(results)
    for check in results:
        if args.summary and check.status is Status.OK:
            continue
        line = f"{check.status.value:<4}  {check.name:<14} {render(check.detail, language)}"
        if check.hint and check.status is not Status.OK:
            line += f"\n      -> {render(check.hint, language)}"
        print(line)
    counts = {s: sum(c.status is s for c in results) for s in Status}
    print(tr("doctor_summary", language, build=build_info().line(), ok=counts[Status.OK],
             warn=counts[Status.WARN], fail=counts[Status.FAIL], worst=worst.value,
             code=EXIT_CODES[worst]))
    return EXIT_CODES[worst]


@cache
def _templates() -> list[tuple[int, re.Pattern[str], str]]:
    """(letters, a template as a pattern, message id), the most specific first.

    English templates, and the other languages' too (a check that was given the
    PC's language, like the safety check, is rendered back into the chosen one).
    A template whose words are too few to be sure of ("{a}, {b}") is left out, except
    the doctor's own (``doctor_*``), which are written to be matched."""
    found: list[tuple[int, re.Pattern[str], str]] = []
    for message_id, entry in catalog().items():
        for language in LANGUAGES:
            if entry.get(language):
                found += _template(message_id, entry[language])
    found.sort(key=lambda item: -item[0])
    return found


def _template(message_id: str, template: str) -> list[tuple[int, re.Pattern[str], str]]:
    """``template``'s {params} as named groups; [] when it is too loose to match safely."""
    pattern, literal, named = "", "", set()
    try:
        parts = list(Formatter().parse(template))
    except ValueError:
        return []
    for text, field, _spec, _conversion in parts:
        pattern += re.escape(text)
        literal += text
        if field is None:
            continue
        if not field.isidentifier():
            return []
        pattern += f"(?P={field})" if field in named else f"(?P<{field}>.+?)"
        named.add(field)
    letters = sum(ch.isalpha() for ch in literal)
    own = message_id.startswith("doctor_")
    if (letters < 2 and not (own and named)) or (named and letters < 6 and not own):
        return []
    return [(letters, re.compile(pattern, re.DOTALL), message_id)]


def render(text: str, language: str, depth: int = 0) -> str:
    """A check's detail or hint in ``language`` (see the module's docstring)."""
    if not text.strip() or depth > 3:
        return text
    # Whole sentences first, then the parts of a joined line, then the loosest templates
    # ("{service}: {state}"), which would otherwise swallow a joined line whole.
    for specific in (True, False):
        for letters, pattern, message_id in _templates():
            if (letters >= 4) != specific:
                continue
            match = pattern.fullmatch(text)
            if match is not None:
                params = {k: render(v, language, depth + 1)
                          for k, v in match.groupdict().items()}
                return tr(message_id, language, **params)
        if specific:
            for separator in ("; ", " · "):
                if separator in text:
                    return separator.join(render(part, language, depth + 1)
                                          for part in text.split(separator))
    return text


def _worst(results: list[Check]) -> Status:
    statuses = {c.status for c in results}
    if Status.FAIL in statuses:
        return Status.FAIL
    return Status.WARN if Status.WARN in statuses else Status.OK
