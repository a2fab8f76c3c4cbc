"""``tutor ask``: answer one question and exit (scripts, and IT's "does the model work?" check).

Whoever asks is signed in, as in the window (``--class C --name N`` with the
PIN on standard input, or ``--user NAME`` for staff): the question and answer
are stored in their conversations and count against a student's daily limit.
IT may run it as root / Administrator without a sign-in (the "does the model
work?" check); then nothing is stored. Either way the school's routing policy
holds: with "local model only", ``--backend remote`` is refused.
``--json`` prints ``{"answer", "backend", "model", "citations", "tokens"}``, plus
``"safety": {"category", "score", "source", "distress"}`` (and ``"backend": "safety"``)
when the safety check answered instead of the model or replaced its text.
Exit code 0 when an answer (or a safety refusal) was given, 1 when no model
could answer.
"""

from __future__ import annotations

import argparse
import json
import sys

from tutor_desktop.cli.common import (
    cli_language,
    fail,
    open_services,
    print_grounding,
)
from tutor_desktop.cli.identity import add_sign_in_options, sign_in
from tutor_desktop.core.accounts.session import SYSTEM
from tutor_desktop.core.i18n import TutorError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("ask", help="answer one question and exit")
    parser.add_argument("question")
    parser.add_argument("--grade", type=int, choices=range(1, 13), metavar="N",
                        help="school grade 1-12 (tunes the explanation)")
    parser.add_argument("--subject", default="", help="subject, e.g. math or Математик")
    parser.add_argument("--lang", choices=("mn", "en"), help="answer language (default: LANG)")
    parser.add_argument("--mode", choices=("socratic", "explain"), default="socratic")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--backend", choices=("auto", "local", "remote"), default="auto")
    parser.add_argument("--max-tokens", type=int, metavar="N",
                        help="longest answer in tokens (default: config max_new_tokens)")
    add_sign_in_options(parser, students=True)
    parser.set_defaults(handler=handler)


def handler(args: argparse.Namespace) -> int:
    language = args.lang or cli_language()
    services = open_services(args, client=True)
    try:
        tutor = services.tutor

        def show(text: str) -> None:
            sys.stdout.write(text)
            sys.stdout.flush()

        try:
            actor = sign_in(services, args, staff_only=False)
            if actor.session is None:  # IT's check: answered, not stored
                if services.mode == "service":   # SYSTEM never crosses the socket
                    raise TutorError("cli_staff_required")
                reply = tutor.answer_once(
                    SYSTEM, args.question, grade=args.grade, subject=args.subject,
                    language=language, mode=args.mode,
                    on_delta=None if args.json else show, prefer=args.backend,
                    max_tokens=args.max_tokens)
            else:
                conversation = tutor.start_conversation(
                    actor.session, subject=args.subject, grade=args.grade, language=language,
                    mode=args.mode)
                reply = tutor.ask(actor.session, conversation.id, args.question,
                                  on_delta=None if args.json else show, prefer=args.backend,
                                  max_tokens=args.max_tokens)
        except TutorError as error:
            return fail(error, language)
        problem = ""
        if reply.status == "error":
            problem = reply.error.message(language) if reply.error else reply.text
        if args.json:
            out = {"answer": reply.text, "backend": reply.backend, "model": reply.model,
                   "citations": reply.citations,
                   "tokens": {"prompt": reply.prompt_tokens,
                              "completion": reply.completion_tokens}}
            if reply.safety is not None:  # the safety check answered (or replaced the text)
                out["safety"] = reply.safety
            if problem:
                out["error"] = problem
            print(json.dumps(out, ensure_ascii=False))
        else:
            print()
            print_grounding(reply, language, args.question)
            for notice in reply.notices if not problem else []:
                print(notice.message(language), file=sys.stderr)
        for model_notice in services.models.status.notices:
            print(model_notice.message(language), file=sys.stderr)
        if problem:
            print(problem, file=sys.stderr)
            return 1
        return 0
    finally:
        services.close()
