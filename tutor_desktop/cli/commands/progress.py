"""Learning progress in the terminal: ``tutor progress``, ``tutor report``, ``tutor items``
and ``tutor topics`` (one module: they share the sign-in and the formatting).

Class progress is private: a teacher or admin signs in (``--user NAME``, password
asked, or read from standard input with ``--password-stdin``) and sees only what
the core allows them to see. Topics and items are textbook content, not private::

    tutor progress --class 7A [--student NAME] [--json] --user bat
    tutor report --class 7A --format csv|pdf --out FILE --user bat
    tutor items list [--book TITLE] [--topic T] [--json]
    tutor items propose [--book TITLE] [--topic T] --user bat
    tutor topics list [--book TITLE] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor_desktop.cli.common import cli_language, fail, open_services
from tutor_desktop.core.i18n import TutorError, tr

if TYPE_CHECKING:
    from tutor_desktop.composition import Services
    from tutor_desktop.core.accounts import Session
    from tutor_desktop.core.progress import ProgressService


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    progress = sub.add_parser("progress", help="a class's learning progress (teachers)")
    progress.add_argument("--class", dest="class_name", required=True)
    progress.add_argument("--student", help="one student's progress")
    progress.add_argument("--json", action="store_true")
    _staff_arguments(progress)
    progress.set_defaults(handler=cmd_progress)

    report = sub.add_parser("report", help="export a class report as CSV or PDF (teachers)")
    report.add_argument("--class", dest="class_name", required=True)
    report.add_argument("--format", dest="fmt", required=True, metavar="csv|pdf")
    report.add_argument("--out", required=True, type=Path)
    _staff_arguments(report)
    report.set_defaults(handler=cmd_report)

    items = sub.add_parser("items", help="practice items made from the textbooks")
    items.set_defaults(handler=lambda args: (items.print_help(), 1)[1])
    item_actions = items.add_subparsers(dest="items_command", metavar="ACTION")
    listing = item_actions.add_parser("list", help="list practice items")
    listing.add_argument("--book", help="book title or id")
    listing.add_argument("--topic", help="topic title or id")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_items)
    propose = item_actions.add_parser(
        "propose", help="a capable model proposes more items; only those that quote the "
                        "textbook word for word are added (teachers)")
    propose.add_argument("--book", help="book title or id")
    propose.add_argument("--topic", help="topic title or id")
    _staff_arguments(propose)
    propose.set_defaults(handler=cmd_propose)

    topics = sub.add_parser("topics", help="topics found in the textbooks")
    topics.set_defaults(handler=lambda args: (topics.print_help(), 1)[1])
    topic_actions = topics.add_subparsers(dest="topics_command", metavar="ACTION")
    tlist = topic_actions.add_parser("list", help="list topics")
    tlist.add_argument("--book", help="book title or id")
    tlist.add_argument("--json", action="store_true")
    tlist.set_defaults(handler=cmd_topics)


def _staff_arguments(parser: argparse.ArgumentParser) -> None:
    from tutor_desktop.cli.identity import add_sign_in_options

    add_sign_in_options(parser)


def _progress(services: Services) -> ProgressService:
    service: ProgressService = services.progress
    service.ensure_indexed()
    return service


def _sign_in(services: Services, args: argparse.Namespace) -> Session:
    """A teacher or admin (the shared terminal sign-in). IT running as an OS administrator
    still names a staff account here: progress is per person, and privacy is checked
    against who is asking."""
    from tutor_desktop.cli.identity import sign_in

    actor = sign_in(services, args, staff_only=True)
    if actor.session is None:
        raise TutorError("progress_staff_only")
    return actor.session


def _class_id(services: Services, name: str) -> str:
    for school_class in services.accounts.list_classes():
        if school_class.name.casefold() == name.strip().casefold():
            return school_class.id
    raise TutorError("progress_unknown_class", name=name)


def _run(args: argparse.Namespace, body: Any) -> int:
    services = open_services(args)
    try:
        result: int = body(services)
        return result
    except TutorError as error:
        return fail(error)
    finally:
        services.close()


# ----------------------------------------------------------------- progress
def cmd_progress(args: argparse.Namespace) -> int:
    def body(services: Services) -> int:
        language = cli_language()
        session = _sign_in(services, args)
        progress = _progress(services)
        class_id = _class_id(services, args.class_name)
        if args.student:
            student = next((s for s in services.accounts.list_students(class_id)
                            if s.display_name == args.student), None)
            if student is None:
                raise TutorError("progress_unknown_student", name=args.student)
            mine = progress.student_progress(session, student.id)
            if args.json:
                print(json.dumps(mine.as_dict(), ensure_ascii=False, indent=2))
                return 0
            print(student.display_name)
            for subject, levels in mine.subjects.items():
                print(f"  {subject}")
                for level in levels:
                    print(f"    {level.title}: {tr('level_' + level.level, language)} "
                          f"({level.correct}/{level.attempts}, {level.questions} ?)")
            return 0
        grid = progress.class_progress(session, class_id)
        if args.json:
            print(json.dumps(grid.as_dict(), ensure_ascii=False, indent=2))
            return 0
        print(tr("report_title", language, name=grid.class_name))
        if not grid.students or not grid.topics:
            print(tr("report_empty", language))
        for student in grid.students:
            cells = [f"{t.title}: {tr('level_' + grid.level(student.id, t.id), language)}"
                     for t in grid.topics if grid.level(student.id, t.id)]
            print(f"  {student.display_name}: " + ("; ".join(cells) or "—"))
        if grid.needs_help:
            print(tr("report_needs_help", language) + ":")
            for need in grid.needs_help:
                topic = f"{need.topic} — " if need.topic else ""
                print(f"  {need.student}: {topic}{tr(need.reason, language, **need.detail)}")
        return 0

    return _run(args, body)


def cmd_report(args: argparse.Namespace) -> int:
    def body(services: Services) -> int:
        from tutor_desktop.core.progress.report import pdf_report, write_csv

        fmt = str(args.fmt).lower()
        if fmt not in ("csv", "pdf"):
            raise TutorError("report_bad_format", format=args.fmt)
        session = _sign_in(services, args)
        grid = _progress(services).class_progress(session, _class_id(services, args.class_name))
        language = session.user.language
        out = Path(args.out)
        if fmt == "csv":
            write_csv(grid, out, language)
        else:
            pdf_report(grid, out, language)
        print(out)
        return 0

    return _run(args, body)


# -------------------------------------------------------------- items, topics
def cmd_items(args: argparse.Namespace) -> int:
    def body(services: Services) -> int:
        items = _progress(services).items(book=args.book, topic=args.topic)
        if args.json:
            print(json.dumps([i.as_dict() for i in items], ensure_ascii=False, indent=2))
            return 0
        language = cli_language()
        for item in items:
            print(f"[{item.kind}] {item.prompt}")
            if item.choices:
                print("    " + " | ".join(item.choices))
            where = tr("cli_page", language, book=item.book, page=item.page)
            print(f"    → {item.answer}    ({where}; {item.topic})")
        return 0

    return _run(args, body)


def cmd_propose(args: argparse.Namespace) -> int:
    def body(services: Services) -> int:
        session = _sign_in(services, args)
        read, added = _progress(services).propose_items(session, book=args.book,
                                                        topic=args.topic)
        print(tr("items_proposed", cli_language(), read=read, added=added))
        return 0

    return _run(args, body)


def cmd_topics(args: argparse.Namespace) -> int:
    def body(services: Services) -> int:
        topics = _progress(services).topics(args.book)
        if args.json:
            print(json.dumps([t.as_dict() for t in topics], ensure_ascii=False, indent=2))
            return 0
        book = ""
        for topic in topics:
            if topic.book != book:
                book = topic.book
                print(book)
            indent = "  " * topic.level
            print(f"{indent}{topic.title}  (p. {topic.page_start}–{topic.page_end}, "
                  f"{topic.item_count} items)")
        return 0

    return _run(args, body)


# ----------------------------------------------------------- /practice in chat
def practice_in_terminal(services: Any, session: Session, language: str,
                         topic_hint: str = "") -> None:
    """``/practice [topic]`` inside ``tutor chat``: items one at a time, feedback after
    each, a summary at the end. With a topic: five items on it. Without one, what a
    teacher would want first: the practice set the class was given (the one due soonest
    that this student has not finished), then the student's weakest topic, then the items
    due for review, then the topic of their last question."""
    progress: ProgressService = services.progress
    progress.ensure_indexed()
    items, assignment_id = _offer(progress, session, language, topic_hint)
    if not items:
        print(tr("practice_no_items", language))
        return
    right = 0
    level = ""
    for number, item in enumerate(items, 1):
        print(f"\n{number}/{len(items)}. {item.prompt}")
        for index, choice in enumerate(item.choices, 1):
            print(f"   {index}) {choice}")
        print("> ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            return
        given = line.strip()
        if item.choices and given.isdigit() and 1 <= int(given) <= len(item.choices):
            given = item.choices[int(given) - 1]
        feedback = progress.answer(session, item.id, given, assignment_id=assignment_id)
        right += feedback.verdict.correct
        level = feedback.level_after
        if feedback.verdict.correct:
            print(tr("practice_right", language))
        else:
            key = "practice_wrong_unit" if feedback.verdict.reason == "unit" else "practice_wrong"
            print(tr(key, language, answer=feedback.verdict.expected))
        print("   " + tr("practice_see_page", language, book=item.book, page=item.page))
    print(tr("practice_summary", language, right=right, total=len(items),
             level=tr("level_" + (level or "beginner"), language)))


def _offer(progress: ProgressService, session: Session, language: str,
           topic_hint: str) -> tuple[list[Any], str]:
    """The items ``/practice`` gives and the practice set they count towards ("" none);
    says which it chose."""
    if topic_hint:
        topic_id = _topic_for(progress, session, topic_hint)
        return (progress.practice_set(session, topic_id) if topic_id else []), ""
    for assignment in sorted(progress.my_assignments(session), key=lambda a: a.due_date):
        done = assignment.done.get(session.user.id, 0)
        if done >= assignment.item_count:
            continue
        items = progress.assignment_items(session, assignment.id)
        if items:
            print(tr("practice_offer_assignment", language, title=assignment.title,
                     due=assignment.due_date, done=done, total=assignment.item_count))
            return items, assignment.id
    weakest = progress.weakest_topic(session)
    if weakest is not None:
        items = progress.practice_set(session, weakest.id)
        if items:
            print(tr("practice_offer_weak", language, title=weakest.title))
            return items, ""
    items = progress.review_items(session)
    if items:
        print(tr("practice_offer_review", language, count=len(items)))
        return items, ""
    topic_id = _topic_for(progress, session, "")
    return (progress.practice_set(session, topic_id) if topic_id else []), ""


def _topic_for(progress: ProgressService, session: Session, hint: str) -> str:
    if hint:
        wanted = hint.casefold()
        for topic in progress.topics():
            if topic.id == hint or wanted in topic.title.casefold():
                return topic.id
        return ""
    return progress.last_topic(session)     # a core call: works through tutor service too
