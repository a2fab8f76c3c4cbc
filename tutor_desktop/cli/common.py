"""Helpers shared by the sub-commands: opening services, printing errors, sign-in."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING, Any

from tutor_desktop.core.errors import WrongPin
from tutor_desktop.core.i18n import TutorError, environment_language, tr

if TYPE_CHECKING:
    from tutor_desktop.composition import Services
    from tutor_desktop.core.accounts import Session


def open_services(args: argparse.Namespace, language: str | None = None, *,
                  client: bool = False) -> Services:
    """Build services or exit (code 3) with the clear, translated line the window prints.

    ``client``: this command also works through ``tutor service`` when one is installed
    (chat, ask, library, doctor, the window); the others run the core in-process."""
    from tutor_desktop.composition import start_services

    if not client and args.data_dir is None and args.command != "service":
        refuse_beside_a_service(args, language or cli_language())
    services = start_services(args.data_dir, language=language or cli_language(),
                              client=client)
    if services is None:
        raise SystemExit(3)
    return services


def refuse_beside_a_service(args: argparse.Namespace, language: str) -> None:
    """On a PC where ``tutor service`` owns the data, a command that does not work through
    it yet must not quietly open (or create) a second school in this account's folder:
    it says where to run it instead, and exits 3."""
    from tutor_desktop.composition import service_socket
    from tutor_desktop.core.config import load_config
    from tutor_desktop.core.paths import resolve_paths
    from tutor_desktop.service.errors import NotOfferedByService

    try:
        socket = service_socket(load_config(resolve_paths(None).user_config_file))
    except TutorError:
        return   # a broken config: start_services says so
    if socket is not None:
        print(NotOfferedByService(f"tutor {args.command}").message(language), file=sys.stderr)
        raise SystemExit(3)


def cli_language() -> str:
    return environment_language()


def fail(error: TutorError, language: str | None = None) -> int:
    print(error.message(language or cli_language()), file=sys.stderr)
    return 2


def print_recognised(as_json: bool, data: dict[str, Any], text: str, nothing_id: str,
                     summary: str) -> int:
    """What `tutor ocr` and `tutor transcribe` print: JSON, or the text on stdout with a
    one-line summary on stderr (so the text can be piped), exit 1 when nothing was found."""
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
        return 0
    if not text:
        print(tr(nothing_id, cli_language()), file=sys.stderr)
        return 1
    print(text)
    print(summary, file=sys.stderr)
    return 0


def terminal_sign_in(services: Services, class_name: str | None = None,
                     student_name: str | None = None,
                     language: str | None = None) -> Session | None:
    """Class -> name -> PIN in a terminal (the same steps as the window), the prompts in
    ``language`` (both languages when None)."""
    accounts = services.accounts
    classes = accounts.list_classes()
    if not classes:
        return None
    chosen = next((c for c in classes if c.name == class_name), None)
    if chosen is None:
        for number, item in enumerate(classes, 1):
            print(f"  {number}. {item.name}")
        chosen = classes[_ask_number(_prompt("cli_prompt_class", language), len(classes)) - 1]
    students = accounts.list_students(chosen.id)
    if not students:
        return None
    student = next((s for s in students if s.display_name == student_name), None)
    if student is None:
        for number, person in enumerate(students, 1):
            print(f"  {number}. {person.display_name}")
        student = students[_ask_number(_prompt("cli_prompt_name", language), len(students)) - 1]
    while True:
        pin = None
        if student.has_pin:
            prompt = _prompt("cli_prompt_pin", language)
            if sys.stdin.isatty():
                pin = getpass.getpass(prompt)
            else:
                print(prompt, end="", flush=True)   # a script or a test sees what was asked
                pin = sys.stdin.readline().strip()
        try:
            return accounts.sign_in_student(student.id, pin)
        except TutorError as error:
            print(error.message(language or student.language), file=sys.stderr)
            # Only a wrong PIN is worth another try; anything else would loop forever.
            if not isinstance(error, WrongPin) or not sys.stdin.isatty():
                return None


def _prompt(message_id: str, language: str | None) -> str:
    if language is None:
        return f"{tr(message_id, 'en')} / {tr(message_id, 'mn')}: "
    return f"{tr(message_id, language)}: "


def _ask_number(prompt: str, maximum: int) -> int:
    while True:
        print(prompt, end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            raise SystemExit(1)
        if line.strip().isdigit() and 1 <= int(line) <= maximum:
            return int(line)


def print_grounding(reply: Any, language: str, question: str = "") -> None:
    """Under a terminal answer: the textbook's own words when the model gave nothing
    usable (the same excerpt the window shows), then the page sources."""
    if not reply.text.strip():
        excerpt = format_textbook_excerpt(reply.passages, language, question)
        if excerpt:
            print(excerpt)
    sources = format_sources(reply.citations, language)
    if sources:
        print(sources)


def format_sources(citations: list[dict[str, object]], language: str) -> str:
    """"Sources: Biology 7, p. 42 · …" under a terminal answer, one entry per page."""
    pages = list(dict.fromkeys((str(c.get("book", "")), c.get("label") or c.get("page"))
                               for c in citations))  # the number printed on the page
    if not pages:
        return ""
    items = " · ".join(tr("cli_page", language, book=book, page=page) for book, page in pages)
    return tr("cli_sources", language, items=items)


def format_textbook_excerpt(passages: list[dict[str, object]], language: str,
                            question: str = "") -> str:
    """The top passage's best sentences (core/grounding's excerpt, as the window quotes it),
    for when the model gave no usable answer."""
    from tutor_desktop.core.grounding import excerpt

    if not passages:
        return ""
    top = passages[0]
    text = excerpt(str(top.get("text", "")), question)
    header = tr("cli_from_textbook", language, book=top.get("book", ""), page=top.get("page", ""))
    return f"{header}\n{text}"
