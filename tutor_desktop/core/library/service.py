"""The textbook library: import, resume, replace, remove, and page look-up.

An import is a small state machine kept in the database so it survives the
app being killed:

1. read and chunk the PDF in memory (bad input fails here, nothing written);
2. copy the file into the library folder and, in ONE transaction, insert the
   book (``status = 'importing'``) with all its passages;
3. embed passages in small batches into ``chunk_staging`` (each batch its own
   short transaction, so the GUI never waits long for the writer);
4. in ONE transaction: move staged vectors into the vec0 table, add the
   passages to full-text search, delete the book this one replaces, mark it
   ``ready``.

Only step 4 makes a book searchable, so a killed or cancelled import is
never half-visible. :meth:`Library.resume_pending` continues at step 3.
The same loop re-embeds books after the embedding model changes.

Every call that changes the library takes the acting session first and refuses
anyone but staff (:func:`~tutor_desktop.core.accounts.require_staff`): the rule
lives here, so the window, the terminal and the service socket cannot differ.
The app acting for itself (the start-up resume) passes
:data:`~tutor_desktop.core.accounts.SYSTEM`. A queue of imports checks the teacher once,
when the files are queued, and then carries an :class:`ImportGrant` (see why there).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tutor_desktop.core.accounts.session import SYSTEM, Actor, Session, require_staff
from tutor_desktop.core.embeddings.base import Embedder
from tutor_desktop.core.embeddings.fingerprint import passage_weights
from tutor_desktop.core.library.chunking import ChunkDraft, chunk_pages
from tutor_desktop.core.library.errors import ImportCancelled, ImportSuspended, LibraryError
from tutor_desktop.core.library.metadata import BookMeta
from tutor_desktop.core.library.ocr_import import (
    LOW_CONFIDENCE,
    BookRecogniser,
    ocr_usable,
    recognised_pages,
)
from tutor_desktop.core.library.pdf import (
    Page,
    check_file,
    extract_pages,
    marked_pages,
    page_labels,
    read_page,
)
from tutor_desktop.core.ocr.engine import OcrCancelled, TesseractEngine, unwrap_lines
from tutor_desktop.core.retrieval.types import LABEL_COLUMNS, LABEL_JOINS, Hit
from tutor_desktop.core.retrieval.vector_index import VectorIndex, VectorRow, to_blob
from tutor_desktop.core.storage import Database, new_id, utc_now
from tutor_desktop.core.storage.connection import Connection

EMBED_BATCH = 8
EmbedderSource = Callable[[], Embedder | None]


@dataclass(frozen=True)
class Book:
    id: str
    title: str
    subject: str
    grade: int
    language: str
    sha256: str
    source_path: str
    stored_path: str
    page_count: int
    status: str           # importing | ready
    embed_model: str      # '' while its vectors are (re)built
    chunk_count: int
    embedded_count: int
    replaces: str
    created_at: str
    updated_at: str

    @property
    def searchable(self) -> bool:
        return self.status == "ready"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "subject": self.subject, "grade": self.grade,
            "language": self.language, "pages": self.page_count, "chunks": self.chunk_count,
            "status": self.status, "embed_model": self.embed_model, "sha256": self.sha256,
            "source_path": self.source_path, "created_at": self.created_at,
        }


@dataclass(frozen=True)
class ImportProgress:
    """What a progress bar shows. ``seconds_left`` is None until there is a rate."""

    file: str
    stage: str            # reading | recognising (OCR of scanned pages) | embedding | ...
    pages_done: int = 0   # while recognising: scanned pages read by OCR so far
    pages_total: int = 0  # while recognising: scanned pages to read
    chunks_done: int = 0
    chunks_total: int = 0
    seconds_left: float | None = None
    recognised: bool = False   # the book has scanned pages (OCR dominates the time)

    @property
    def fraction(self) -> float:
        """Overall 0..1: reading counts for 10 % (its first half reading text layers),
        embedding for 90 %; with OCR, recognising 5-75 % (5-10 s a page), embedding 25 %."""
        if self.stage == "done":
            return 1.0
        read = self.pages_done / self.pages_total if self.pages_total else 0.0
        embed = self.chunks_done / self.chunks_total if self.chunks_total else 0.0
        if self.stage == "recognising":
            return 0.05 + 0.7 * read
        if self.stage == "reading":
            return 0.05 * read  # scanned pages are known only after every page was read
        if self.recognised:
            return 0.75 + 0.25 * embed
        return 0.1 + 0.9 * embed


@dataclass(frozen=True)
class ImportResult:
    book: Book
    outcome: str          # imported | replaced | duplicate | resumed
    recognised_pages: tuple[int, ...] = ()       # pages whose text came from OCR
    low_confidence_pages: tuple[int, ...] = ()   # of those, the ones to check by eye
    ocr_pages_per_second: float | None = None    # measured in this import


@dataclass(frozen=True)
class PageInfo:
    """One page of a book, for the page viewer behind a citation."""

    book: Book
    page: int
    text: str             # the passages' text on this page (always available)
    pdf_path: Path | None  # the stored PDF, when it is still on disk
    headings: tuple[str, ...]
    recognised: bool = False         # the text was read from a scanned page by OCR
    confidence: float | None = None  # OCR confidence 0..1 of that page
    label: str = ""       # the number printed on the page ("38"); ``page`` is the PDF index
    section: str = ""     # the heading of the section on this page (one starting here first)


@dataclass(frozen=True)
class RenderedPage:
    """An RGBX image of a PDF page (4 bytes per pixel), ready for ``QImage``."""

    width: int
    height: int
    stride: int
    data: bytes


ProgressCallback = Callable[[ImportProgress], None]

_BOOK_SQL = """
SELECT t.*,
       (SELECT count(*) FROM chunks c WHERE c.textbook_id = t.id) AS chunk_count,
       (SELECT count(*) FROM chunks c WHERE c.textbook_id = t.id AND c.embedded = 1)
           AS embedded_count
FROM textbooks t
"""


def _book(row: Any) -> Book:
    return Book(
        id=row["id"], title=row["title"], subject=row["subject"], grade=int(row["grade"]),
        language=row["language"], sha256=row["sha256"], source_path=row["source_path"],
        stored_path=row["stored_path"], page_count=int(row["page_count"]), status=row["status"],
        embed_model=row["embed_model"], chunk_count=int(row["chunk_count"]),
        embedded_count=int(row["embedded_count"]), replaces=row["replaces"],
        created_at=row["created_at"], updated_at=row["updated_at"],
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def passage_text(heading: str, text: str) -> str:
    """What the embedder sees: the section heading gives a passage its topic."""
    return f"{heading}\n{text}" if heading and not text.startswith(heading) else text


class _Rate:
    """Chunks per second over this run, for the time-left estimate.

    The first batch carries the embedding model's load and warm-up (seconds), which
    kept every estimate high (the first said 698 s for a 155-page book imported in
    367 s). It gives the first rough estimate; from the second batch on the rate is
    measured from the end of the first, without the warm-up."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.started = clock()
        self.done = 0
        self.batches = 0
        self._after_first: tuple[float, int] | None = None   # (time, passages) then

    def batch_done(self, count: int) -> None:
        self.batches += 1
        self.done += count
        if self.batches == 1:
            self._after_first = (self.clock(), self.done)

    def seconds_left(self, remaining: int) -> float | None:
        now = self.clock()
        since, before = self.started, 0
        if self.batches > 1 and self._after_first is not None:
            since, before = self._after_first
        elapsed, done = now - since, self.done - before
        if done <= 0 or elapsed <= 0:
            return None
        return remaining / (done / elapsed)


log = logging.getLogger(__name__)

_GRANT_KEY = object()   # only Library.authorise makes an ImportGrant


class ImportGrant:
    """A teacher's authority to import, checked when the files were queued.

    Why: a teacher drops ten textbooks and leaves for lunch; on a shared PC the window
    must still sign them out after the idle limit, yet the ten books must all import.
    Checking the session before each file would refuse the ones not yet started. So
    :meth:`Library.authorise` applies the staff rule (``require_staff``) once, when the
    files are queued (the start of a queue and each file added to it), and the queue
    carries this grant instead of the session.

    What it cannot do: it is made only by :meth:`Library.authorise` from a valid staff
    session (never from a student's, an idle one or none); it is valid only for imports
    and resumes on the library that made it (not for removing or renaming books); it
    never crosses the service socket (the wire codec does not know the type), so a
    service client cannot present one. ``user_id`` names the teacher in the log
    (None: the app itself, ``SYSTEM``).
    """

    __slots__ = ("library", "user_id")

    def __init__(self, key: object, library: Library, user_id: str | None) -> None:
        if key is not _GRANT_KEY:
            raise TypeError("an ImportGrant is made by Library.authorise")
        self.library = library
        self.user_id = user_id

    def __repr__(self) -> str:
        return f"ImportGrant(user_id={self.user_id!r})"


class Library:
    """Imports and manages textbooks in one database + library folder."""

    def __init__(self, db: Database, library_dir: Path, embedder: EmbedderSource,
                 ocr: TesseractEngine | None = None) -> None:
        self.db = db
        self.ocr = ocr   # None or not installed: scanned pages cannot be imported
        self.library_dir = Path(library_dir)
        self._embedder_source = embedder
        self.vectors = VectorIndex(db)
        self._job_lock = threading.RLock()   # one import/re-index at a time
        self._background: threading.Thread | None = None
        self._suspended = threading.Event()

    def suspend(self) -> None:
        """Stop running imports at the next batch, keeping them resumable (app closing)."""
        self._suspended.set()

    def close(self) -> None:
        """Suspend work and wait briefly for the background thread (before the DB closes)."""
        self.suspend()
        if self._background is not None:
            self._background.join(timeout=15)

    # ----------------------------------------------------------------- queries
    def books(self) -> list[Book]:
        rows = self.db.query(_BOOK_SQL + " ORDER BY t.grade, t.subject, t.title")
        return [_book(r) for r in rows]

    def get(self, book_id: str) -> Book | None:
        row = self.db.query_one(_BOOK_SQL + " WHERE t.id = ?", (book_id,))
        return _book(row) if row else None

    def find(self, prefix: str) -> Book | None:
        """A book by id or unique id prefix (what the CLI prints is short: 8 characters).

        Compared as plain text, never through LIKE: ``%`` or ``_`` in what someone
        typed must not match every book. A prefix shorter than 8 characters or
        with characters an id never has matches nothing.
        """
        prefix = prefix.strip().lower()
        if len(prefix) < 8 or not set(prefix) <= set("0123456789abcdef-"):
            return None
        rows = self.db.query(_BOOK_SQL + " WHERE substr(t.id, 1, ?) = ?", (len(prefix), prefix))
        return _book(rows[0]) if len(rows) == 1 else None

    def pending(self) -> list[Book]:
        """Books still importing, or ready but waiting for vectors of the current model
        (another model, or the same model file with other weights)."""
        model = self._model_id()
        stale = model is not None and self.weights_stale()
        return [b for b in self.books()
                if b.status == "importing" or (model is not None and b.embed_model != model)
                or (stale and b.status == "ready")]

    def weights_stale(self) -> bool:
        """The vectors were written by other weights than the embedding model file's now
        (it was replaced under the same name): :meth:`resume_pending` rebuilds them."""
        embedder = self._embedder_source()
        stored = self.vectors.weights()
        current = passage_weights(embedder) if embedder is not None and stored else ""
        return bool(stored and current and stored != current)

    def has_unfinished_work(self) -> bool:
        """Anything :meth:`resume_pending` would do: interrupted imports (scanned books
        included) or books waiting for vectors of the current model."""
        return bool(self.pending() or self.unfinished_imports() or self._marks_unchecked())

    def embedder(self) -> Embedder:
        embedder = self._embedder_source()
        if embedder is None:
            raise LibraryError("library_no_embedder")
        return embedder

    def _model_id(self) -> str | None:
        embedder = self._embedder_source()
        return embedder.model_id if embedder is not None else None

    # ------------------------------------------------------------------ import
    def authorise(self, actor: Actor | None) -> ImportGrant:
        """The staff rule, checked now, for imports that run later (a queue of books).

        Refuses a student and no session (``NotAllowed``) and a session that ran out
        (``SessionExpired``) like every other change; the grant it returns then imports
        the queued files to the end even if the teacher's session runs out meanwhile
        (see :class:`ImportGrant`)."""
        checked = require_staff(actor)
        user_id = checked.user.id if isinstance(checked, Session) else None
        return ImportGrant(_GRANT_KEY, self, user_id)

    def _check_import(self, actor: Actor | ImportGrant | None) -> Actor | ImportGrant:
        """An import needs staff now, or a grant this library gave when the file was queued."""
        if isinstance(actor, ImportGrant) and actor.library is self:
            return actor
        return require_staff(actor if not isinstance(actor, ImportGrant) else None)

    def import_file(self, actor: Actor | ImportGrant | None, path: Path, meta: BookMeta, *,
                    progress: ProgressCallback | None = None,
                    cancel: threading.Event | None = None) -> ImportResult:
        """Import one PDF (or recognise it); staff only (``NotAllowed``), or a queued file
        under an :class:`ImportGrant`; raises :class:`LibraryError` on bad input."""
        actor = self._check_import(actor)
        if isinstance(actor, ImportGrant):
            log.info("importing %s queued by user %s", Path(path).name, actor.user_id)
        path = Path(path)
        report = progress or (lambda _p: None)
        check_file(path)
        with self._job_lock:
            sha = file_sha256(path)
            existing = self.db.query_one(
                "SELECT id, status FROM textbooks WHERE sha256 = ?", (sha,))
            if existing is not None:
                if existing["status"] == "importing":
                    book = self._finish_with_retry(existing["id"], report, cancel)
                    return self._with_ocr_report(ImportResult(book, "resumed"))
                book = self._require(existing["id"])
                self._finish_reindex_if_needed(book, report, cancel)
                if (book.title, book.grade, book.subject, book.language) != (
                        meta.title, meta.grade, meta.subject, meta.language):
                    return ImportResult(self._set_meta(book.id, meta), "updated")
                return ImportResult(self._require(book.id), "duplicate")

            replaces = self._replacement_target(path, meta)
            embedder = self.embedder()
            self.vectors.ensure(embedder.model_id, embedder.dim, passage_weights(embedder))
            prefetch = getattr(embedder, "prefetch", None)
            if callable(prefetch):      # the passage engine starts while the PDF is read
                prefetch()

            pages, recogniser = self._read_pages(path, sha, meta, report, cancel)
            drafts = chunk_pages(pages)
            if not drafts:
                self._forget_job(sha)
                raise LibraryError("library_no_text", file=path.name)
            book_id = self._store(path, sha, meta, pages, drafts, replaces)
            book = self._finish_with_retry(book_id, report, cancel)
            result = self._with_ocr_report(
                ImportResult(book, "replaced" if replaces else "imported"))
            if recogniser is not None and recogniser.pages_per_second is not None:
                result = replace(result, ocr_pages_per_second=recogniser.pages_per_second)
            return result

    def _read_pages(self, path: Path, sha: str, meta: BookMeta, report: ProgressCallback,
                    cancel: threading.Event | None) -> tuple[list[Page], BookRecogniser | None]:
        """Step 1: text layers, then OCR of scanned pages (see ocr_import.py)."""

        def stop() -> bool:
            return (cancel is not None and cancel.is_set()) or self._suspended.is_set()

        recogniser: BookRecogniser | None = None
        if self.ocr is not None and ocr_usable(self.ocr, meta.language):
            recogniser = BookRecogniser(self.db, self.ocr, sha, meta.language, stop,
                                        on_first_ocr=lambda: self._remember_job(path, sha, meta))

        def on_page(done: int, total: int) -> None:
            report(ImportProgress(meta.title, "reading", done, total))

        def on_ocr(done: int, total: int) -> None:
            rate = recogniser.pages_per_second if recogniser else None
            rate = rate or self.ocr_pages_per_second
            left = (total - done) / rate if rate else None
            report(ImportProgress(meta.title, "recognising", done, total, seconds_left=left,
                                  recognised=True))

        try:
            pages = extract_pages(path, on_page, stop, recogniser, on_ocr)
        except OcrCancelled:
            pages = []
        if recogniser is not None and recogniser.pages_per_second is not None:
            self.ocr_pages_per_second = recogniser.pages_per_second
        if cancel is not None and cancel.is_set():
            self._forget_job(sha)  # the teacher chose to stop: not resumed at next start
            raise ImportCancelled(path.name)
        if self._suspended.is_set():
            raise ImportSuspended(path.name)
        return pages, recogniser

    # ------------------------------------------------------ unfinished OCR imports
    @property
    def _incoming_dir(self) -> Path:
        return self.library_dir / "incoming"

    def _remember_job(self, path: Path, sha: str, meta: BookMeta) -> None:
        """Keep the file and its details so a killed OCR import finishes at next start."""
        incoming = self._incoming_dir
        incoming.mkdir(parents=True, exist_ok=True)
        kept = incoming / f"{sha}.pdf"
        if path.resolve() != kept.resolve() and not kept.exists():
            partial = kept.with_suffix(".pdf.part")
            shutil.copyfile(path, partial)
            os.replace(partial, kept)
        with self.db.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO import_jobs (sha256, file_name, title, grade, subject, "
                "language, created_at) VALUES (?,?,?,?,?,?,?)",
                (sha, path.name, meta.title, meta.grade, meta.subject, meta.language,
                 utc_now()))

    def _forget_job(self, sha: str) -> None:
        with self.db.write() as conn:
            conn.execute("DELETE FROM import_jobs WHERE sha256 = ?", (sha,))
        (self._incoming_dir / f"{sha}.pdf").unlink(missing_ok=True)

    def unfinished_imports(self) -> list[tuple[Path, BookMeta]]:
        """Scanned books whose import was interrupted (kept file, details as picked)."""
        rows = self.db.query("SELECT sha256, title, grade, subject, language FROM import_jobs "
                             "ORDER BY created_at")
        return [(self._incoming_dir / f"{r['sha256']}.pdf",
                 BookMeta(str(r["title"]), int(r["grade"]), str(r["subject"]),
                          str(r["language"]))) for r in rows]

    def _resume_jobs(self, actor: Actor | ImportGrant, report: ProgressCallback,
                     cancel: threading.Event | None) -> list[Book]:
        """Finish interrupted OCR imports; a job whose file is gone or unreadable is
        dropped (the teacher imports it again) rather than retried for ever."""
        finished: list[Book] = []
        for kept, meta in self.unfinished_imports():
            if cancel is not None and cancel.is_set():
                break
            sha = kept.stem
            if not kept.is_file():
                self._forget_job(sha)
                continue
            try:
                finished.append(self.import_file(actor, kept, meta, progress=report,
                                                 cancel=cancel).book)
            except (ImportCancelled, ImportSuspended):
                break
            except LibraryError:
                self._forget_job(sha)
        return finished

    #: OCR pages/s measured by the last import: the next book's first estimate.
    ocr_pages_per_second: float | None = None

    def _with_ocr_report(self, result: ImportResult) -> ImportResult:
        """Adds which pages were read by OCR and which the teacher should check."""
        pages = recognised_pages(self.db, result.book.sha256, result.book.language)
        if not pages:
            return result
        return replace(result, recognised_pages=tuple(p for p, _c in pages),
                       low_confidence_pages=tuple(p for p, c in pages if c < LOW_CONFIDENCE))

    def update_meta(self, actor: Actor | None, book_id: str, meta: BookMeta) -> Book:
        """Fix a book's title/grade/subject/language (the same file imported again with
        corrected details): search filters see the change at once, nothing is re-embedded.
        Staff only (``NotAllowed``)."""
        require_staff(actor)
        return self._set_meta(book_id, meta)

    def _set_meta(self, book_id: str, meta: BookMeta) -> Book:
        with self._job_lock, self.db.write() as conn:
            book = conn.execute("SELECT status FROM textbooks WHERE id = ?", (book_id,)).fetchone()
            if book is None:
                raise LibraryError("library_unknown_book", id=book_id)
            conn.execute(
                "UPDATE textbooks SET title = ?, grade = ?, subject = ?, language = ?, "
                "updated_at = ? WHERE id = ?",
                (meta.title, meta.grade, meta.subject, meta.language, utc_now(), book_id))
            rowids = [int(r[0]) for r in conn.execute(
                "SELECT rowid FROM chunks WHERE textbook_id = ?", (book_id,)).fetchall()]
            stored = self.vectors.fetch(conn, rowids)
            if stored:  # grade is the partition key: vectors move to the new partition
                self.vectors.delete(conn, [rowid for rowid, _ in stored])
                VectorIndex.insert(conn, [VectorRow(rowid, meta.grade, meta.subject,
                                                    meta.language, blob)
                                          for rowid, blob in stored])
        return self._require(book_id)

    def _replacement_target(self, path: Path, meta: BookMeta) -> str:
        """A ready book this file replaces: the same grade and subject, and the same source
        path or title. A different book saved under a reused file name is not a new edition."""
        row = self.db.query_one(
            "SELECT id FROM textbooks WHERE status = 'ready' AND grade = ? AND subject = ? "
            "AND (source_path = ? OR title = ?) ORDER BY created_at DESC LIMIT 1",
            (meta.grade, meta.subject, str(path.resolve()), meta.title),
        )
        return str(row["id"]) if row else ""

    def _store(self, path: Path, sha: str, meta: BookMeta, pages: list[Page],
               drafts: list[ChunkDraft], replaces: str) -> str:
        """Copy the file in and write the book with its passages in one transaction."""
        book_id = new_id()
        self.library_dir.mkdir(parents=True, exist_ok=True)
        stored = self.library_dir / f"{book_id}.pdf"
        partial = stored.with_suffix(".pdf.part")
        shutil.copyfile(path, partial)
        os.replace(partial, stored)
        now = utc_now()
        scanned = {page.number for page in pages if page.recognised}
        try:
            with self.db.write() as conn:
                conn.execute(
                    "INSERT INTO textbooks (id, title, subject, grade, language, sha256, "
                    "source_path, stored_path, page_count, status, embed_model, replaces, "
                    "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?, 'importing', '', ?, ?, ?)",
                    (book_id, meta.title, meta.subject, meta.grade, meta.language, sha,
                     str(path.resolve()), stored.name, len(pages), replaces, now, now),
                )
                conn.executemany(
                    "INSERT INTO chunks (id, textbook_id, ordinal, page_start, page_end, heading, "
                    "text, embedded, recognised, created_at, updated_at) "
                    "VALUES (?,?,?,?,?,?,?,0,?,?,?)",
                    [(new_id(), book_id, d.ordinal, d.page_start, d.page_end, d.heading, d.text,
                      int(bool(scanned & set(range(d.page_start, d.page_end + 1)))), now, now)
                     for d in drafts],
                )
                _store_labels(conn, book_id, [page.label or str(page.number) for page in pages])
                conn.execute("DELETE FROM import_jobs WHERE sha256 = ?", (sha,))
                # Topics and practice items, in this same transaction.
                from tutor_desktop.core.progress.indexing import index_new_book

                index_new_book(conn, book_id, pages, path)
        except BaseException:
            stored.unlink(missing_ok=True)
            raise
        (self._incoming_dir / f"{sha}.pdf").unlink(missing_ok=True)
        return book_id

    def _require(self, book_id: str) -> Book:
        book = self.get(book_id)
        if book is None:
            raise LibraryError("library_unknown_book", id=book_id)
        return book

    # --------------------------------------------------------- embed + finish
    def _finish(self, book_id: str, report: ProgressCallback,
                cancel: threading.Event | None) -> Book:
        """Embed what is missing, then make the book searchable (steps 3 and 4)."""
        try:
            self._embed_missing(book_id, report, cancel)
            book = self._require(book_id)
            report(ImportProgress(book.title, "finishing", book.page_count, book.page_count,
                                  book.chunk_count, book.chunk_count, 0.0))
            self._publish(book_id)
        except ImportCancelled:
            self._discard(book_id)
            raise
        book = self._require(book_id)
        report(ImportProgress(book.title, "done", book.page_count, book.page_count,
                              book.chunk_count, book.chunk_count, 0.0))
        return book

    def _finish_reindex_if_needed(self, book: Book, report: ProgressCallback,
                                  cancel: threading.Event | None) -> None:
        embedder = self.embedder()
        self.vectors.ensure(embedder.model_id, embedder.dim, passage_weights(embedder))
        if self._require(book.id).embed_model != embedder.model_id:
            self._reindex(book.id, report, cancel)

    def _embed_missing(self, book_id: str, report: ProgressCallback,
                       cancel: threading.Event | None) -> None:
        embedder = self.embedder()
        self.vectors.ensure(embedder.model_id, embedder.dim, passage_weights(embedder))
        rate = _Rate()
        scanned = self.db.query_one(
            "SELECT 1 FROM chunks WHERE textbook_id = ? AND recognised = 1 LIMIT 1",
            (book_id,)) is not None
        while True:
            book = self.get(book_id)
            if book is None:  # removed while importing
                raise ImportCancelled("")
            rows = self.db.query(
                "SELECT rowid, heading, text FROM chunks WHERE textbook_id = ? AND embedded = 0 "
                "ORDER BY ordinal LIMIT ?", (book_id, EMBED_BATCH))
            remaining = book.chunk_count - book.embedded_count
            report(ImportProgress(book.title, "embedding", book.page_count, book.page_count,
                                  book.embedded_count, book.chunk_count,
                                  rate.seconds_left(remaining), scanned))
            if not rows:
                return
            if cancel is not None and cancel.is_set():
                raise ImportCancelled(book.title)
            if self._suspended.is_set():
                raise ImportSuspended(book.title)
            vectors = embedder.embed_passages([passage_text(r["heading"], r["text"]) for r in rows])
            with self.db.write() as conn:
                if not self._still_there(conn, book_id):
                    raise ImportCancelled(book.title)
                conn.executemany(
                    "INSERT OR REPLACE INTO chunk_staging (chunk_rowid, embedding) VALUES (?, ?)",
                    [(int(r["rowid"]), to_blob(v)) for r, v in zip(rows, vectors, strict=True)])
                conn.executemany("UPDATE chunks SET embedded = 1 WHERE rowid = ?",
                                 [(int(r["rowid"]),) for r in rows])
            rate.batch_done(len(rows))

    @staticmethod
    def _still_there(conn: Connection, book_id: str) -> bool:
        row = conn.execute("SELECT 1 FROM textbooks WHERE id = ?", (book_id,)).fetchone()
        return row is not None

    def _publish(self, book_id: str) -> None:
        """Step 4: one transaction makes the book searchable and retires the one it replaces."""
        embedder = self.embedder()
        old_file: Path | None = None
        with self.db.write() as conn:
            book = conn.execute("SELECT * FROM textbooks WHERE id = ?", (book_id,)).fetchone()
            if book is None:
                raise ImportCancelled("")
            missing = conn.execute(
                "SELECT count(*) FROM chunks WHERE textbook_id = ? AND embedded = 0", (book_id,)
            ).fetchone()[0]
            if missing:  # the model changed under us: staged vectors were dropped
                raise _Retry()
            self._move_staged(conn, book_id, int(book["grade"]), book["subject"], book["language"])
            if book["status"] != "ready":
                conn.execute(
                    "INSERT INTO chunks_fts (rowid, text, heading) "
                    "SELECT rowid, text, heading FROM chunks WHERE textbook_id = ?", (book_id,))
            replaced = book["replaces"]
            if replaced:
                old = conn.execute("SELECT stored_path FROM textbooks WHERE id = ?",
                                   (replaced,)).fetchone()
                if old is not None:
                    self._delete_rows(conn, replaced)
                    old_file = self.library_dir / old["stored_path"] if old["stored_path"] else None
            conn.execute(
                "UPDATE textbooks SET status = 'ready', embed_model = ?, replaces = '', "
                "updated_at = ? WHERE id = ?", (embedder.model_id, utc_now(), book_id))
        if old_file is not None:
            old_file.unlink(missing_ok=True)

    def _move_staged(self, conn: Connection, book_id: str, grade: int, subject: str,
                     language: str) -> None:
        rows = conn.execute(
            "SELECT s.chunk_rowid, s.embedding FROM chunk_staging s "
            "JOIN chunks c ON c.rowid = s.chunk_rowid WHERE c.textbook_id = ?", (book_id,)
        ).fetchall()
        rowids = [int(r[0]) for r in rows]
        self.vectors.delete(conn, rowids)  # a re-index replaces earlier vectors
        VectorIndex.insert(conn, [VectorRow(int(r[0]), grade, subject, language, bytes(r[1]))
                                  for r in rows])
        conn.executemany("DELETE FROM chunk_staging WHERE chunk_rowid = ?",
                         [(rowid,) for rowid in rowids])

    def _delete_rows(self, conn: Connection, book_id: str) -> None:
        """Remove a book's rows from every index, then the book (chunks cascade)."""
        book = conn.execute("SELECT status FROM textbooks WHERE id = ?", (book_id,)).fetchone()
        if book is None:
            return
        rowids = [int(r[0]) for r in conn.execute(
            "SELECT rowid FROM chunks WHERE textbook_id = ?", (book_id,)).fetchall()]
        if book["status"] == "ready":
            conn.execute(
                "INSERT INTO chunks_fts (chunks_fts, rowid, text, heading) "
                "SELECT 'delete', rowid, text, heading FROM chunks WHERE textbook_id = ?",
                (book_id,))
        self.vectors.delete(conn, rowids)
        conn.execute("UPDATE textbooks SET replaces = '' WHERE replaces = ?", (book_id,))
        conn.execute("DELETE FROM textbooks WHERE id = ?", (book_id,))

    def _discard(self, book_id: str) -> None:
        """Forget a cancelled/failed import completely (the book it would replace stays)."""
        stored: str | None = None
        with self.db.write() as conn:
            row = conn.execute("SELECT status, stored_path FROM textbooks WHERE id = ?",
                               (book_id,)).fetchone()
            if row is None or row["status"] != "importing":
                return
            stored = row["stored_path"]
            self._delete_rows(conn, book_id)
        if stored:
            (self.library_dir / stored).unlink(missing_ok=True)

    def _reindex(self, book_id: str, report: ProgressCallback,
                 cancel: threading.Event | None) -> None:
        """Re-embed a ready book for the current model; it stays searchable by keywords."""
        for _attempt in range(3):
            self._embed_missing(book_id, report, cancel)
            try:
                self._publish(book_id)
                return
            except _Retry:
                continue

    # ------------------------------------------------------------------ resume
    def resume_pending(self, actor: Actor | ImportGrant | None, *,
                       progress: ProgressCallback | None = None,
                       cancel: threading.Event | None = None) -> list[Book]:
        """Finish interrupted imports and re-embed books for a new model. Safe to call often.
        Staff only (``NotAllowed``) or an :class:`ImportGrant`; the app's own start-up
        resume passes ``SYSTEM``."""
        actor = self._check_import(actor)
        report = progress or (lambda _p: None)
        finished: list[Book] = []
        with self._job_lock:
            self._remove_orphan_files()
            if self._embedder_source() is None:
                return []
            embedder = self.embedder()
            self.vectors.ensure(embedder.model_id, embedder.dim, passage_weights(embedder))
            self._recheck_marks()
            finished.extend(self._resume_jobs(actor, report, cancel))
            for book in self.pending():
                if cancel is not None and cancel.is_set():
                    break
                if book.status == "importing":
                    try:
                        finished.append(self._finish_with_retry(book.id, report, cancel))
                    except ImportCancelled:
                        break
                else:
                    try:
                        self._reindex(book.id, report, cancel)
                    except ImportCancelled:
                        break  # a cancelled re-index keeps the book (keyword search works)
                    finished.append(self._require(book.id))
        return finished

    def _finish_with_retry(self, book_id: str, report: ProgressCallback,
                           cancel: threading.Event | None) -> Book:
        for _attempt in range(3):
            try:
                return self._finish(book_id, report, cancel)
            except _Retry:
                continue
        return self._require(book_id)

    def start_background_resume(self, progress: ProgressCallback | None = None) -> bool:
        """Resume pending work on a daemon thread (GUI start-up); False if nothing to do.

        Acts as :data:`SYSTEM`: it only finishes what a teacher started (an import cut
        short by closing the app) or rebuilds vectors for a new model, before anyone
        has signed in, so there is no person to ask."""
        if self._background is not None and self._background.is_alive():
            return False
        if self._embedder_source() is None or not self.has_unfinished_work():
            return False

        def run() -> None:
            # LibraryError: suspended (closing) or a model problem; tried again next start.
            with contextlib.suppress(LibraryError):
                self.resume_pending(SYSTEM, progress=progress)

        self._background = threading.Thread(target=run, name="library-resume", daemon=True)
        self._background.start()
        return True

    def _marks_unchecked(self) -> bool:
        return self.db.query_one("SELECT 1 FROM textbooks WHERE marks_checked = 0 "
                                 "AND status = 'ready' LIMIT 1") is not None

    def _recheck_marks(self) -> None:
        """Books imported before hyphenation marks were dropped: passages of their pages
        with U+FFFE are marked for embedding again (see the ``_MARKS_CHECK`` migration);
        :meth:`resume_pending` then re-embeds them like a model change would."""
        rows = self.db.query("SELECT id, stored_path FROM textbooks WHERE marks_checked = 0 "
                             "AND status = 'ready'")
        for row in rows:
            stored = self.library_dir / row["stored_path"] if row["stored_path"] else None
            pages = sorted(marked_pages(stored)) if stored and stored.is_file() else []
            with self.db.write() as conn:
                if pages:
                    conn.executemany(
                        "UPDATE chunks SET embedded = 0 WHERE textbook_id = ? AND recognised = 0 "
                        "AND page_start <= ? AND page_end >= ?",
                        [(row["id"], page, page) for page in pages])
                    conn.execute("UPDATE textbooks SET embed_model = '' WHERE id = ? AND EXISTS "
                                 "(SELECT 1 FROM chunks WHERE textbook_id = ? AND embedded = 0)",
                                 (row["id"], row["id"]))
                conn.execute("UPDATE textbooks SET marks_checked = 1 WHERE id = ?", (row["id"],))

    def _remove_orphan_files(self) -> None:
        """PDFs copied by an import that was killed before its first transaction."""
        if not self.library_dir.is_dir():
            return
        known = {r["stored_path"] for r in self.db.query("SELECT stored_path FROM textbooks")}
        if self._incoming_dir.is_dir():
            jobs = {f"{r['sha256']}.pdf" for r in self.db.query("SELECT sha256 FROM import_jobs")}
            for kept in self._incoming_dir.iterdir():
                if kept.name not in jobs:
                    kept.unlink(missing_ok=True)
        for candidate in self.library_dir.iterdir():
            if candidate.name.endswith(".pdf.part") or (
                    candidate.suffix == ".pdf" and candidate.name not in known):
                candidate.unlink(missing_ok=True)

    # ------------------------------------------------------------------ remove
    def remove(self, actor: Actor | None, book_id: str) -> Book:
        """Delete a book, its passages, vectors and stored file. Staff only (``NotAllowed``)."""
        require_staff(actor)
        # No job lock: removing a book while it imports is allowed, the import notices.
        book = self._require(book_id)
        with self.db.write() as conn:
            self._delete_rows(conn, book.id)
            conn.execute("DELETE FROM ocr_pages WHERE sha256 = ?", (book.sha256,))
        if book.stored_path:
            (self.library_dir / book.stored_path).unlink(missing_ok=True)
        return book

    # ----------------------------------------------------------- page viewer
    def locate_chunk(self, chunk_id: str) -> tuple[str, int] | None:
        """(book id, first page) of a passage, e.g. from a citation's ``chunk_id``."""
        row = self.db.query_one("SELECT textbook_id, page_start FROM chunks WHERE id = ?",
                                (chunk_id,))
        return (str(row["textbook_id"]), int(row["page_start"])) if row else None

    def passages(self, chunk_ids: Sequence[str]) -> list[Hit]:
        """The cited passages of a stored answer (its citations keep only ids), in the
        order asked; passages of removed or replaced books are left out."""
        ids = list(dict.fromkeys(str(i) for i in chunk_ids))
        if not ids:
            return []
        rows = self.db.query(
            "SELECT c.id, c.textbook_id, t.title, c.page_start, c.page_end, c.heading, c.text, "
            f"{LABEL_COLUMNS}, t.subject, t.language FROM chunks c "
            "JOIN textbooks t ON t.id = c.textbook_id "
            f"{LABEL_JOINS} WHERE c.id IN ({','.join('?' * len(ids))})", ids)
        by_id = {str(r["id"]): r for r in rows}
        return [Hit(chunk_id=i, textbook_id=r["textbook_id"], book=r["title"],
                    page_start=int(r["page_start"]), page_end=int(r["page_end"]),
                    heading=r["heading"], text=r["text"], score=0.0,
                    label_start=r["label_start"] or "", label_end=r["label_end"] or "",
                    subject=r["subject"] or "", language=r["language"] or "")
                for i in ids if (r := by_id.get(i)) is not None]

    def page_info(self, book_id: str, page: int) -> PageInfo:
        book = self._require(book_id)
        rows = self.db.query(
            "SELECT heading, text, page_start, page_end FROM chunks WHERE textbook_id = ? "
            "AND page_start <= ? AND page_end >= ? ORDER BY ordinal", (book_id, page, page))
        ocr = self.db.query_one(
            "SELECT text, confidence FROM ocr_pages WHERE sha256 = ? AND page = ? "
            "ORDER BY language = ? DESC, created_at DESC LIMIT 1",
            (book.sha256, page, book.language))
        text = None if ocr is not None else _page_text_from_pdf(self.pdf_path(book), page)
        if ocr is not None:
            text = unwrap_lines(str(ocr["text"]))
        if text is None:
            text = _merge_overlapping([r["text"] for r in rows])
        headings = tuple(dict.fromkeys(r["heading"] for r in rows if r["heading"]))
        # The section the page shows: one that starts on it (the page may open with the
        # end of the previous one), else the one carried over from earlier pages.
        earlier = self.db.query_one(
            "SELECT heading FROM chunks WHERE textbook_id = ? AND page_start < ? "
            "ORDER BY ordinal DESC LIMIT 1", (book_id, page))
        carried = str(earlier["heading"]) if earlier is not None else ""
        starting = [r["heading"] for r in rows
                    if int(r["page_start"]) == page and r["heading"] and r["heading"] != carried]
        section = starting[0] if starting else (carried or (headings[0] if headings else ""))
        return PageInfo(book=book, page=page, text=text, pdf_path=self.pdf_path(book),
                        headings=headings, recognised=ocr is not None,
                        confidence=float(ocr["confidence"]) if ocr is not None else None,
                        label=self.page_label(book, page), section=section)

    def page_label(self, book: Book, page: int) -> str:
        """The number printed on ``page`` (the PDF index when the book has none)."""
        if not self._has_labels(book.id):
            self.backfill_page_labels(book.id)
        row = self.db.query_one("SELECT label FROM textbook_pages WHERE textbook_id = ? "
                                "AND page = ?", (book.id, page))
        return str(row["label"]) if row is not None else str(page)

    def _has_labels(self, book_id: str) -> bool:
        return self.db.query_one("SELECT 1 FROM textbook_pages WHERE textbook_id = ? LIMIT 1",
                                 (book_id,)) is not None

    def backfill_page_labels(self, book_id: str | None = None) -> int:
        """Printed page numbers for books imported before they were kept (lazily: the
        page viewer and the app's start call this). Returns the number of books done.

        A book whose PDF is gone keeps citing PDF numbers; nothing is written, so a
        restored file is read next time.
        """
        rows = self.db.query(
            "SELECT id FROM textbooks t WHERE status = 'ready' AND NOT EXISTS "
            "(SELECT 1 FROM textbook_pages p WHERE p.textbook_id = t.id)"
            + (" AND id = ?" if book_id else ""), (book_id,) if book_id else ())
        done = 0
        for row in rows:
            book = self.get(str(row["id"]))
            path = self.pdf_path(book) if book is not None else None
            if path is None:
                continue
            try:
                labels = page_labels(path)
            except LibraryError:
                continue
            with self.db.write() as conn:
                if conn.execute("SELECT 1 FROM textbooks WHERE id = ?",
                                (row["id"],)).fetchone() is not None:
                    _store_labels(conn, str(row["id"]), labels)
            done += 1
        return done

    def pdf_path(self, book: Book) -> Path | None:
        if not book.stored_path:
            return None
        path = self.library_dir / book.stored_path
        return path if path.is_file() else None

    def render_page(self, book_id: str, page: int, width_px: int = 900) -> RenderedPage | None:
        """The page as an image, or None when the PDF is gone or unreadable."""
        path = self.pdf_path(self._require(book_id))
        if path is None:
            return None
        try:
            import pypdfium2 as pdfium

            document = pdfium.PdfDocument(str(path))
            try:
                if not 1 <= page <= len(document):
                    return None
                pdf_page = document[page - 1]
                scale = render_scale(pdf_page.get_width(), pdf_page.get_height(), width_px)
                bitmap = pdf_page.render(scale=scale, rev_byteorder=True, prefer_bgrx=True)
                rendered = RenderedPage(bitmap.width, bitmap.height, bitmap.stride,
                                        bytes(bitmap.buffer))
                pdf_page.close()
                return rendered
            finally:
                document.close()
        except Exception:  # a damaged file must not break the viewer: text is still shown
            return None


#: The page viewer never renders more than this many pixels (~32 MB as BGRx). An A4
#: page at 900 px wide is ~1.2 million; a 100 x 14,400 pt page at page width would be
#: 117 million (~930 MB with the copy) and stop a lab PC.
MAX_RENDER_PIXELS = 8_000_000


def render_scale(width_pt: float, height_pt: float, width_px: int) -> float:
    """Scale to ``width_px`` wide, reduced so the image stays under the pixel cap."""
    width_pt, height_pt = max(1.0, width_pt), max(1.0, height_pt)
    scale = width_px / width_pt
    if width_pt * height_pt * scale * scale > MAX_RENDER_PIXELS:
        # 1 % below the cap: the renderer rounds both sides up to whole pixels.
        scale = 0.99 * (MAX_RENDER_PIXELS / (width_pt * height_pt)) ** 0.5
    return scale


class _Retry(Exception):
    """Internal: vectors were dropped mid-import (model change); embed again."""


def _page_text_from_pdf(path: Path | None, page: int) -> str | None:
    if path is None:
        return None
    try:
        return page_text(path, page)
    except Exception:  # unreadable now: fall back to the stored passages
        return None


def page_text(path: Path, page: int) -> str | None:
    """One page's text straight from the PDF: headings and paragraphs on their own lines."""
    blocks = read_page(path, page)
    if blocks is None:
        return None
    return "\n\n".join(block.text for block in blocks.blocks)


def _merge_overlapping(texts: list[str]) -> str:
    """Join consecutive passages, dropping the overlap the chunker repeated."""
    merged = ""
    for text in texts:
        if not merged:
            merged = text
            continue
        overlap = 0
        for size in range(min(len(merged), len(text)), 20, -1):
            if merged.endswith(text[:size]):
                overlap = size
                break
        merged += ("" if overlap else "\n") + text[overlap:]
    return merged




def _store_labels(conn: Connection, book_id: str, labels: list[str]) -> None:
    """Write a book's printed page numbers (replacing any)."""
    conn.execute("DELETE FROM textbook_pages WHERE textbook_id = ?", (book_id,))
    conn.executemany("INSERT INTO textbook_pages (textbook_id, page, label) VALUES (?,?,?)",
                     [(book_id, number, label) for number, label in enumerate(labels, start=1)])
