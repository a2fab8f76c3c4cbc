"""``tutor chat``: the same tutor in a terminal (headless lab PCs, SSH, quick checks).

The student signs in (class -> name -> PIN), then types questions; answers
stream as they are generated. Lines starting with "/" are commands, never sent
to the model: ``/help`` lists them (also shown at the start), ``/new`` starts a
new conversation, ``/subject [name]`` chooses the subject, ``/hint`` gives a
hint, ``/quit`` ends, ``/practice [topic]`` gives practice items (without a topic: the
teacher's practice set first, then the weakest topic); Ctrl+C stops an answer
mid-way (it is kept, marked as stopped). Works line by line when standard input
is a pipe, so scripts and tests can drive it.
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading
import time
from typing import Any

from tutor_desktop.cli.common import (
    open_services,
    print_grounding,
    terminal_sign_in,
)
from tutor_desktop.core.config import LANGUAGES
from tutor_desktop.core.i18n import TutorError, tr
from tutor_desktop.core.safety import RateLimited
from tutor_desktop.core.safety.fair_use import countdown_text
from tutor_desktop.core.subjects import Subject, subject_key, subject_name, subjects_for_grade

_DONE = object()
HINT_COMMANDS = ("/hint", "/сэжүүр")
HELP_COMMANDS = ("/help", "/?", "/тусламж")
SUBJECT_COMMANDS = ("/subject", "/хичээл")
QUIT_COMMANDS = ("/quit", "/exit", "/q")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("chat", help="the tutor in a terminal")
    parser.add_argument("--class", dest="class_name", help="class name (skip the menu)")
    parser.add_argument("--student", help="student name (skip the menu)")
    parser.add_argument("--subject", default="", help="subject of new conversations")
    parser.add_argument("--mode", choices=("socratic", "explain"), default="socratic")
    parser.add_argument("--max-tokens", type=int, metavar="N",
                        help="longest answer in tokens (default: config max_new_tokens)")
    parser.add_argument("--lang", choices=LANGUAGES, default=None,
                        help="language of every line (default: this PC's default language, "
                             "then the student's)")
    parser.set_defaults(handler=handler)


def defaults(args: argparse.Namespace) -> argparse.Namespace:
    """Chat arguments for ``tutor gui`` falling back to the terminal."""
    return argparse.Namespace(data_dir=args.data_dir, class_name=None, student=None,
                              subject="", mode="socratic", max_tokens=None, lang=None)


def _stream_answer(run: Any) -> Any:
    """Run ``run(on_delta, stop_event)`` on a worker thread and print deltas as they come.

    The main thread only prints, so Ctrl+C lands here and stops the answer
    cleanly instead of tearing down the model mid-token.
    """
    deltas: queue.Queue[object] = queue.Queue()
    stop = threading.Event()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["reply"] = run(deltas.put, stop)
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc
        finally:
            deltas.put(_DONE)

    worker = threading.Thread(target=work, name="tutor-answer", daemon=True)
    worker.start()
    while True:
        try:
            item = deltas.get()
        except KeyboardInterrupt:
            stop.set()
            continue
        if item is _DONE:
            break
        sys.stdout.write(str(item))
        sys.stdout.flush()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("reply")


def handler(args: argparse.Namespace) -> int:
    services = open_services(args, getattr(args, "lang", None), client=True)
    try:
        return _chat(services, args)
    finally:
        services.close()


def _chat(services: Any, args: argparse.Namespace) -> int:
    chosen = getattr(args, "lang", None)
    # Before anyone signs in: --lang, else the language the window's sign-in starts in.
    language = chosen or services.accounts.default_language(services.config.language)
    try:
        session = terminal_sign_in(services, args.class_name, args.student, language)
    except TutorError as error:
        print(error.message(language), file=sys.stderr)
        return 2
    if session is None:
        has_students = any(services.accounts.list_students(c.id)
                           for c in services.accounts.list_classes())
        print(tr("chat_sign_in_failed" if has_students else "chat_no_students", language),
              file=sys.stderr)
        return 2
    language = chosen or session.user.language
    tutor = services.tutor
    models = services.models
    if models is not None:
        models.start()
        if models.status.state.value == "loading":
            print(models.status.message(language), file=sys.stderr)
        status = models.wait()
        for notice in status.notices:
            print(notice.message(language), file=sys.stderr)
        if status.state.value != "ready":
            print(status.message(language), file=sys.stderr)
    print(tr("chat_welcome", language, name=session.user.display_name))
    print(_help_text(language))
    interactive = sys.stdin.isatty()
    conversation_id: str | None = None
    subject = args.subject
    grade = _grade(services, session)
    print(tr("chat_subject_now", language, subject=_subject_text(subject, language)))
    while True:
        if interactive:
            print("> ", end="", flush=True)
        try:
            line = sys.stdin.readline()
        except KeyboardInterrupt:
            print()
            break
        if not line:
            break
        if session.expired:  # the student walked away: the next person starts afresh
            print(tr("session_expired", language))
            break
        text = line.strip()
        if not text:
            continue
        command = text.split(maxsplit=1)[0].lower() if text.startswith("/") else ""
        if command in QUIT_COMMANDS:
            break
        if command in HELP_COMMANDS:
            print(_help_text(language))
            continue
        if command in SUBJECT_COMMANDS:
            chosen = _choose_subject(text[len(command):].strip(), grade, language, interactive)
            if chosen is not None:
                subject, conversation_id = chosen, None  # a new conversation in that subject
                print(tr("chat_subject_chosen", language,
                         subject=_subject_text(subject, language)))
            continue
        if text.startswith("/practice"):  # five practice items on a topic
            from tutor_desktop.cli.commands.progress import practice_in_terminal

            practice_in_terminal(services, session, language, text[len("/practice"):].strip())
            continue
        if text == "/new":
            conversation_id = None
            print(tr("chat_new_conversation", language))
            continue
        if command in HINT_COMMANDS:
            if conversation_id is None:
                print(tr("textbook_no_question", language))
                continue
            hinted = tutor.hint(session, conversation_id)
            print(hinted.text)
            print_grounding(hinted, language)
            continue
        if command and not command.startswith("/practice"):
            # A mistyped command is not a question: the model would only ramble about it.
            print(tr("chat_unknown_command", language, command=command))
            continue
        try:
            if conversation_id is None:
                conversation_id = tutor.start_conversation(
                    session, subject=subject, mode=args.mode).id
            conv_id = conversation_id
            reply = _stream_answer(lambda on_delta, stop, q=text, c=conv_id: tutor.ask(
                session, c, q, on_delta=on_delta, stop_event=stop,
                max_tokens=args.max_tokens))
        except RateLimited as limited:  # fair use: count down, then take questions again
            wait_out(limited.seconds, language, interactive)
            continue
        except TutorError as error:
            print(error.message(language))
            continue
        print()
        print_grounding(reply, language, text)
        if reply.status == "partial":
            print(tr("tutor_stopped", language))
        for notice in reply.notices:
            print(notice.message(language), file=sys.stderr)
    print(tr("chat_goodbye", language))
    return 0


def _help_text(language: str) -> str:
    """The commands, listed at the start and on /help."""
    return "\n".join((tr("chat_commands", language), tr("chat_hint_help", language)))


def _grade(services: Any, session: Any) -> int | None:
    class_id = session.user.class_id
    return services.accounts.get_class(class_id).grade if class_id else None


def _subject_text(subject: str, language: str) -> str:
    return subject_name(subject, language) if subject else tr("chat_subject_any", language)


def _choose_subject(answer: str, grade: int | None, language: str,
                    interactive: bool) -> str | None:
    """A subject id from a name or a number in the menu (the menu is shown when none
    is given); None (and a message) when nothing matches."""
    choices: list[Subject] = subjects_for_grade(grade)
    if not answer:
        print(tr("chat_subject_menu", language))
        for number, choice in enumerate(choices, start=1):
            print(f"  {number}. {choice.name(language)}")
        if interactive:
            print("> ", end="", flush=True)
        answer = sys.stdin.readline().strip()
    if answer.isdigit() and 1 <= int(answer) <= len(choices):
        return choices[int(answer) - 1].id
    key = subject_key(answer)
    if key is not None:
        return key
    print(tr("chat_subject_unknown", language, subject=answer))
    return None


def wait_out(seconds: int, language: str, interactive: bool,
             sleep: Any = time.sleep) -> None:
    """«Бага хүлээнэ үү (N секунд)» counting down in place, then "you can ask again".

    Input typed meanwhile waits in the terminal and is read afterwards."""
    for left in range(seconds, 0, -1):
        line = countdown_text(left, language)
        if interactive:
            print(f"\r{line}   ", end="", flush=True)
        elif left == seconds or left % 10 == 0:
            print(line, flush=True)
        sleep(1)
    if interactive:
        print()
    print(tr("rate_limit_over", language), flush=True)
