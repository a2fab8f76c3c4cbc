"""The teacher's textbook library tab, and the page viewer behind a citation.

``make_library_page(services, session, parent)`` -> the tab (list, import by
file picker or drag-and-drop, progress with time left, cancel, remove).
``make_page_viewer(target, services, parent)`` -> a dialog with one page's
text and, when the PDF is on disk, the rendered page; the chat view opens it
when a citation is clicked. All PDF and model work runs on worker threads.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.i18n import tr as core_message
from tutor_desktop.core.library import (
    Book,
    BookMeta,
    ImportGrant,
    ImportProgress,
    ImportResult,
    Library,
    LibraryError,
    PageInfo,
    RenderedPage,
)
from tutor_desktop.core.library.errors import ImportCancelled, ImportSuspended
from tutor_desktop.core.library.packs import PackProgress, PackReport, import_pack
from tutor_desktop.core.retrieval import Hit
from tutor_desktop.core.subjects import SUBJECTS, subject_by_id, subject_name
from tutor_desktop.ui import dialogs
from tutor_desktop.ui.background import run_in_background
from tutor_desktop.ui.i18n import current_language
from tutor_desktop.ui.widgets import (
    MessageLabel,
    Page,
    button,
    fit_placeholder,
    form_row,
    label,
)

if TYPE_CHECKING:
    from tutor_desktop.composition import Services
    from tutor_desktop.core.accounts import Session

log = logging.getLogger(__name__)


def _library(services: Services) -> Library:
    return services.library


class _Relay(QObject):
    """Carries progress from the import thread to the GUI thread (queued signal)."""

    progressed = Signal(object)
    pack_progressed = Signal(object)  # PackProgress of a textbook pack install


@dataclass
class _Outcome:
    results: list[ImportResult]
    errors: list[tuple[str, TutorError]]
    cancelled: bool = False
    suspended: bool = False


class _ImportJob:
    """One run of imports on a worker thread that never touches the Library tab.

    Signing out deletes the tab while a book may still be importing; the job
    owns what it needs (the library, the teacher's authority, its cancel flag, a
    parentless relay and the files dropped meanwhile), so the books still end up
    ready. The tab only listens to the relay, and Qt drops that connection when
    the tab dies. The authority is an :class:`ImportGrant` the core made when the
    files were queued (``Library.authorise``: a student or a session that ran out is
    refused there), so files queued before the window signed an idle teacher out
    still import. Through the service it is the session itself (a grant cannot cross
    the socket): see docs/THREAT_MODEL.md.
    """

    def __init__(self, library: Library, actor: ImportGrant | Session | None, relay: _Relay,
                 cancel: threading.Event) -> None:
        self.library = library
        self.actor = actor
        self.relay = relay
        self.cancel = cancel
        self._lock = threading.Lock()
        self._queue: list[tuple[Path, BookMeta]] = []
        self._closed = False

    def add(self, metas: list[tuple[Path, BookMeta]]) -> bool:
        """Queue files behind the running ones; False once the job has stopped taking them."""
        with self._lock:
            if self._closed:
                return False
            self._queue.extend(metas)
            return True

    def take_queue(self) -> list[tuple[Path, BookMeta]]:
        """Files not started (the app is quitting: the job stopped early)."""
        with self._lock:
            self._closed = True
            queued, self._queue = self._queue, []
            return queued

    def _progress(self, progress: ImportProgress) -> None:  # worker thread
        with contextlib.suppress(RuntimeError):  # nobody listens any more: keep importing
            self.relay.progressed.emit(progress)

    def run(self, metas: list[tuple[Path, BookMeta]] | None) -> _Outcome:  # worker thread
        """Import ``metas`` (None: resume unfinished books), then whatever was queued.

        Cancel stops the files already started; files dropped later still import.
        """
        outcome = _Outcome([], [])
        if metas is None:
            self._resume(outcome)
        else:
            self._import(metas, outcome)
        while not outcome.suspended:
            with self._lock:
                queued, self._queue = self._queue, []
                if not queued:
                    self._closed = True
                    break
            self.cancel.clear()
            self._import(queued, outcome)
        return outcome

    def _import(self, metas: list[tuple[Path, BookMeta]], outcome: _Outcome) -> None:
        for path, meta in metas:
            try:
                outcome.results.append(self.library.import_file(
                    self.actor, path, meta, progress=self._progress, cancel=self.cancel))
            except ImportCancelled:
                outcome.cancelled = True
                break
            except ImportSuspended:
                outcome.suspended = True
                break
            except TutorError as error:
                outcome.errors.append((path.name, error))
            except OSError as error:
                outcome.errors.append((path.name, LibraryError(
                    "library_corrupt", file=path.name, reason=str(error))))

    def _resume(self, outcome: _Outcome) -> None:
        try:
            for book in self.library.resume_pending(self.actor, progress=self._progress,
                                                    cancel=self.cancel):
                outcome.results.append(ImportResult(book, "resumed"))
        except ImportSuspended:
            outcome.suspended = True


class LibraryPage(Page):
    """List, import and remove textbooks (teachers and admins)."""

    COLUMNS = 7

    def __init__(self, services: Services, session: Session | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("compact", True)
        self.setAcceptDrops(True)
        self.services = services
        self.session = session
        self.library = _library(services)
        self.books: list[Book] = []
        self.busy = False
        self._cancel = threading.Event()
        self._queue: list[tuple[Path, BookMeta]] = []  # dropped after the running job stopped
        self._grant: ImportGrant | Session | None = None  # checked when files were queued
        self._job: _ImportJob | None = None
        self._relay = _Relay()  # no parent: the running job may outlive this tab
        self._relay.progressed.connect(self._on_progress)
        self._relay.pack_progressed.connect(self._on_pack_progress)
        self.last_pack_report: PackReport | None = None
        self.last_outcome: _Outcome | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.setSpacing(10)
        self.hint = label("hint", align=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.hint)

        form_frame = QFrame()
        form_frame.setProperty("card", True)
        form_layout = QHBoxLayout(form_frame)
        form_layout.setContentsMargins(16, 10, 16, 10)
        fields = QFormLayout()
        self.title_edit = QLineEdit()
        self.subject_combo = QComboBox()
        for subject in SUBJECTS:
            self.subject_combo.addItem("", subject.id)
        self.grade_spin = QSpinBox()
        self.grade_spin.setRange(1, 12)
        self.grade_spin.setValue(7)
        self.language_combo = QComboBox()
        self.language_combo.addItem("Монгол", "mn")
        self.language_combo.addItem("English", "en")
        self.title_caption = form_row(fields, self.title_edit)
        self.subject_caption = form_row(fields, self.subject_combo)
        self.grade_caption = form_row(fields, self.grade_spin)
        self.language_caption = form_row(fields, self.language_combo)
        self.title_edit.setMaximumWidth(440)
        for narrow in (self.subject_combo, self.language_combo):
            narrow.setMinimumWidth(260)
        self.grade_spin.setMaximumWidth(120)
        form_layout.addLayout(fields)
        form_layout.addStretch(1)
        actions = QVBoxLayout()
        self.import_button = button("primary")
        self.import_button.clicked.connect(self.choose_files)
        actions.addWidget(self.import_button)
        self.pack_button = button()
        self.pack_button.clicked.connect(self.choose_pack)
        actions.addWidget(self.pack_button)
        actions.addStretch(1)
        form_layout.addLayout(actions)
        layout.addWidget(form_frame)

        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress_label = label("hint", align=Qt.AlignmentFlag.AlignLeft)
        self.cancel_button = button()
        self.cancel_button.clicked.connect(self.cancel_import)
        progress_row.addWidget(self.progress, 2)
        progress_row.addWidget(self.progress_label, 3)
        progress_row.addWidget(self.cancel_button)
        layout.addLayout(progress_row)
        self._set_progress_visible(False)

        self.message = MessageLabel()
        layout.addWidget(self.message)

        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, self.COLUMNS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemDoubleClicked.connect(lambda _item: self.open_selected())
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.open_button = button()
        self.open_button.clicked.connect(self.open_selected)
        self.remove_button = button("danger")
        self.remove_button.clicked.connect(self.remove_selected)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.remove_button)
        layout.addLayout(buttons)

        self.retranslate_ui()
        self.refresh()
        if self.library is None:
            self.import_button.setEnabled(False)
            self.pack_button.setEnabled(False)
        else:
            QTimer.singleShot(0, self.resume_pending)

    # ------------------------------------------------------------- texts
    def retranslate_ui(self) -> None:
        self.hint.setText(self.tr(
            "Import textbooks as PDF files: click Import PDF… or drop the files here. Students get "
            "answers from the books of their grade and subject, with page numbers."))
        self.title_caption.setText(self.tr("Title"))
        self.title_edit.setPlaceholderText(self.tr("e.g. Biology 7 (optional)"))
        # The hint must show whole in every language (Mongolian is longer).
        fit_placeholder(self.title_edit, cap=440)
        self.subject_caption.setText(self.tr("Subject"))
        self.grade_caption.setText(self.tr("Grade"))
        self.language_caption.setText(self.tr("Language"))
        language = current_language()
        for index in range(self.subject_combo.count()):
            subject = subject_by_id(str(self.subject_combo.itemData(index)))
            if subject is not None:
                self.subject_combo.setItemText(index, subject.name(language))
        self.import_button.setText(self.tr("Import PDF…"))
        self.pack_button.setText(self.tr("Import a textbook pack…"))
        self.pack_button.setToolTip(self.tr(
            "Install the books of a textbook pack (made with tutor library export) from a "
            "USB stick: no re-indexing on this computer."))
        self.cancel_button.setText(self.tr("Cancel"))
        self.open_button.setText(self.tr("Open"))
        self.remove_button.setText(self.tr("Remove"))
        self.table.setHorizontalHeaderLabels([
            self.tr("Title"), self.tr("Grade"), self.tr("Subject"), self.tr("Language"),
            self.tr("Pages"), self.tr("Passages"), self.tr("Status")])
        self._fill_table()

    # -------------------------------------------------------------- list
    def refresh(self) -> None:
        self.books = self.library.books() if self.library is not None else []
        self._fill_table()

    def _fill_table(self) -> None:
        language = current_language()
        self.table.setRowCount(len(self.books))
        for row, book in enumerate(self.books):
            subject = subject_by_id(book.subject)
            if book.status != "ready":
                status = self.tr("importing…")
            elif book.embed_model == "":
                status = self.tr("updating search…")
            else:
                status = self.tr("ready")
            values = [book.title, str(book.grade),
                      subject.name(language) if subject else book.subject,
                      "Монгол" if book.language == "mn" else "English",
                      str(book.page_count), str(book.chunk_count), status]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, book.id)
                self.table.setItem(row, column, item)

    def selected_book(self) -> Book | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        index = rows[0].row()
        return self.books[index] if 0 <= index < len(self.books) else None

    # ------------------------------------------------------------ import
    def current_meta(self, path: Path) -> BookMeta:
        title = self.title_edit.text().strip()
        return BookMeta(title=title or path.stem.replace("_", " "),
                        grade=self.grade_spin.value(),
                        subject=str(self.subject_combo.currentData()),
                        language=str(self.language_combo.currentData()))

    def choose_files(self) -> None:
        files = dialogs.open_files(self, self.tr("Choose textbook PDFs"),
                                   self.tr("PDF files (*.pdf)"), str(Path.home()))
        if files:
            self.import_files([Path(f) for f in files])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.library is not None and _pdf_urls(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _pdf_urls(event.mimeData().urls())
        if paths:
            event.acceptProposedAction()
            self.import_files(paths)

    def import_files(self, paths: list[Path]) -> None:
        """Queue PDFs with the metadata in the form; they import one after another."""
        if self.library is None or not paths:
            return
        metas = [(path, self.current_meta(path)) for path in paths]
        if len(metas) > 1 and self.title_edit.text().strip():
            # one typed title cannot name several books: each keeps its file name
            metas = [(path, BookMeta(path.stem.replace("_", " "), meta.grade, meta.subject,
                                     meta.language)) for path, meta in metas]
        self.title_edit.clear()
        if not self._authorise():
            return
        if self.busy:  # dropped while another import runs: it follows
            if self._job is None or not self._job.add(metas):
                self._queue.extend(metas)
            return
        self._start(metas)

    def resume_pending(self) -> None:
        """Finish imports interrupted by a crash/kill, or re-index after a model change."""
        if self.library is None or self.busy:
            return
        try:
            if not self.library.has_unfinished_work():
                return
        except Exception:
            log.exception("could not check for unfinished imports")
            return
        if self._authorise():
            self._start(None)

    def _authorise(self) -> bool:
        """The core's staff rule, checked now, when files are queued (or a resume starts).

        In-process the core returns an :class:`ImportGrant`: the queued files then import
        even if the window signs the teacher out for inactivity meanwhile. Through the
        service the grant cannot cross the socket, so each file still goes with the
        session (the remaining difference is in docs/THREAT_MODEL.md)."""
        try:
            if isinstance(self.library, Library):
                self._grant = self.library.authorise(self.session)
            else:
                self._grant = self.session
        except TutorError as error:
            self.message.show_error(error)
            return False
        return True

    def _start(self, metas: list[tuple[Path, BookMeta]] | None) -> None:
        """Import ``metas`` (None: resume unfinished books) on a worker thread."""
        assert self.library is not None
        self.busy = True
        self._cancel = threading.Event()
        self._job = _ImportJob(self.library, self._grant, self._relay, self._cancel)
        self.message.clear_message()
        self.progress.setValue(0)
        self.progress_label.setText(self.tr("Reading…"))
        self._set_progress_visible(True)
        self.import_button.setEnabled(False)
        run_in_background(self._job.run, metas, on_done=self._finished, on_error=self._failed,
                          context=self)

    def _on_progress(self, progress: ImportProgress) -> None:
        self.progress.setValue(int(progress.fraction * 1000))
        self._show_in_list(progress)
        parts = [progress.file]
        if progress.stage == "reading":
            parts.append(self.tr("page {done} of {total}").format(
                done=progress.pages_done, total=progress.pages_total))
        elif progress.stage == "recognising":
            parts.append(self.tr("recognising scanned page {done} of {total}").format(
                done=progress.pages_done, total=progress.pages_total))
        elif progress.chunks_total:
            parts.append(self.tr("{pages} pages, passage {done} of {total}").format(
                pages=progress.pages_total, done=progress.chunks_done,
                total=progress.chunks_total))
        if progress.seconds_left is not None and progress.stage in ("embedding",
                                                                     "recognising"):
            parts.append(self.tr("about {time} left").format(
                time=_duration(progress.seconds_left)))
        self.progress_label.setText(" · ".join(parts))

    def _show_in_list(self, progress: ImportProgress) -> None:
        """The book is in the list while it imports, as «importing 45 %»: listed as soon
        as the core has stored its row (re-read on each new stage, not on every tick)."""
        stage = (progress.file, progress.stage)
        if stage != getattr(self, "_listed_stage", None):
            self._listed_stage = stage
            self.refresh()
        percent = round(progress.fraction * 100)
        for row, book in enumerate(self.books):
            if book.status != "ready" and book.title == progress.file:
                item = self.table.item(row, self.COLUMNS - 1)
                if item is not None:
                    item.setText(self.tr("importing {percent} %").format(percent=percent))

    def cancel_import(self) -> None:
        self._cancel.set()
        self.progress_label.setText(self.tr("Cancelling…"))

    def _finished(self, outcome: _Outcome) -> None:
        self.busy = False
        if self._job is not None:  # files it did not start (suspended) follow
            self._queue[:0] = self._job.take_queue()
            self._job = None
        self.last_outcome = outcome
        self._set_progress_visible(False)
        self.import_button.setEnabled(True)
        self.refresh()
        if outcome.errors or outcome.cancelled or outcome.results:
            self.message.show_text(lambda: self._outcome_text(outcome),
                                   success=not (outcome.errors or outcome.cancelled))
        if self._queue:
            queued, self._queue = self._queue, []
            self._start(queued)
        elif not outcome.cancelled and not outcome.suspended:
            QTimer.singleShot(0, self.resume_pending)  # e.g. re-index after a model change

    def _outcome_text(self, outcome: _Outcome) -> str:
        lines = [error.message(current_language()) for _name, error in outcome.errors]
        if outcome.cancelled:
            lines.append(self.tr("Import cancelled; nothing was kept."))
        lines += [_result_text(result) for result in outcome.results]
        return "\n".join(lines)

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self._job = None
        self._set_progress_visible(False)
        self.import_button.setEnabled(self.library is not None)
        self.refresh()
        self.message.show_error(error)

    def _set_progress_visible(self, visible: bool) -> None:
        for widget in (self.progress, self.progress_label, self.cancel_button):
            widget.setVisible(visible)

    # ------------------------------------------------------ textbook packs
    def choose_pack(self) -> None:
        folder = dialogs.choose_folder(self, self.tr("Choose the textbook pack folder"),
                                       str(Path.home()))
        if folder:
            self.import_pack(Path(folder))

    def import_pack(self, folder: Path) -> None:
        """Install a textbook pack on a worker thread; the bar counts books."""
        if self.library is None or self.busy:
            return
        library, relay = self.library, self._relay

        def report(progress: PackProgress) -> None:  # worker thread
            with contextlib.suppress(RuntimeError):  # the tab is gone: keep installing
                relay.pack_progressed.emit(progress)

        self.busy = True
        self.message.clear_message()
        self.progress.setValue(0)
        self.progress_label.setText(self.tr("Checking the pack…"))
        self._set_progress_visible(True)
        self.cancel_button.setVisible(False)  # each book is one short step: nothing to cancel
        self.import_button.setEnabled(False)
        self.pack_button.setEnabled(False)
        run_in_background(import_pack, self.session, library, folder, progress=report,
                          on_done=self._pack_finished, on_error=self._pack_failed, context=self)

    def _on_pack_progress(self, progress: PackProgress) -> None:
        self.progress.setValue(int(progress.fraction * 1000))
        if progress.title:
            self.progress_label.setText(self.tr("Book {done} of {total}: {title}").format(
                done=progress.books_done + 1, total=progress.books_total, title=progress.title))

    def _pack_finished(self, report: PackReport) -> None:
        self.last_pack_report = report
        self._pack_done()

        def render() -> str:
            language = current_language()
            return "\n".join(
                core_message(b.message_id, language, **b.params) if b.message_id
                else core_message(f"textbook_pack_{b.outcome}", language, title=b.title)
                for b in report.books)

        self.message.show_text(render, success=not report.skipped)

    def _pack_failed(self, error: BaseException) -> None:
        self._pack_done()
        self.message.show_error(error)

    def _pack_done(self) -> None:
        self.busy = False
        self._set_progress_visible(False)
        self.import_button.setEnabled(True)
        self.pack_button.setEnabled(True)
        self.refresh()
        if self._queue:  # PDFs dropped during the install follow
            queued, self._queue = self._queue, []
            self._start(queued)

    # ------------------------------------------------------- open/remove
    def open_selected(self) -> None:
        book = self.selected_book()
        if book is None or not book.searchable:
            return
        dialog = make_page_viewer({"book_id": book.id, "page": 1}, self.services, self)
        dialog.show()

    def remove_selected(self) -> None:
        book = self.selected_book()
        if book is None or self.library is None:
            return
        answer = QMessageBox.question(
            self, self.tr("Remove textbook"),
            self.tr("Remove \"{title}\" from the library? Students will no longer get answers "
                    "from it.").format(title=book.title))
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.remove_book(book.id)

    def remove_book(self, book_id: str) -> None:
        if self.library is None:
            return
        library = self.library
        run_in_background(library.remove, self.session, book_id,
                          on_done=lambda _book: self.refresh(),
                          on_error=self.message.show_error, context=self)

    def shutdown(self) -> None:
        """The tab is going away (sign-out). A running import keeps going in the background.

        Files dropped after the running job stopped taking them (it was about to
        end) would be lost with the tab: they get a job of their own.
        """
        if self._queue and self.library is not None:
            queued, self._queue = self._queue, []
            job = _ImportJob(self.library, self._grant, self._relay, threading.Event())
            run_in_background(job.run, queued)


def _pdf_urls(urls: list[Any]) -> list[Path]:
    return [Path(url.toLocalFile()) for url in urls
            if url.isLocalFile() and url.toLocalFile().lower().endswith(".pdf")]


def _duration(seconds: float) -> str:
    whole = max(0, round(seconds))
    if whole < 60:
        return QCoreApplication.translate("LibraryPage", "{s} s").format(s=whole)
    return QCoreApplication.translate("LibraryPage", "{m} min {s} s").format(
        m=whole // 60, s=f"{whole % 60:02d}")


def _result_text(result: ImportResult) -> str:
    book = result.book
    language = current_language()
    # Names, not codes: "Мэдээлэл зүй, монгол хэл", never "informatics, mn".
    text = core_message(f"library_{result.outcome}", language, title=book.title,
                        grade=book.grade, subject=subject_name(book.subject, language),
                        lang=core_message(f"language_name_{book.language}", language)
                        if book.language in ("mn", "en") else book.language,
                        pages=book.page_count, chunks=book.chunk_count)
    if result.recognised_pages and result.ocr_pages_per_second:
        text += "\n" + core_message("ocr_recognised_pages", current_language(),
                                    count=len(result.recognised_pages),
                                    seconds=round(len(result.recognised_pages)
                                                  / result.ocr_pages_per_second))
    if result.low_confidence_pages:  # scanned pages OCR found hard to read
        text += "\n" + core_message("ocr_low_confidence_pages", current_language(),
                                    pages=", ".join(map(str, result.low_confidence_pages)))
    return text


def make_library_page(services: Services, session: Session | None,
                      parent: QWidget | None = None) -> QWidget:
    """The Library tab of the teacher area (called by ui/pages/teacher.py)."""
    return LibraryPage(services, session, parent)


# =============================================================== page viewer
@dataclass(frozen=True)
class PageTarget:
    book_id: str
    page: int
    passage: str = ""     # the quoted passage, shown above the page text


def resolve_target(target: Any, library: Library) -> PageTarget:
    """Accepts a :class:`Hit`, a :class:`PageInfo`, a citation dict or (book_id, page)."""
    if isinstance(target, Hit):
        return PageTarget(target.textbook_id, target.page_start, target.text)
    if isinstance(target, PageInfo):
        return PageTarget(target.book.id, target.page)
    if isinstance(target, tuple) and len(target) == 2:
        return PageTarget(str(target[0]), int(target[1]))
    if isinstance(target, dict):
        book_id = target.get("textbook_id") or target.get("book_id")
        page = target.get("page") or target.get("page_start")
        if (not book_id or not page) and target.get("chunk_id"):
            located = library.locate_chunk(str(target["chunk_id"]))
            if located is not None:
                book_id = book_id or located[0]
                page = page or located[1]
        if book_id and page:
            return PageTarget(str(book_id), int(page), str(target.get("text", "")))
    raise LibraryError("library_unknown_book", id=str(target))


class _FitWidthImage(QLabel):
    """Shows a page image scaled to the available width (rendered larger for sharpness)."""

    def __init__(self) -> None:
        super().__init__()
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setWordWrap(True)
        self.setMinimumWidth(200)
        self._image: QImage | None = None

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self.clear()
        self._rescale()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._image is None or self._image.isNull():
            return
        width = max(100, self.width() - 4)
        if self.pixmap() is not None and not self.pixmap().isNull() \
                and self.pixmap().width() == width:
            return
        scaled = self._image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        self.setPixmap(QPixmap.fromImage(scaled))


class PageViewer(QDialog):
    """One textbook page: its text (always) and the rendered PDF page (when on disk)."""

    loaded = Signal()

    def __init__(self, target: PageTarget, library: Library,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.target = target
        self.page_number = target.page
        self.info: PageInfo | None = None
        self.image: QImage | None = None
        self._fit_to_screen(parent)
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        self.title = label("section", align=Qt.AlignmentFlag.AlignLeft)
        self.previous_button = button()
        self.previous_button.clicked.connect(lambda: self.show_page(self.page_number - 1))
        self.next_button = button()
        self.next_button.clicked.connect(lambda: self.show_page(self.page_number + 1))
        # The title on its own line: beside the buttons a long section name wrapped into
        # three lines that the row cut off.
        layout.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.previous_button)
        header.addWidget(self.next_button)
        layout.addLayout(header)
        self.passage = QLabel()
        self.passage.setWordWrap(True)
        self.passage.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.passage.setStyleSheet("background: #FFF7D6; border-left: 4px solid #F2A93B; "
                                   "padding: 8px 12px;")
        self.passage.setVisible(bool(target.passage))
        self.passage.setText(target.passage)
        layout.addWidget(self.passage)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        splitter.addWidget(self.text)
        self.picture = _FitWidthImage()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.picture)
        splitter.addWidget(scroll)
        splitter.setSizes([420, 680])
        layout.addWidget(splitter, 1)
        self.note = label("hint", align=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.note)
        self.previous_button.setText(self.tr("◀ Previous page"))
        self.next_button.setText(self.tr("Next page ▶"))
        self.show_page(target.page)

    def _fit_to_screen(self, parent: QWidget | None) -> None:
        """1100×760 where there is room; on a lab PC's 1024×768 (taskbar included) or
        1366×768 screen, a little less than the free area, so nothing is off screen."""
        screen = (parent.screen() if parent is not None else None) or self.screen()
        area = screen.availableGeometry() if screen is not None else None
        width, height = 1100, 760
        if area is not None:
            width, height = min(width, area.width() - 40), min(height, area.height() - 60)
        self.resize(max(480, width), max(360, height))

    def show_page(self, page: int) -> None:
        book = self.info.book if self.info else None
        if page < 1 or (book is not None and page > book.page_count):
            return
        self.page_number = page
        self.text.setPlainText(self.tr("Loading…"))
        self.picture.set_image(None)
        self.note.clear()
        run_in_background(self._load, self.target.book_id, page, on_done=self._loaded,
                          on_error=self._load_failed, context=self)

    def _load(self, book_id: str, page: int) -> tuple[PageInfo, RenderedPage | None]:
        info = self.library.page_info(book_id, page)  # worker thread
        return info, self.library.render_page(book_id, page, width_px=900)

    def _loaded(self, result: tuple[PageInfo, RenderedPage | None]) -> None:
        info, rendered = result
        self.info = info
        # The number printed on the page (what the book's reader looks up), and the
        # section the page actually shows, not the one a passage began in.
        page_label = self.tr("p. {page}").format(page=info.label or info.page)
        self.setWindowTitle(f"{info.book.title} — {page_label}")
        self.title.setText(f"{info.book.title}, {page_label}"
                           + (f" · {info.section}" if info.section else ""))
        self.text.setPlainText(info.text)
        if info.recognised:  # a scanned page: the text is what OCR read, not the book's own
            self.note.setText(self.tr("Recognised text (OCR, {percent} % sure): it may contain "
                                      "mistakes; the picture shows the page as printed.").format(
                percent=round(100 * (info.confidence or 0.0))))
        self.previous_button.setEnabled(info.page > 1)
        self.next_button.setEnabled(info.page < info.book.page_count)
        if rendered is not None:
            image = QImage(rendered.data, rendered.width, rendered.height, rendered.stride,
                           QImage.Format.Format_RGBX8888).copy()
            self.image = image
            self.picture.set_image(image)
        else:
            self.image = None
            self.picture.set_image(None)
            self.picture.setText(self.tr("The PDF file is not on this computer; "
                                         "showing the page's text."))
        self.loaded.emit()

    def _load_failed(self, error: BaseException) -> None:
        message = error.message(current_language()) if isinstance(error, TutorError) else str(error)
        self.text.setPlainText(message)
        self.loaded.emit()


def make_page_viewer(hit_or_page_info: Any, services: Services,
                     parent: QWidget | None = None) -> QDialog:
    """A non-modal dialog showing the cited page; call ``.show()`` (or ``.exec()``).

    ``hit_or_page_info``: a :class:`~tutor_desktop.core.retrieval.Hit`, a
    :class:`~tutor_desktop.core.library.PageInfo`, a citation dict from
    ``tutor ask --json`` (``chunk_id`` and/or ``textbook_id``/``book_id`` +
    ``page``), or a ``(book_id, page)`` tuple.
    """
    library = _library(services)
    dialog = PageViewer(resolve_target(hit_or_page_info, library), library, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    return dialog


def on_main_window(window: Any, services: Services) -> None:
    """App start: finish interrupted imports in the background; pause them when quitting."""
    library = _library(services)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(library.suspend)
    QTimer.singleShot(3000, library.start_background_resume)
    # Books imported before printed page numbers were kept get them now.
    QTimer.singleShot(4000, lambda: run_in_background(library.backfill_page_labels))
