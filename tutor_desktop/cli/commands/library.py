"""``tutor library``: import, list, remove and search textbooks.

IT staff import a whole curriculum unattended::

    tutor library add BOOKS_FOLDER/                       # library.toml / sidecars
    tutor library add bio7.pdf --grade 7 --subject biology --lang mn --title "Биологи 7"
    tutor library list --json
    tutor library search "фотосинтез гэж юу вэ" --grade 7 --k 5

and index it once, then install it on every lab PC from a USB stick::

    tutor library export --to /media/usb/textbooks --all      # on the PC that embedded them
    tutor library import-pack /media/usb/textbooks           # on each lab PC, no re-embedding

or let lab PCs take them from the school hub (`tutor hub` offers the teacher PC's
library; enrolled PCs fetch after each sync, or at once with)::

    tutor library fetch-packs
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor_desktop.cli.common import cli_language, fail, open_services
from tutor_desktop.cli.identity import add_sign_in_options, sign_in
from tutor_desktop.core.i18n import TutorError, tr

if TYPE_CHECKING:
    from tutor_desktop.composition import Services
    from tutor_desktop.core.accounts import Actor
    from tutor_desktop.core.library import ImportProgress, ImportResult, Library
    from tutor_desktop.core.library.packs import PackProgress, PackReport
    from tutor_desktop.core.retrieval.hybrid import HybridRetriever


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("library", help="import, list and search textbooks")
    parser.set_defaults(handler=lambda args: (parser.print_help(), 1)[1])
    actions = parser.add_subparsers(dest="library_command", metavar="ACTION")

    add = actions.add_parser("add", help="import PDF files or folders of PDFs")
    add.add_argument("paths", nargs="+", metavar="PATH")
    add.add_argument("--grade", type=int)
    add.add_argument("--subject")
    add.add_argument("--lang", dest="language", choices=("mn", "en"))
    add.add_argument("--title")
    add.add_argument("--json", action="store_true", help="print results as JSON")
    add_sign_in_options(add)
    add.set_defaults(handler=cmd_add)

    listing = actions.add_parser("list", help="list imported books")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)

    remove = actions.add_parser("remove", help="remove a book (by id or its first 8 characters)")
    remove.add_argument("book_id", metavar="ID")
    add_sign_in_options(remove)
    remove.set_defaults(handler=cmd_remove)

    search = actions.add_parser("search", help="search the textbooks")
    search.add_argument("query")
    search.add_argument("--grade", type=int)
    search.add_argument("--subject")
    search.add_argument("--lang", dest="language", choices=("mn", "en"))
    search.add_argument("--k", type=int, default=5)
    search.add_argument("--mode", choices=("hybrid", "vector", "keyword"), default="hybrid",
                        help=argparse.SUPPRESS)
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=cmd_search)

    samples = actions.add_parser("import-samples",
                                 help="generate the sample textbook PDFs and import them")
    samples.add_argument("--json", action="store_true")
    add_sign_in_options(samples)
    samples.set_defaults(handler=cmd_import_samples)

    export = actions.add_parser(
        "export", help="write a textbook pack (PDFs, passages, search index) to a folder")
    export.add_argument("--to", required=True, metavar="DIR", help="a new or empty folder")
    which = export.add_mutually_exclusive_group()
    which.add_argument("--book", action="append", metavar="ID",
                       help="a book id (or its first 8 characters); repeat for several")
    which.add_argument("--all", action="store_true", help="every book (the default)")
    export.add_argument("--json", action="store_true")
    add_sign_in_options(export)
    export.set_defaults(handler=cmd_export)

    install = actions.add_parser(
        "import-pack", help="install a textbook pack written by `tutor library export`")
    install.add_argument("pack", metavar="DIR")
    install.add_argument("--re-embed", action="store_true",
                         help="the pack was indexed with another embedding model: "
                              "re-embed its passages on this PC (slow)")
    install.add_argument("--json", action="store_true")
    add_sign_in_options(install)
    install.set_defaults(handler=cmd_import_pack)

    fetch = actions.add_parser(
        "fetch-packs", help="install the textbook packs the school hub offers (enrolled PCs "
                            "also do this after each sync)")
    fetch.add_argument("--json", action="store_true")
    add_sign_in_options(fetch)
    fetch.set_defaults(handler=cmd_fetch_packs)

    resume = actions.add_parser("resume",
                                help="finish interrupted imports / rebuild the search index")
    add_sign_in_options(resume)
    resume.set_defaults(handler=cmd_resume)


def handler(args: argparse.Namespace) -> int:  # kept for the CLI loader's convention
    result: int = args.handler(args)
    return result


# --------------------------------------------------------------------- helpers
def _library(services: Services) -> Library:
    return services.library


def _acting(services: Services, args: argparse.Namespace) -> Actor:
    """Who a library change acts for; the core decides whether they may (staff only).

    A ``--user`` sign-in gives the session. IT running the command with OS-administrator
    rights and no sign-in acts as ``SYSTEM`` in-process: they can replace the data files
    anyway. Through ``tutor service`` the data is the service account's, so IT signs in
    like anyone else. Raises :class:`TutorError` saying how to sign in."""
    from tutor_desktop.core.accounts import SYSTEM

    actor = sign_in(services, args, staff_only=True)
    if actor.session is not None:
        return actor.session
    if services.mode == "service":
        raise TutorError("cli_staff_required")
    return SYSTEM


def _retriever(services: Services) -> HybridRetriever:
    return services.retriever


class TerminalProgress:
    """One self-rewriting line on a terminal; a line every few seconds in a log."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0
        self._width = 0

    def __call__(self, progress: ImportProgress) -> None:
        now = time.monotonic()
        final = progress.stage == "done"
        if not final and now - self._last < (0.2 if self.tty else 5.0):
            return
        self._last = now
        filled = int(progress.fraction * 24)
        bar = "#" * filled + "-" * (24 - filled)
        parts = [f"[{bar}] {progress.fraction * 100:3.0f}%", progress.file[:40]]
        if progress.stage == "recognising":
            parts.append(f"OCR {progress.pages_done}/{progress.pages_total} scanned pages")
        elif progress.pages_total:
            parts.append(f"pages {progress.pages_done}/{progress.pages_total}")
        if progress.chunks_total:
            parts.append(f"passages {progress.chunks_done}/{progress.chunks_total}")
        if progress.seconds_left is not None and not final:
            parts.append(f"~{progress.seconds_left:.0f} s left")
        line = "  ".join(parts)
        if self.tty:
            self.stream.write("\r" + line.ljust(self._width))
            self._width = len(line)
            if final:
                self.stream.write("\n")
                self._width = 0
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _result_message(result: ImportResult, language: str) -> str:
    book = result.book
    params = {"title": book.title, "grade": book.grade, "subject": book.subject,
              "lang": book.language, "pages": book.page_count, "chunks": book.chunk_count}
    message = tr(f"library_{result.outcome}", language, **params)
    if result.recognised_pages and result.ocr_pages_per_second:
        message += "\n" + tr("ocr_recognised_pages", language,
                             count=len(result.recognised_pages),
                             seconds=round(len(result.recognised_pages)
                                           / result.ocr_pages_per_second))
    if result.low_confidence_pages:  # scanned pages OCR found hard to read
        message += "\n" + tr("ocr_low_confidence_pages", language,
                             pages=", ".join(map(str, result.low_confidence_pages)))
    return message


def import_paths(actor: Actor, library: Library, paths: list[Path],
                 overrides: dict[str, Any], *, as_json: bool = False) -> int:
    """Import every PDF under ``paths``; keeps going past bad files, exit 2 if any failed."""
    from tutor_desktop.core.library import plan_imports, validate_meta

    language = cli_language()
    plan = plan_imports(paths, overrides)
    if not plan:
        print(tr("library_no_pdfs", language, path=", ".join(map(str, paths))), file=sys.stderr)
        return 2
    if overrides.get("title") and len(plan) > 1:
        print(tr("library_title_with_many", language), file=sys.stderr)
        return 2
    failures = 0
    report: list[dict[str, Any]] = []
    cancel = threading.Event()
    for pdf, values in plan:
        try:
            meta = validate_meta(values, pdf)
            result = library.import_file(actor, pdf, meta, progress=TerminalProgress(),
                                         cancel=cancel)
        except TutorError as error:
            failures += 1
            print(error.message(language), file=sys.stderr)
            report.append({"file": str(pdf), "ok": False, "error": error.message_id,
                           "message": error.message(language)})
            continue
        except KeyboardInterrupt:
            print(tr("library_import_cancelled", language, file=pdf.name), file=sys.stderr)
            return 130
        report.append({"file": str(pdf), "ok": True, "outcome": result.outcome,
                       "book": result.book.as_dict(),
                       "recognised_pages": list(result.recognised_pages),
                       "low_confidence_pages": list(result.low_confidence_pages)})
        if not as_json:
            print(_result_message(result, language))
    if library.pending():  # a model change re-indexes the other books too
        try:
            library.resume_pending(actor, progress=TerminalProgress(), cancel=cancel)
        except TutorError as error:
            print(error.message(language), file=sys.stderr)
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    if failures:
        print(tr("library_failed_count", language, count=failures), file=sys.stderr)
        return 2
    return 0


# -------------------------------------------------------------------- commands
def cmd_add(args: argparse.Namespace) -> int:
    overrides = {"grade": args.grade, "subject": args.subject, "language": args.language,
                 "title": args.title}
    services = open_services(args, client=True)
    try:
        return import_paths(_acting(services, args), _library(services),
                            [Path(p) for p in args.paths],
                            {k: v for k, v in overrides.items() if v not in (None, "")},
                            as_json=args.json)
    except TutorError as error:
        return fail(error)
    finally:
        services.close()


def cmd_list(args: argparse.Namespace) -> int:
    services = open_services(args, client=True)
    try:
        books = _library(services).books()
        if args.json:
            print(json.dumps([b.as_dict() for b in books], ensure_ascii=False, indent=2))
            return 0
        if not books:
            print(tr("library_empty", cli_language()))
            return 0
        for book in books:
            status = "" if book.status == "ready" else f"  [{book.status}]"
            print(f"{book.id[:8]}  grade {book.grade:>2}  {book.subject:<10} {book.language}  "
                  f"{book.page_count:>4} p  {book.chunk_count:>5} passages  {book.title}{status}")
        return 0
    finally:
        services.close()


def cmd_remove(args: argparse.Namespace) -> int:
    services = open_services(args, client=True)
    try:
        actor = _acting(services, args)
        library = _library(services)
        book = library.get(args.book_id) or library.find(args.book_id)
        if book is None:
            from tutor_desktop.core.library import LibraryError

            return fail(LibraryError("library_unknown_book", id=args.book_id))
        library.remove(actor, book.id)
        print(tr("library_removed", cli_language(), title=book.title))
        return 0
    except TutorError as error:
        return fail(error)
    finally:
        services.close()


def cmd_search(args: argparse.Namespace) -> int:
    services = open_services(args, client=True)
    language = cli_language()
    try:
        pending = _library(services).pending()
        if pending:  # searched as they are; `tutor library resume` finishes them
            print(tr("library_pending_notice", language, count=len(pending)), file=sys.stderr)
        result = _retriever(services).search_detailed(
            args.query, grade=args.grade, subject=args.subject, language=args.language,
            k=args.k, mode=args.mode)
        if args.json:
            print(json.dumps({
                "query": args.query, "scope": result.scope.as_dict(), "widened": result.widened,
                "hits": [{**hit.citation(), "page_end": hit.page_end,
                          "textbook_id": hit.textbook_id, "heading": hit.heading,
                          "text": hit.text} for hit in result.hits],
            }, ensure_ascii=False, indent=2))
            return 0
        if not result.hits:
            print(tr("library_no_results", language))
            return 0
        if result.widened:
            print(tr("library_widened", language))
        for rank, hit in enumerate(result.hits, start=1):
            print(f"{rank}. {hit.book}, p. {hit.page_label}  ({hit.score:.4f})  {hit.heading}")
            text = hit.text if len(hit.text) <= 300 else hit.text[:297] + "..."
            print(f"   {text}")
        return 0
    except TutorError as error:
        return fail(error)
    finally:
        services.close()


def cmd_import_samples(args: argparse.Namespace) -> int:
    from tutor_desktop.core.library.samples import generate_samples

    services = open_services(args)
    try:
        actor = _acting(services, args)
        with tempfile.TemporaryDirectory(prefix="tutor-samples-") as folder:
            written = generate_samples(Path(folder))
            library = _library(services)
            code = 0
            for pdf, book in written:
                meta = {"title": book.title, "grade": book.grade, "subject": book.subject,
                        "language": book.language}
                code = max(code, import_paths(actor, library, [pdf], meta, as_json=args.json))
            return code
    except TutorError as error:
        return fail(error)
    finally:
        services.close()


def cmd_resume(args: argparse.Namespace) -> int:
    services = open_services(args, client=True)
    language = cli_language()
    try:
        actor = _acting(services, args)
        library = _library(services)
        for book in library.resume_pending(actor, progress=TerminalProgress()):
            print(tr("library_resumed", language, title=book.title))
        return 0
    except TutorError as error:
        return fail(error)
    finally:
        services.close()


class _PackLine:
    """Progress of a pack on stderr: one line per book."""

    def __init__(self) -> None:
        self._last = ""

    def __call__(self, progress: PackProgress) -> None:
        if progress.stage == "done" or not progress.title or progress.title == self._last:
            return
        self._last = progress.title
        print(f"[{progress.books_done + 1}/{progress.books_total}] {progress.title}",
              file=sys.stderr, flush=True)


def _pack_report(report: PackReport, path: str, as_json: bool) -> int:
    """Print a pack's outcome per book; exit 2 when a book was skipped."""
    language = cli_language()
    if as_json:
        print(json.dumps({"pack_id": report.pack_id, "model": report.model_id, "books": [
            {"title": b.title, "outcome": b.outcome, "book_id": b.book_id,
             "error": b.message_id, "message": tr(b.message_id, language, **b.params)
             if b.message_id else ""} for b in report.books]}, ensure_ascii=False, indent=2))
    else:
        for book in report.books:
            if book.message_id:
                print(tr(book.message_id, language, **book.params), file=sys.stderr)
            else:
                print(tr(f"textbook_pack_{book.outcome}", language, title=book.title))
        done = len(report.books) - len(report.skipped)
        print(tr("textbook_pack_summary", language, path=path, done=done,
                 skipped=len(report.skipped)))
    return 2 if report.skipped else 0


def cmd_export(args: argparse.Namespace) -> int:
    from tutor_desktop.core.library.packs import export_pack

    services = open_services(args)
    try:
        report = export_pack(_acting(services, args), _library(services), Path(args.to),
                             None if args.all or not args.book else args.book,
                             progress=_PackLine())
        return _pack_report(report, args.to, args.json)
    except TutorError as error:
        return fail(error)
    finally:
        services.close()


def cmd_fetch_packs(args: argparse.Namespace) -> int:
    from tutor_desktop.core.library.packs import PackReport

    services = open_services(args)
    try:
        actor = _acting(services, args)
        if not services.sync.enrolled():
            from tutor_desktop.core.sync.client import SyncError

            return fail(SyncError("sync_not_enrolled"))
        fetched = services.packs.run_once(actor, progress=_PackLine())
        for error in fetched.refused:
            fail(error)
        report = PackReport("", "", tuple(fetched.books))
        code = _pack_report(report, services.sync.server_url, args.json)
        return 2 if fetched.refused else code
    except TutorError as error:
        return fail(error)
    finally:
        services.close()


def cmd_import_pack(args: argparse.Namespace) -> int:
    from tutor_desktop.core.library.packs import import_pack

    services = open_services(args)
    try:
        report = import_pack(_acting(services, args), _library(services), Path(args.pack),
                             re_embed=args.re_embed, progress=_PackLine())
        return _pack_report(report, args.pack, args.json)
    except TutorError as error:
        return fail(error)
    finally:
        services.close()
