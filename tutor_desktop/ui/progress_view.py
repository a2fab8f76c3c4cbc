"""Learning progress in the window: the student's "My progress" and practice screens,
the teacher's class dashboard and topic editor.

All data comes from :class:`tutor_desktop.core.progress.ProgressService`, which checks
who may see what. The level chart is drawn with QPainter: QtCharts is only in
PySide6-Addons (large), and one bar chart does not justify it.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import textwrap
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QEvent,
    QModelIndex,
    QObject,
    QPointF,
    QRect,
    QRectF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QHelpEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStyleOptionHeader,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QToolTip,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from tutor_desktop.core.accounts import Session
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.i18n import tr as core_message
from tutor_desktop.ui import dialogs
from tutor_desktop.ui.background import BackgroundTask, run_in_background
from tutor_desktop.ui.i18n import current_language
from tutor_desktop.ui.widgets import Page, button, label

if TYPE_CHECKING:
    from tutor_desktop.composition import Services
    from tutor_desktop.core.progress import (
        ClassProgress,
        Feedback,
        PracticeItem,
        ProgressService,
        StudentProgress,
    )

log = logging.getLogger(__name__)

LEVEL_COLOURS = {"beginner": "#F4CCCC", "intermediate": "#FFE599", "advanced": "#B6D7A8",
                 "mastered": "#6AA84F"}
LEVEL_ORDER = ("beginner", "intermediate", "advanced", "mastered")


def level_name(level: str) -> str:
    return core_message(f"level_{level}", current_language()) if level else ""


def progress_service(services: Services) -> ProgressService | None:
    service: ProgressService | None = getattr(services, "progress", None)
    return service


HEADER_LINE_CHARS = 12         # a topic title's header line: about a level name's width
HEADER_LINES = 3


@functools.lru_cache(maxsize=4096)     # pure; a refresh wraps every topic's title
def wrap_title(title: str, width: int = HEADER_LINE_CHARS, lines: int = HEADER_LINES) -> str:
    """A topic title for a column header, on at most ``lines`` lines, whole.

    Why: cut to one line in a column a level name wide, Mongolian titles showed as
    "л хэрхэн хоо" on a 1024-pixel lab screen. Words are never split; a title too long
    for ``lines`` lines of ``width`` gets longer lines (a wider column), never "…"."""
    words = " ".join(title.split())
    for room in range(width, max(width, len(words)) + 1):
        wrapped = textwrap.wrap(words, room, break_long_words=False, break_on_hyphens=False)
        if len(wrapped) <= lines:
            return "\n".join(wrapped)
    return words


class _Indexing(QObject):
    """Books imported before learning progress get their topics and items at start, on
    a worker thread (it re-reads each PDF: seconds for a school's library, which the
    window must not spend frozen). The progress screens listen for the end."""

    finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.running = False


_INDEXING: _Indexing | None = None


def indexing() -> _Indexing:
    global _INDEXING
    if _INDEXING is None:
        _INDEXING = _Indexing()
    return _INDEXING


def index_books_in_background(services: Services, context: QObject) -> BackgroundTask | None:
    """Start the backfill of older books' topics (``ProgressService.ensure_indexed``) on
    the shared worker pool; the screens refresh when it ends."""
    service = progress_service(services)
    if service is None:
        return None
    hub = indexing()
    hub.running = True

    def done(_books: object) -> None:
        hub.running = False
        hub.finished.emit()

    def failed(error: BaseException) -> None:
        hub.running = False
        log.warning("could not index the topics of older books: %s", error)
        hub.finished.emit()

    return run_in_background(service.ensure_indexed, on_done=done, on_error=failed,
                             context=context)


def _level_item(level: str) -> QTableWidgetItem:
    item = QTableWidgetItem(level_name(level) or "—")
    item.setData(Qt.ItemDataRole.UserRole, LEVEL_ORDER.index(level) if level else -1)
    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
    if level:
        item.setBackground(QBrush(QColor(LEVEL_COLOURS[level])))
        if level == "mastered":
            item.setForeground(QBrush(QColor("white")))
    return item


# ================================================================ student side
class MyProgressPage(Page):
    """Per subject, each topic with the student's level and a "Practise" button."""

    practise = Signal(str, str)         # topic id, topic title ("" = due reviews)
    practise_assignment = Signal(str, str)  # practice set id, its title
    back = Signal()

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.session: Session | None = None
        self.rows: list[tuple[str, str]] = []      # (topic id, title) per table row
        layout = QVBoxLayout(self)
        layout.setContentsMargins(30, 16, 30, 16)
        top = QHBoxLayout()
        self.back_button = button("back")
        self.back_button.setObjectName("progressBack")
        self.back_button.clicked.connect(self.back.emit)
        self.title = label("title", align=Qt.AlignmentFlag.AlignCenter)
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        top.addSpacing(self.back_button.sizeHint().width())
        layout.addLayout(top)
        due_row = QHBoxLayout()
        self.due_label = label("section")
        self.due_label.setObjectName("progressDue")
        self.review_button = button("primary")
        self.review_button.setObjectName("progressReview")
        self.review_button.clicked.connect(lambda: self.practise.emit("", ""))
        due_row.addWidget(self.due_label, 1)
        due_row.addWidget(self.review_button)
        layout.addLayout(due_row)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("progressTable")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().setDefaultSectionSize(46)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)
        self.progress: StudentProgress | None = None
        self.retranslate_ui()
        indexing().finished.connect(self._indexed)
        self.indexing_task = index_books_in_background(services, self)

    def _indexed(self) -> None:
        if self.session is not None and self.isVisible():
            self.refresh()

    def set_session(self, session: Session | None) -> None:
        self.session = session
        if session is None or self.isVisible():
            self.refresh()

    def on_shown(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        service = progress_service(self.services)
        for row in range(self.table.rowCount()):
            old = self.table.cellWidget(row, 3)
            if old is not None:
                old.setObjectName("")       # deleted later: never found by name again
        self.table.setRowCount(0)
        self.rows = []
        if self.session is None or service is None:
            return
        self.progress = service.my_progress(self.session)
        levels = {t.topic_id: t for topics in self.progress.subjects.values() for t in topics}
        grade = self._grade()
        # every section (a topic without items says so and offers the tutor when opened)
        topics = [t for t in service.topics()
                  if (t.item_count > 0 or t.id in levels or t.level == 2 or t.source == "pages")
                  and self._book_grade(t) in (grade, None)]
        for assignment in service.my_assignments(self.session):
            self._add_assignment(assignment)
        subject = ""
        for topic in topics:
            if topic.subject != subject:
                subject = topic.subject
                self._add_heading(topic.book)
            mine = levels.get(topic.id)
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.rows.append((topic.id, topic.title))
            self.table.setItem(row, 0, QTableWidgetItem(topic.title))
            self.table.setItem(row, 1, _level_item(mine.level if mine else ""))
            answers = f"{mine.correct}/{mine.attempts}" if mine and mine.attempts else ""
            self.table.setItem(row, 2, QTableWidgetItem(answers))
            practise = QPushButton(self.tr("Practise"))
            practise.setObjectName(f"practise:{topic.id}")
            practise.clicked.connect(
                lambda _=False, t=topic.id, n=topic.title: self.practise.emit(t, n))
            self._place(row, practise)
        self._update_due()

    def _add_assignment(self, assignment: Any) -> None:
        """A practice set from the teacher, at the top: title, due date, done or not."""
        assert self.session is not None
        done = assignment.done.get(self.session.user.id, 0)
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.rows.append(("", assignment.title))
        title = QTableWidgetItem(self.tr("Practice set: %1 (due %2)")
                                 .replace("%1", assignment.title)
                                 .replace("%2", assignment.due_date))
        font = QFont(title.font())
        font.setBold(True)
        title.setFont(font)
        self.table.setItem(row, 0, title)
        self.table.setItem(row, 2, QTableWidgetItem(f"{done}/{assignment.item_count}"))
        start = QPushButton(self.tr("Done") if done >= assignment.item_count
                            else self.tr("Start"))
        start.setObjectName(f"assignment:{assignment.id}")
        start.setEnabled(done < assignment.item_count)
        start.clicked.connect(lambda _=False, a=assignment.id, t=assignment.title:
                              self.practise_assignment.emit(a, t))
        self._place(row, start)

    def _place(self, row: int, push: QPushButton) -> None:
        """A row's button, with the row as tall as the button (the style's padding and
        its shadow made neighbouring buttons overlap in 46-pixel rows)."""
        push.ensurePolished()
        self.table.setCellWidget(row, 3, push)
        self.table.setRowHeight(row, max(46, push.sizeHint().height() + 8))

    def _grade(self) -> int | None:
        if self.session is None or not self.session.user.class_id:
            return None
        try:
            return self.services.accounts.get_class(self.session.user.class_id).grade
        except TutorError:
            return None

    def _book_grade(self, topic: Any) -> int | None:
        """Through the library (a core call), so it works through ``tutor service`` too."""
        book = self.services.library.get(topic.textbook_id)
        return int(book.grade) if book is not None else None

    def _add_heading(self, text: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.rows.append(("", text))
        item = QTableWidgetItem(text)
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)
        self.table.setItem(row, 0, item)
        self.table.setSpan(row, 0, 1, 4)

    def _update_due(self) -> None:
        service = progress_service(self.services)
        count = service.due_count(self.session) if service and self.session else 0
        self.due_label.setText(self.tr("%1 items to review today").replace("%1", str(count)))
        if indexing().running:
            self.due_label.setText(self.tr("Finding the topics in the textbooks…"))
        self.review_button.setVisible(count > 0)

    def level_of(self, title: str) -> str:
        for row, (_topic, name) in enumerate(self.rows):
            if name == title:
                item = self.table.item(row, 1)
                return item.text() if item else ""
        return ""

    def retranslate_ui(self) -> None:
        self.back_button.setText(self.tr("← Back"))
        self.title.setText(self.tr("My progress"))
        self.review_button.setText(self.tr("Review now"))
        self.table.setHorizontalHeaderLabels([self.tr("Topic"), self.tr("Level"),
                                              self.tr("Right"), ""])
        if self.session is not None:
            self._update_due()


class PracticePage(Page):
    """Practice items one at a time, feedback at once, a summary at the end."""

    done = Signal()
    ask_tutor = Signal(str)         # a subject id: the topic has no items, the tutor helps

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.session: Session | None = None
        self.items: list[PracticeItem] = []
        self.index = 0
        self.right = 0
        self.first_level = ""
        self.last: Feedback | None = None
        self.started = time.monotonic()
        self.topic_title = ""
        self.assignment_id = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(60, 20, 60, 20)
        top = QHBoxLayout()
        self.back_button = button("back")
        self.back_button.setObjectName("practiceBack")
        self.back_button.clicked.connect(self.done.emit)
        self.title = label("section", align=Qt.AlignmentFlag.AlignCenter)
        self.counter = label("subtitle")
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        top.addWidget(self.counter)
        layout.addLayout(top)
        layout.addSpacing(10)
        self.prompt = label("practicePrompt")
        self.prompt.setObjectName("practicePrompt")
        self.prompt.setStyleSheet("font-size: 22px;")
        layout.addWidget(self.prompt)
        self.choices_box = QVBoxLayout()
        layout.addLayout(self.choices_box)
        answer_row = QHBoxLayout()
        self.answer = QLineEdit()
        self.answer.setObjectName("practiceAnswer")
        self.answer.setMinimumHeight(44)
        self.answer.returnPressed.connect(lambda: self.check())
        self.check_button = button("primary")
        self.check_button.setObjectName("practiceCheck")
        self.check_button.clicked.connect(lambda: self.check())
        answer_row.addWidget(self.answer, 1)
        answer_row.addWidget(self.check_button)
        layout.addLayout(answer_row)
        self.feedback = QLabel()
        self.feedback.setObjectName("practiceFeedback")
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.RichText)
        self.feedback.linkActivated.connect(self.open_source)
        self.feedback.setStyleSheet("font-size: 19px; padding: 10px; border-radius: 8px;")
        layout.addWidget(self.feedback)
        self.next_button = button("primary")
        self.next_button.setObjectName("practiceNext")
        self.next_button.clicked.connect(self.next_item)
        layout.addWidget(self.next_button, 0, Qt.AlignmentFlag.AlignRight)
        self.subject = ""
        self.tutor_button = button("primary")
        self.tutor_button.setObjectName("practiceAskTutor")
        self.tutor_button.clicked.connect(lambda: self.ask_tutor.emit(self.subject))
        self.tutor_button.hide()
        layout.addWidget(self.tutor_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.choice_buttons: list[QPushButton] = []
        self.viewer: QWidget | None = None
        self.retranslate_ui()

    def start_assignment(self, session: Session, assignment_id: str, title: str) -> None:
        """A teacher's practice set: its items, answers counted towards it."""
        service = progress_service(self.services)
        self.session = session
        self.topic_title = title
        self.assignment_id = assignment_id
        self.subject = ""
        self.items = service.assignment_items(session, assignment_id) if service else []
        self.index = self.right = 0
        self.first_level = ""
        self.last = None
        self._show_item()

    def start(self, session: Session, topic_id: str, title: str) -> None:
        """Five items on a topic ("" = the student's due reviews)."""
        self.session = session
        self.assignment_id = ""
        service = progress_service(self.services)
        self.topic_title = title
        topic = service.topic(topic_id) if service is not None and topic_id else None
        self.subject = topic.subject if topic is not None else ""
        if service is None:
            self.items = []
        elif topic_id:
            self.items = service.practice_set(session, topic_id)
        else:
            self.items = service.review_items(session)
        self.index = self.right = 0
        self.first_level = ""
        self.last = None
        self._show_item()

    def _show_item(self) -> None:
        for old in self.choice_buttons:
            old.setObjectName("")
            old.hide()
            self.choices_box.removeWidget(old)
            old.deleteLater()
        self.choice_buttons = []
        self.feedback.setText("")
        self.feedback.setStyleSheet("font-size: 19px; padding: 10px;")
        self.next_button.hide()
        self.tutor_button.hide()
        if not self.items:
            self.prompt.setText(core_message("practice_no_items", current_language()))
            self.answer.hide()
            self.check_button.hide()
            self.counter.setText("")
            self.tutor_button.setVisible(bool(self.subject))
            return
        if self.index >= len(self.items):
            self._show_summary()
            return
        item = self.items[self.index]
        self.counter.setText(f"{self.index + 1} / {len(self.items)}")
        self.prompt.setText(item.prompt)
        self.answer.clear()
        choice = bool(item.choices)
        self.answer.setVisible(not choice)
        self.check_button.setVisible(not choice)
        for text in item.choices:
            option = QPushButton(text)
            option.setObjectName(f"choice:{text}")
            option.setMinimumHeight(42)
            option.clicked.connect(lambda _=False, t=text: self.check(t))
            self.choices_box.addWidget(option)
            option.show()
            self.choice_buttons.append(option)
        self.started = time.monotonic()
        if not choice:
            self.answer.setFocus()

    def check(self, given: str | None = None) -> None:
        if self.session is None or self.index >= len(self.items) or self.last_checked():
            return
        service = progress_service(self.services)
        if service is None:
            return
        text = self.answer.text() if given is None else given
        item = self.items[self.index]
        try:
            feedback = service.answer(self.session, item.id, text,
                                      duration_ms=int((time.monotonic() - self.started) * 1000),
                                      assignment_id=self.assignment_id)
        except TutorError as error:
            self.feedback.setText(html.escape(error.message(current_language())))
            return
        self.last = feedback
        if not self.first_level:
            self.first_level = feedback.level_before
        self.right += feedback.verdict.correct
        language = current_language()
        if feedback.verdict.correct:
            message = core_message("practice_right", language)
            colour = "#D9EAD3"
        else:
            key = "practice_wrong_unit" if feedback.verdict.reason == "unit" else "practice_wrong"
            message = core_message(key, language, answer=feedback.verdict.expected)
            colour = "#F4CCCC"
        link = core_message("practice_see_page", language, book=item.book, page=item.page)
        self.feedback.setText(f"<b>{html.escape(message)}</b><br>"
                              f"<a href='page:{item.textbook_id}:{item.page}'>"
                              f"{html.escape(link)}</a>")
        self.feedback.setStyleSheet(f"font-size: 19px; padding: 10px; border-radius: 8px;"
                                    f" background: {colour};")
        for option in self.choice_buttons:
            option.setEnabled(False)
            if option.text() == item.answer:
                option.setStyleSheet("background: #B6D7A8; color: #1d3b12; font-weight: bold;")
            elif option.text() == text:         # the student's wrong choice
                option.setStyleSheet("background: #F4CCCC; color: #5c1a1a;")
        self.check_button.setEnabled(False)
        self.next_button.show()

    def last_checked(self) -> bool:
        return self.next_button.isVisible() or (not self.check_button.isEnabled() and \
            not self.choice_buttons)

    def next_item(self) -> None:
        self.index += 1
        self.check_button.setEnabled(True)
        self._show_item()

    def _show_summary(self) -> None:
        language = current_language()
        level = self.last.level_after if self.last else "beginner"
        before = level_name(self.first_level or "beginner")
        text = core_message("practice_summary", language, right=self.right,
                            total=len(self.items), level=level_name(level))
        if self.first_level and self.first_level != level:
            text += f"  ({before} → {level_name(level)})"
        self.counter.setText("")
        self.prompt.setText(text)
        self.answer.hide()
        self.check_button.hide()
        self.feedback.setText("")
        self.feedback.setStyleSheet("")

    def open_source(self, link: str) -> None:
        """The textbook page behind the feedback (the library's page viewer)."""
        _scheme, book_id, page = link.split(":")
        try:
            from tutor_desktop.ui.library_view import PageTarget, make_page_viewer

            viewer: QWidget = make_page_viewer(PageTarget(book_id, int(page)), self.services,
                                               self)
        except (ImportError, TutorError):
            return
        self.viewer = viewer
        viewer.show()

    def retranslate_ui(self) -> None:
        self.back_button.setText(self.tr("← Back"))
        self.title.setText(self.tr("Practise: %1").replace("%1", self.topic_title)
                           if self.topic_title else self.tr("Review"))
        self.check_button.setText(self.tr("Check"))
        self.next_button.setText(self.tr("Next →"))
        self.tutor_button.setText(self.tr("Ask the tutor"))
        self.answer.setPlaceholderText(self.tr("Type your answer"))


# ================================================================ teacher side
class LevelChart(QWidget):
    """Stacked bars: how many students are at each level, per topic.

    Under each bar the topic's number ("1.2") when its title has one, else the title cut
    to the bar's width; the whole title and the counts are the bar's tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("levelChart")
        self.setMinimumHeight(150)
        self.setMaximumHeight(190)
        self.bars: list[tuple[str, dict[str, int]]] = []
        self._margin, self._legend_h, self._label_h = 8.0, 20.0, 18.0

    def set_data(self, bars: list[tuple[str, dict[str, int]]]) -> None:
        self.bars = bars
        self.update()

    def bar_at(self, x: float) -> int | None:
        """The bar under an x position (for its tooltip), None between the margins."""
        if not self.bars:
            return None
        slot = (self.width() - 2 * self._margin) / len(self.bars)
        index = int((x - self._margin) // slot) if slot > 0 else -1
        return index if 0 <= index < len(self.bars) else None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.bar_at(event.pos().x())
            if index is None:
                QToolTip.hideText()
            else:
                title, counts = self.bars[index]
                lines = [title] + [f"{level_name(level)}: {counts[level]}"
                                   for level in LEVEL_ORDER if counts.get(level)]
                QToolTip.showText(event.globalPos(), "\n".join(lines), self)
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        if not self.bars:
            painter.end()
            return
        margin, legend_h, label_h = self._margin, self._legend_h, self._label_h
        font = painter.font()
        font.setPixelSize(12)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width = self.width() - 2 * margin
        height = self.height() - legend_h - label_h - 2 * margin
        slot = width / len(self.bars)
        bar_w = min(42.0, slot * 0.7)
        most = max(sum(counts.values()) for _t, counts in self.bars) or 1
        painter.setPen(QColor("#333"))
        for index, (title, counts) in enumerate(self.bars):
            x = margin + index * slot + (slot - bar_w) / 2
            y = margin + legend_h + height
            for level in LEVEL_ORDER:
                n = counts.get(level, 0)
                if not n:
                    continue
                h = height * n / most
                y -= h
                painter.fillRect(QRectF(x, y, bar_w, h), QColor(LEVEL_COLOURS[level]))
            number = _TOPIC_NUMBER.match(title)
            text = number.group(0) if number else title
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(slot) - 2)
            painter.drawText(QRectF(margin + index * slot, margin + legend_h + height + 2, slot,
                                    label_h), int(Qt.AlignmentFlag.AlignHCenter), text)
        x = margin
        for level in LEVEL_ORDER:       # the legend: each entry as wide as its words
            name = level_name(level)
            painter.fillRect(QRectF(x, margin + 2, 12, 12), QColor(LEVEL_COLOURS[level]))
            painter.drawText(QRectF(x + 16, margin, metrics.horizontalAdvance(name) + 4, 16),
                             int(Qt.AlignmentFlag.AlignLeft), name)
            x += 16 + metrics.horizontalAdvance(name) + 18
        painter.end()


_TOPIC_NUMBER = re.compile(r"^\d+(\.\d+)*")


class LevelGridModel(QAbstractTableModel):
    """Students x topics of a :class:`ClassProgress`, coloured by level.

    Why a model: a class x a book's topics is ~10,000 cells, and a QTableWidget made an
    item, brush and tooltip for each on every refresh (0.2-0.3 s for 35 x 300). A view
    asks the model only for the cells it draws; a cell is looked up when drawn."""

    RANK = Qt.ItemDataRole.UserRole             # a level's rank (-1: no activity)
    STUDENT = Qt.ItemDataRole.UserRole + 1      # the student's id (every column)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.progress: ClassProgress | None = None
        self.students: list[Any] = []
        self.topics: list[Any] = []
        self.titles: list[str] = []
        self.student_title = ""
        self._names: dict[str, str] = {}
        self._reasons: dict[str, str] = {}
        self._backgrounds = {level: QBrush(QColor(colour))
                             for level, colour in LEVEL_COLOURS.items()}
        self._white = QBrush(QColor("white"))

    def set_progress(self, progress: ClassProgress | None, student_title: str) -> None:
        self.beginResetModel()
        self.progress = progress
        self.students = list(progress.students) if progress else []
        self.topics = list(progress.topics) if progress else []
        self.titles = [wrap_title(t.title) for t in self.topics]
        self.student_title = student_title
        self._names = {level: level_name(level) for level in LEVEL_ORDER}
        self._reasons = {}
        self.endResetModel()

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.students)

    def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.progress is None else len(self.topics) + 1

    def cell(self, row: int, column: int) -> Any:
        """The grid cell at (row, column >= 1), or None where the student did nothing."""
        assert self.progress is not None
        return self.progress.cells.get((self.students[row].id, self.topics[column - 1].id))

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.progress is None:
            return None
        row, column = index.row(), index.column()
        if role == self.STUDENT:
            return self.students[row].id
        if column == 0:
            return self.students[row].display_name if role == Qt.ItemDataRole.DisplayRole \
                else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role not in _CELL_ROLES:
            return None
        cell = self.cell(row, column)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._names[cell.level] if cell is not None else "—"
        if role == self.RANK:
            return LEVEL_ORDER.index(cell.level) if cell is not None else -1
        if cell is None:
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._backgrounds.get(cell.level)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._white if cell.level == "mastered" else None
        reason = cell.reason                            # the tooltip
        if reason not in self._reasons:
            self._reasons[reason] = core_message(reason, current_language())
        return self._reasons[reason]

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or self.progress is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.student_title if section == 0 else self.titles[section - 1]
        if section and role == Qt.ItemDataRole.ToolTipRole:
            return self.topics[section - 1].title
        if section and role == Qt.ItemDataRole.UserRole:
            return self.topics[section - 1].id
        return None

    def column_key(self, column: int) -> str | None:
        """What a column shows, across refreshes: "" the names, else its topic's id."""
        if not 0 <= column < self.columnCount():
            return None
        return "" if column == 0 else str(self.topics[column - 1].id)

    def column_of(self, key: str | None) -> int:
        """The column showing ``key`` (see :meth:`column_key`), or -1."""
        for column in range(self.columnCount()):
            if self.column_key(column) == key:
                return column
        return -1

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """By name, or by level in a topic's column (no activity first); -1: the
        roster's order. A column the grid no longer has (a filter took it away) is
        ignored: sorting by it ended the app (an IndexError half-way through a layout
        change)."""
        if self.progress is None or column >= self.columnCount():
            return
        self.layoutAboutToBeChanged.emit()
        reverse = order == Qt.SortOrder.DescendingOrder
        if column < 0:
            self.students = list(self.progress.students)
        elif column == 0:
            self.students.sort(key=lambda s: s.display_name.casefold(), reverse=reverse)
        else:
            topic_id = self.topics[column - 1].id
            cells = self.progress.cells

            def rank(student: Any) -> int:
                cell = cells.get((student.id, topic_id))
                return LEVEL_ORDER.index(cell.level) if cell is not None else -1

            self.students.sort(key=rank, reverse=reverse)
        self.layoutChanged.emit()


_CELL_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.BackgroundRole,
                         Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole,
                         LevelGridModel.RANK})


class SortHeader(QHeaderView):
    """The grid's column header, with the sort arrow in a strip of its own.

    Why: the style drew its arrow over the title (the end of "хлоропласт" under it),
    and reserving the style's room for it widens every column by the header's height
    (60 px in each of 300 columns), since a section's size hint counts the arrow whether
    or not that column is sorted. Here only the sorted column grows, by the arrow's
    strip at its right edge; its title is laid out beside the strip, never under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._blank = False     # painting the sorted section's background only

    def arrow_room(self) -> int:
        """The strip's width: the arrow plus a gap on each side, in the header's font."""
        return max(14, round(self.fontMetrics().height() * 1.1))

    def arrow_rect(self, section: QRect) -> QRect:
        """Where the arrow is drawn in a sorted section (``section``: its whole rect)."""
        room = self.arrow_room()
        side = max(6, room // 2)
        return QRect(section.right() - room + (room - side) // 2,
                     section.center().y() - side // 4, side, side // 2 + 1)

    def label_rect(self, section: QRect) -> QRect:
        """The part of a sorted section its title is drawn in: all but the strip."""
        return section.adjusted(0, 0, -self.arrow_room(), 0)

    def _arrow_shown(self, logical_index: int) -> bool:
        return (self.isSortIndicatorShown() and logical_index >= 0
                and logical_index == self.sortIndicatorSection())

    def initStyleOptionForIndex(self, option: QStyleOptionHeader,
                                logical_index: int) -> None:
        super().initStyleOptionForIndex(option, logical_index)
        option.sortIndicator = QStyleOptionHeader.SortIndicator.None_   # drawn by paintSection
        if self._blank:
            option.text = ""

    def paintSection(self, painter: QPainter, rect: QRect,
                     logical_index: int) -> None:
        if not self._arrow_shown(logical_index):
            super().paintSection(painter, rect, logical_index)
            return
        painter.save()
        self._blank = True                  # the whole section's background and border
        try:
            super().paintSection(painter, rect, logical_index)
        finally:
            self._blank = False
        painter.restore()
        painter.save()
        super().paintSection(painter, self.label_rect(rect), logical_index)
        painter.restore()
        arrow = QRectF(self.arrow_rect(rect))
        if self.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder:     # ▲: lowest first
            points = [arrow.bottomLeft(), arrow.bottomRight(),
                      QPointF(arrow.center().x(), arrow.top())]
        else:                                                           # ▼
            points = [arrow.topLeft(), arrow.topRight(),
                      QPointF(arrow.center().x(), arrow.bottom())]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.palette().color(QPalette.ColorRole.WindowText))
        painter.drawPolygon(QPolygonF(points))
        painter.restore()


class LevelGrid(QTableView):
    """The class grid: a double-click anywhere on a student's row opens their progress.

    The names column stays in place while the topics scroll under it (a second view of
    the same model laid over the first column, as in Qt's frozen-column example): with
    300 topics a teacher scrolled right and no longer saw whose row was whose."""

    cellDoubleClicked = Signal(int, int)    # row, column (as QTableWidget's)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sort_header = SortHeader(self)
        self.setHorizontalHeader(self.sort_header)
        self.levels = LevelGridModel(self)
        self.setModel(self.levels)
        self._widened = -1          # the column that has the arrow's strip added
        self.sort_header.sortIndicatorChanged.connect(self._move_arrow_room)
        self.doubleClicked.connect(lambda index: self.cellDoubleClicked.emit(
            index.row(), index.column()))
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.names = self._frozen_names()

    def _frozen_names(self) -> QTableView:
        """The view that shows column 0 over the grid's own, scrolling with it down only."""
        names = QTableView(self)
        names.setObjectName("dashboardGridNames")
        names.setHorizontalHeader(SortHeader(names))
        names.setModel(self.levels)
        names.setSelectionModel(self.selectionModel())
        names.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        names.setFrameShape(QFrame.Shape.NoFrame)
        names.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        names.verticalHeader().hide()
        names.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        names.horizontalHeader().setSortIndicatorShown(True)
        names.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        names.horizontalHeader().setSectionsClickable(True)
        names.horizontalHeader().sectionClicked.connect(self._names_header_clicked)
        names.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        names.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.viewport().stackUnder(names)
        self.verticalScrollBar().valueChanged.connect(names.verticalScrollBar().setValue)
        names.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        self.sort_header.sortIndicatorChanged.connect(
            lambda section, order: names.horizontalHeader().setSortIndicator(
                0 if section == 0 else -1, order))
        self.sort_header.sectionResized.connect(
            lambda section, *_: self._place_names() if section == 0 else None)
        self.sort_header.geometriesChanged.connect(self._place_names)
        self.levels.modelReset.connect(self._show_names_only)
        names.doubleClicked.connect(lambda index: self.cellDoubleClicked.emit(index.row(), 0))
        names.show()
        return names

    def _names_header_clicked(self, section: int) -> None:
        """The names' title sorts the grid, as the grid's own header would."""
        header = self.sort_header
        order = (Qt.SortOrder.DescendingOrder
                 if header.sortIndicatorSection() == 0
                 and header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
                 else Qt.SortOrder.AscendingOrder)
        if section == 0 and self.isSortingEnabled():
            self.sortByColumn(0, order)

    def _show_names_only(self) -> None:
        """After a reset (the topics may have changed): the overlay hides every topic
        column, once per reset rather than on each of the 300 columns' resizes."""
        columns = self.levels.columnCount()
        for column in range(1, columns):
            self.names.setColumnHidden(column, True)
        self._place_names()

    def _place_names(self) -> None:
        """Lay the names over column 0: its width, the grid's header height and rows."""
        names = self.names
        names.setVisible(self.levels.columnCount() > 0)
        if not names.isVisibleTo(self):
            return
        names.setColumnWidth(0, self.columnWidth(0))
        names.horizontalHeader().setFixedHeight(self.sort_header.height())
        names.verticalScrollBar().setValue(self.verticalScrollBar().value())
        frame = self.frameWidth()
        names.setGeometry(frame, frame, self.columnWidth(0),
                          self.viewport().height() + self.sort_header.height())

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._place_names()

    def scrollTo(self, index: Any,
                 hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
                 ) -> None:
        """A topic's cell scrolled into view lands beside the names, not under them."""
        super().scrollTo(index, hint)
        if index.isValid() and index.column() > 0:
            hidden = self.columnWidth(0) - self.columnViewportPosition(index.column())
            if hidden > 0:
                bar = self.horizontalScrollBar()
                bar.setValue(bar.value() - hidden)

    def fit_columns(self) -> None:
        """Columns as wide as their header (a title on up to three lines, in the header's
        own font) or a level name, whichever is wider; measured from the header and the
        four level names, never from the ~10,000 cells. The sorted column gets the
        arrow's strip besides (:class:`SortHeader`)."""
        header = self.sort_header
        metrics = self.fontMetrics()
        widest = max([metrics.horizontalAdvance(self.levels._names.get(level, ""))
                      for level in LEVEL_ORDER] + [metrics.horizontalAdvance("—")]) + 24
        names = max([metrics.horizontalAdvance(s.display_name)
                     for s in self.levels.students] + [0]) + 24
        # Measured without the style's room for its arrow (the header's height again,
        # in every column): the sorted column alone gets the arrow's strip, below.
        shown = header.isSortIndicatorShown()
        header.setSortIndicatorShown(False)
        for column in range(self.levels.columnCount()):
            least = names if column == 0 else widest
            header.resizeSection(column, max(header.sectionSizeHint(column), least))
        header.setSortIndicatorShown(shown)
        self._widened = -1
        self._move_arrow_room(header.sortIndicatorSection())
        self._place_names()

    def _move_arrow_room(self, section: int, _order: Any = None) -> None:
        """The arrow's strip goes with the sort: off the column sorted before, onto
        the one sorted now (the order flipping on the same column changes nothing)."""
        header = self.sort_header
        if section == self._widened:
            return
        room = header.arrow_room()
        count = header.count()
        if 0 <= self._widened < count:
            header.resizeSection(self._widened,
                                 max(header.sectionSize(self._widened) - room, 1))
        self._widened = -1
        if header.isSortIndicatorShown() and 0 <= section < count:
            header.resizeSection(section, header.sectionSize(section) + room)
            self._widened = section


def _level_counts(data: ClassProgress) -> dict[str, dict[str, int]]:
    """Topic id -> level -> students at it: one pass over the cells (a pass per topic
    over every student took 30 ms of a refresh at 300 topics)."""
    counts: dict[str, dict[str, int]] = {}
    for (_user, topic_id), cell in data.cells.items():
        levels = counts.setdefault(topic_id, {})
        levels[cell.level] = levels.get(cell.level, 0) + 1
    return counts


class TopicChooser(QPushButton):
    """The topics of a practice set: a button naming the chosen topics that opens a
    list of every topic with items, each with a check box (a set may cover several).

    The list lives in the button's menu, so ticking topics does not close it."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assignTopicsButton")
        self._topics: list[tuple[str, str, str]] = []
        self.list = QListWidget()
        self.list.setObjectName("assignTopics")
        self.list.setMinimumHeight(260)
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.itemChanged.connect(lambda _item: self._chosen_changed())
        menu = QMenu(self)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(self.list)
        menu.addAction(holder)
        self.setMenu(menu)
        self.setMinimumWidth(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_topics(self, topics: list[tuple[str, str, str]]) -> None:
        """(topic id, title, book) of the topics a set may use; the ones chosen before
        stay chosen, else the first is (as a one-topic list had it)."""
        if topics == self._topics:
            return                      # a class changed, not the book's topics
        self._topics = list(topics)
        before = set(self.chosen_ids())
        self.list.blockSignals(True)
        self.list.clear()
        for topic_id, title, book in topics:
            entry = QListWidgetItem(f"{title} ({book})")
            entry.setData(Qt.ItemDataRole.UserRole, topic_id)
            entry.setData(Qt.ItemDataRole.UserRole + 1, title)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Checked if topic_id in before
                                else Qt.CheckState.Unchecked)
            self.list.addItem(entry)
        if not self.chosen_ids() and self.list.count():
            first = self.list.item(0)
            first.setCheckState(Qt.CheckState.Checked)
        # As wide as the longest title (up to what a 1024-pixel screen has room for),
        # longer ones wrap: cut, "1.4 Фотосинтезийн хурдад нөлөөлөх хүчин" lost its end.
        self.list.setFixedWidth(max(420, min(720, self.list.sizeHintForColumn(0) + 48)))
        self.list.blockSignals(False)
        self._chosen_changed()

    def _checked(self) -> list[QListWidgetItem]:
        return [item for item in (self.list.item(i) for i in range(self.list.count()))
                if item.checkState() == Qt.CheckState.Checked]

    def chosen_ids(self) -> list[str]:
        return [str(item.data(Qt.ItemDataRole.UserRole)) for item in self._checked()]

    def chosen_titles(self) -> list[str]:
        return [str(item.data(Qt.ItemDataRole.UserRole + 1)) for item in self._checked()]

    def _chosen_changed(self) -> None:
        self._show_choice()
        self.changed.emit()

    def _show_choice(self) -> None:
        titles = self.chosen_titles()
        if not titles:
            text = self.tr("Choose topics")
        elif len(titles) == 1:
            text = titles[0]
        else:
            text = self.tr("%1 topics").replace("%1", str(len(titles)))
        # The button is as wide as the form leaves it: a long title is cut with "…"
        # (the whole list is in the tooltip and the menu).
        room = max(40, self.width() - 56)
        self.setText(self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room))
        self.setToolTip("\n".join(titles) or self.tr("Topics of the practice set"))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._show_choice()

    def changeEvent(self, event: Any) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._show_choice()
        super().changeEvent(event)


class ClassDashboard(QWidget):
    """The teacher's class view: grid, who needs help, most asked topics, a chart,
    practice sets and exports."""

    student_opened = Signal(str)

    def __init__(self, services: Services, session: Session | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("classDashboard")
        self.services = services
        self.session = session
        self.data: ClassProgress | None = None
        self._has_topics = False        # any book has topics (else: import a book first)
        root = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.class_combo = QComboBox()
        self.class_combo.setObjectName("dashboardClass")
        self.subject_combo = QComboBox()
        self.subject_combo.setObjectName("dashboardSubject")
        self.book_combo = QComboBox()
        self.book_combo.setObjectName("dashboardBook")
        self.csv_button = QPushButton()
        self.csv_button.setObjectName("dashboardCsv")
        self.pdf_button = QPushButton()
        self.pdf_button.setObjectName("dashboardPdf")
        self.flagged_button = QPushButton()
        self.flagged_button.setObjectName("dashboardFlagged")
        self.flagged_button.hide()          # shown when the safety feature is installed
        self.class_label, self.subject_label, self.book_label = QLabel(), QLabel(), QLabel()
        widgets: list[QWidget] = [self.class_label, self.class_combo, self.subject_label,
                                  self.subject_combo, self.book_label, self.book_combo]
        for widget in widgets:
            filters.addWidget(widget)
        filters.addStretch(1)
        root.addLayout(filters)
        # The actions get their own row: beside the filters they were squeezed until
        # their Mongolian names were cut off on a 1024-pixel-wide lab screen.
        actions = QHBoxLayout()
        actions.addStretch(1)
        for push in (self.flagged_button, self.csv_button, self.pdf_button):
            actions.addWidget(push)
        root.addLayout(actions)
        # Sized for a 1024x768 lab screen, where the tab leaves it ~540 px of height: the
        # grid with the chart under it on the left; the lists a teacher reads on the
        # right; assigning a practice set is one row under the chart.
        body = QHBoxLayout()
        left = QVBoxLayout()
        self.grid = LevelGrid()
        self.grid.setObjectName("dashboardGrid")
        self.grid.verticalHeader().setVisible(False)   # the name column says who; room for topics
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setSortingEnabled(True)
        # The roster's order until the teacher clicks a column (Qt would sort by names,
        # descending).
        self.grid.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.grid.cellDoubleClicked.connect(self._open_student)
        self.help_list = QListWidget()
        self.help_list.setObjectName("dashboardHelp")
        self.help_list.setWordWrap(True)
        # The lists and the grid take the room there is, never ask for more: asked for, the
        # page grew past a 1024x768 screen and the whole teacher page scrolled.
        # In the grid's place while it would be empty (no class, no students, nothing
        # done yet, or filters that leave nothing): what will appear there and how.
        self.empty_label = QLabel()
        self.empty_label.setObjectName("dashboardEmpty")
        self.empty_label.setWordWrap(True)
        self.empty_label.setTextFormat(Qt.TextFormat.RichText)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setMargin(24)
        self.empty_label.setStyleSheet("QLabel#dashboardEmpty { background: white; "
                                       "border: 2px solid #F0E6D4; border-radius: 14px; }")
        self.empty_label.hide()
        for growing in (self.grid, self.help_list, self.empty_label):
            growing.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
            growing.setMinimumHeight(120)
        left.addWidget(self.grid, 1)
        left.addWidget(self.empty_label, 1)
        self.chart = LevelChart()
        left.addWidget(self.chart)
        assign = QFrame()
        assign.setObjectName("dashboardAssign")
        form = QHBoxLayout(assign)
        form.setContentsMargins(0, 0, 0, 0)
        self.assign_topics = TopicChooser()
        self.assign_count = QSpinBox()
        self.assign_count.setRange(1, 20)
        self.assign_count.setValue(5)
        self.assign_due = QDateEdit(QDate.currentDate().addDays(7))
        self.assign_due.setCalendarPopup(True)
        self.assign_due.setDisplayFormat("yyyy-MM-dd")
        self.assign_button = QPushButton()
        self.assign_button.setObjectName("assignButton")
        self.assign_button.clicked.connect(self.assign_selected)
        self.assign_topics.changed.connect(self._update_assign_button)
        form.addWidget(self.assign_topics, 1)
        form.addWidget(self.assign_count)
        form.addWidget(self.assign_due)
        form.addWidget(self.assign_button)
        left.addWidget(assign)
        body.addLayout(left, 3)
        side = QVBoxLayout()
        self.help_title = label("section")
        self.asked_title = label("section")
        self.asked_list = QListWidget()
        self.asked_list.setObjectName("dashboardAsked")
        self.asked_list.setMaximumHeight(90)
        self.assign_title = label("section")
        self.assignments = QListWidget()
        self.assignments.setObjectName("dashboardAssignments")
        self.assignments.setWordWrap(True)
        self.assignments.setMaximumHeight(110)
        side_widgets: list[QWidget] = [self.help_title, self.help_list, self.asked_title,
                                       self.asked_list, self.assign_title, self.assignments]
        for part in side_widgets:
            side.addWidget(part, 1 if part is self.help_list else 0)
        body.addLayout(side, 2)
        root.addLayout(body, 1)
        self.class_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.subject_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.book_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.csv_button.clicked.connect(lambda: self._export("csv"))
        self.pdf_button.clicked.connect(lambda: self._export("pdf"))
        self.retranslate_ui()
        self.reload_filters()
        indexing().finished.connect(self.reload_filters)     # older books' topics arrived

    # -- data ------------------------------------------------------------------
    def reload_filters(self) -> None:
        service = progress_service(self.services)
        for combo in (self.class_combo, self.subject_combo, self.book_combo):
            combo.blockSignals(True)
            combo.clear()
        if self.session is not None:
            for school_class in self.services.accounts.classes_for(self.session):
                self.class_combo.addItem(school_class.name, school_class.id)
        self.subject_combo.addItem(self.tr("All subjects"), "")
        self.book_combo.addItem(self.tr("All books"), "")
        if service is not None:
            topics = service.topics()
            self._has_topics = bool(topics)
            for subject in sorted({t.subject for t in topics}):
                self.subject_combo.addItem(subject, subject)
            for book_id, title in sorted({(t.textbook_id, t.book) for t in topics},
                                         key=lambda pair: pair[1]):
                self.book_combo.addItem(title, book_id)
        for combo in (self.class_combo, self.subject_combo, self.book_combo):
            combo.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        service = progress_service(self.services)
        class_id = self.class_combo.currentData()
        if service is None or self.session is None or not class_id:
            self.data = None
            self.grid.levels.set_progress(None, "")
            self._show_empty_state()
            self._update_assign_button()
            return
        self.data = service.class_progress(self.session, class_id,
                                           subject=self.subject_combo.currentData() or None,
                                           book=self.book_combo.currentData() or None)
        self._fill_grid()
        self._fill_lists()
        self._fill_assignments()
        self._update_assign_button()

    def _fill_grid(self) -> None:
        data = self.data
        assert data is not None
        # The teacher's sort holds across refreshes: by the same topic, wherever a filter
        # puts its column now (the column's number named another topic, or none at all);
        # a topic the filter hides gives back the roster's order.
        levels, header = self.grid.levels, self.grid.horizontalHeader()
        order = header.sortIndicatorOrder()
        sorted_key = levels.column_key(header.sortIndicatorSection())
        levels.set_progress(data, self.tr("Student"))
        column = levels.column_of(sorted_key) if sorted_key is not None else -1
        if column != header.sortIndicatorSection():      # -1: no arrow, the roster's order
            header.setSortIndicator(column, order)
        self.grid.fit_columns()
        if column >= 0:
            self.grid.sortByColumn(column, order)
        service = progress_service(self.services)
        if service is not None:
            self.assign_topics.set_topics(
                [(t.id, t.title, t.book) for t in service.topics(
                    self.book_combo.currentData() or None) if t.item_count])
        counts = _level_counts(data)
        self.chart.set_data([(t.title, counts.get(t.id, {})) for t in data.topics])
        self._show_empty_state()

    def empty_message(self) -> tuple[str, str]:
        """What the grid's place says while the grid would be empty (("", "") when it is
        not): a heading saying why, and what will appear there and how."""
        data = self.data
        if data is not None and data.students and data.topics:
            return "", ""
        if not self.class_combo.count():
            return (self.tr("No class yet"),
                    self.tr("Create a class and add its students in the Students tab; "
                            "their progress in each topic will appear here."))
        if data is None:
            return "", ""       # no progress feature, or no one signed in
        if not data.students:
            return (self.tr("No students in class %1 yet").replace("%1", data.class_name),
                    self.tr("Add them in the Students tab. Once they practise or ask the "
                            "tutor, each student's level in every topic will appear here."))
        if not self._has_topics:
            return (self.tr("No textbook with topics yet"),
                    self.tr("Import a textbook in the Library tab: its chapters become the "
                            "topics that students practise and ask the tutor about, and "
                            "their levels will appear here."))
        if self.subject_combo.currentData() or self.book_combo.currentData():
            return (self.tr("Nothing in this subject or book yet"),
                    self.tr("Students' levels appear here once they practise its topics or "
                            "ask the tutor about them. Choose “All subjects” and “All "
                            "books” to see all of the class's activity."))
        return (self.tr("No activity in class %1 yet").replace("%1", data.class_name),
                self.tr("Once students practise a topic or ask the tutor about their "
                        "textbook, each student's level in every topic will appear here, "
                        "one row per student."))

    def _show_empty_state(self) -> None:
        """The message instead of the grid (and of its chart) while there is nothing to
        grade: a bare header row, or names with no topics, told a teacher nothing."""
        heading, body = self.empty_message()
        if heading:
            self.empty_label.setText(
                f"<p><big><b>{html.escape(heading, quote=False)}</b></big></p>"  # grows with
                f"<p>{html.escape(body, quote=False)}</p>")             # the text size
        self.empty_label.setVisible(bool(heading))
        self.grid.setVisible(not heading)
        self.chart.setVisible(not heading)

    def _fill_lists(self) -> None:
        assert self.data is not None
        language = current_language()
        self.help_list.clear()
        for need in self.data.needs_help:
            reason = core_message(need.reason, language, **need.detail)
            where = f" — {need.topic}" if need.topic else ""
            self.help_list.addItem(f"{need.student}{where}: {reason}")
        self.asked_list.clear()
        for asked, count in self.data.most_asked:
            self.asked_list.addItem(f"{asked.title}: {count}")

    def _fill_assignments(self) -> None:
        service = progress_service(self.services)
        class_id = self.class_combo.currentData()
        self.assignments.clear()
        if service is None or self.session is None or not class_id or self.data is None:
            return
        names = {s.id: s.display_name for s in self.data.students}
        for assignment in service.assignments(self.session, class_id):
            finished = sum(1 for n in assignment.done.values() if n >= assignment.item_count)
            self.assignments.addItem(self.tr("%1 (due %2): %3 of %4 done")
                                     .replace("%1", assignment.title)
                                     .replace("%2", assignment.due_date)
                                     .replace("%3", str(finished))
                                     .replace("%4", str(len(names))))

    def _update_assign_button(self) -> None:
        """Assign needs chosen topics and a class with students: a set for nobody would
        sit in the list as "0 of 0 done" with nothing to tell the teacher why."""
        has_students = self.data is not None and bool(self.data.students)
        self.assign_button.setEnabled(bool(self.assign_topics.chosen_ids()) and has_students)
        self.assign_button.setToolTip(
            self.tr("Assign a practice set") if has_students or self.data is None
            else self.tr("Add students to this class before assigning practice"))

    def assign_selected(self) -> None:
        service = progress_service(self.services)
        class_id = self.class_combo.currentData()
        topic_ids = self.assign_topics.chosen_ids()
        if (service is None or self.session is None or not class_id or not topic_ids
                or not self.assign_button.isEnabled()):
            return
        title = "; ".join(self.assign_topics.chosen_titles())
        service.assign(self.session, class_id, title, topic_ids, self.assign_count.value(),
                       self.assign_due.date().toString("yyyy-MM-dd"))
        self._fill_assignments()

    def _open_student(self, row: int, _column: int) -> None:
        if 0 <= row < self.grid.levels.rowCount():
            self.student_opened.emit(self.grid.levels.students[row].id)

    # -- exports -----------------------------------------------------------------
    def _export(self, fmt: str) -> None:
        name = (self.class_combo.currentText() or "class") + f".{fmt}"
        path = dialogs.save_file(self, self.tr("Save report"), name, f"*.{fmt}")
        if path:
            self.export(fmt, Path(path))

    def export(self, fmt: str, path: Path) -> Path | None:
        from tutor_desktop.core.progress.report import pdf_report, write_csv

        if self.data is None:
            return None
        language = current_language()
        return (write_csv(self.data, path, language) if fmt == "csv"
                else pdf_report(self.data, path, language))

    def retranslate_ui(self) -> None:
        self.class_label.setText(self.tr("Class:"))
        self.subject_label.setText(self.tr("Subject:"))
        self.book_label.setText(self.tr("Book:"))
        self.csv_button.setText(self.tr("Export CSV"))
        self.pdf_button.setText(self.tr("Export PDF"))
        self.flagged_button.setText(self.tr("Flagged questions"))
        self.help_title.setText(self.tr("Needs help"))
        self.asked_title.setText(self.tr("Asked about most"))
        self.assign_title.setText(self.tr("Practice sets"))
        self.assign_button.setText(self.tr("Assign"))
        self._update_assign_button()
        self.assign_count.setToolTip(self.tr("Number of items"))
        self.assign_due.setToolTip(self.tr("Due date"))
        # The filters' first entries (they stayed "Бүх хичээл" in an English window).
        if self.subject_combo.count():
            self.subject_combo.setItemText(0, self.tr("All subjects"))
        if self.book_combo.count():
            self.book_combo.setItemText(0, self.tr("All books"))

    def changeEvent(self, event: Any) -> None:
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
            if self.data is not None:
                self._fill_grid()
                self._fill_lists()
            else:
                self._show_empty_state()
        super().changeEvent(event)


class TopicEditor(QWidget):
    """Teachers rename, merge and hide the topics found in the books (library tab)."""

    def __init__(self, services: Services, session: Session | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("topicEditor")
        self.services = services
        self.session = session
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 6, 0, 0)
        # Folded until a teacher opens it: open, it made the library tab 632 px tall, and
        # every teacher tab scrolled on a 1024x768 lab screen.
        self.title = QPushButton()
        self.title.setObjectName("topicEditorToggle")
        self.title.setCheckable(True)
        self.title.toggled.connect(self._unfold)
        self.body = QWidget()
        self.body.setVisible(False)
        outer.addWidget(self.title, 0, Qt.AlignmentFlag.AlignLeft)
        outer.addWidget(self.body)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tree = QTreeWidget()
        self.tree.setObjectName("topicTree")
        self.tree.setColumnCount(3)
        # The title takes the width (it was squeezed to "1.…" by the pages column).
        tree_header = self.tree.header()
        tree_header.setStretchLastSection(False)
        tree_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            tree_header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setMaximumHeight(220)
        row = QHBoxLayout()
        self.rename_button = QPushButton()
        self.rename_button.clicked.connect(self._rename_clicked)
        self.merge_button = QPushButton()
        self.merge_button.clicked.connect(self.merge_selected)
        self.hide_button = QPushButton()
        self.hide_button.clicked.connect(self.toggle_hidden)
        for widget in (self.rename_button, self.merge_button, self.hide_button):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addWidget(self.tree)
        layout.addLayout(row)
        # The selected topic's practice items: untick to disable, double-click to edit.
        self.items = QListWidget()
        self.items.setObjectName("topicItems")
        self.items.setWordWrap(True)
        self.items.setMaximumHeight(160)
        self.items.itemChanged.connect(self._item_toggled)
        self.items.itemDoubleClicked.connect(self._edit_item)
        layout.addWidget(self.items)
        # A capable model may propose more items for the selected topics (or every book);
        # the core keeps only those quoting the textbook, listed above for review.
        propose_row = QHBoxLayout()
        self.propose_button = QPushButton()
        self.propose_button.setObjectName("proposeItems")
        self.propose_button.clicked.connect(self.propose)
        self.propose_note = QLabel()
        self.propose_note.setObjectName("proposeNote")
        self.propose_note.setWordWrap(True)
        propose_row.addWidget(self.propose_button)
        propose_row.addWidget(self.propose_note, 1)
        layout.addLayout(propose_row)
        self.tree.itemSelectionChanged.connect(self.show_items)
        self.retranslate_ui()
        self.refresh()
        indexing().finished.connect(self.refresh)            # older books' topics arrived

    def propose(self) -> None:
        """Ask the capable model in the background (a model call per passage: minutes)."""
        service = progress_service(self.services)
        if service is None or self.session is None:
            return
        ids = self.selected_ids() or [""]
        self.propose_button.setEnabled(False)
        self.propose_note.setText(self.tr("Asking the model…"))

        def ask() -> tuple[int, int]:
            assert service is not None and self.session is not None
            read = added = 0
            for topic_id in ids:
                got = service.propose_items(self.session, topic=topic_id or None)
                read, added = read + got[0], added + got[1]
            return read, added

        def done(result: tuple[int, int]) -> None:
            self.propose_button.setEnabled(True)
            self.propose_note.setText(core_message("items_proposed", current_language(),
                                                   read=result[0], added=result[1]))
            self.show_items()

        def failed(error: BaseException) -> None:
            self.propose_button.setEnabled(True)
            self.propose_note.setText(error.message(current_language())
                                      if isinstance(error, TutorError) else str(error))

        run_in_background(ask, on_done=done, on_error=failed, context=self)

    def _unfold(self, shown: bool) -> None:
        self.body.setVisible(shown)
        self.retranslate_ui()
        if shown:       # it opens below the book list: scroll it into view
            QTimer.singleShot(0, self, self._into_view)

    def _into_view(self) -> None:
        frame = self.parentWidget()
        while frame is not None and not isinstance(frame, QScrollArea):
            frame = frame.parentWidget()
        if frame is not None:
            frame.ensureWidgetVisible(self.body, 0, 0)

    def show_items(self) -> None:
        service = progress_service(self.services)
        ids = self.selected_ids()
        self.items.blockSignals(True)
        self.items.clear()
        if service is not None and len(ids) == 1:
            for practice in service.items(topic=ids[0], include_disabled=True):
                entry = QListWidgetItem(f"[{practice.kind}] {practice.prompt}  →  "
                                        f"{practice.answer}  (p. {practice.page})")
                entry.setData(Qt.ItemDataRole.UserRole, practice.id)
                entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                entry.setCheckState(Qt.CheckState.Checked if practice.enabled
                                    else Qt.CheckState.Unchecked)
                self.items.addItem(entry)
        self.items.blockSignals(False)

    def _item_toggled(self, entry: Any) -> None:
        service = progress_service(self.services)
        if service is not None and self.session is not None:
            service.set_item_enabled(self.session, str(entry.data(Qt.ItemDataRole.UserRole)),
                                     entry.checkState() == Qt.CheckState.Checked)

    def _edit_item(self, entry: Any) -> None:
        service = progress_service(self.services)
        if service is None or self.session is None:
            return
        item = service.item(str(entry.data(Qt.ItemDataRole.UserRole)))
        answer, ok = QInputDialog.getText(self, self.tr("Edit answer"), item.prompt,
                                          text=item.answer)
        if ok and answer.strip():
            service.edit_item(self.session, item.id, answer=answer.strip())
            self.show_items()

    def refresh(self) -> None:
        service = progress_service(self.services)
        self.tree.clear()
        if service is None:
            return
        books: dict[str, QTreeWidgetItem] = {}
        for topic in service.topics(include_hidden=True):
            if topic.merged_into:
                continue
            parent = books.get(topic.textbook_id)
            if parent is None:
                parent = books[topic.textbook_id] = QTreeWidgetItem(self.tree, [topic.book])
                parent.setExpanded(True)
            hidden = self.tr("hidden") if topic.hidden else ""
            item = QTreeWidgetItem(parent, ["  " * (topic.level - 1) + topic.title,
                                            f"{topic.page_start}–{topic.page_end}", hidden])
            item.setData(0, Qt.ItemDataRole.UserRole, topic.id)

    def selected_ids(self) -> list[str]:
        return [str(i.data(0, Qt.ItemDataRole.UserRole)) for i in self.tree.selectedItems()
                if i.data(0, Qt.ItemDataRole.UserRole)]

    def _rename_clicked(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return
        text, ok = QInputDialog.getText(self, self.tr("Rename topic"), self.tr("New name:"),
                                        text=self.tree.selectedItems()[0].text(0).strip())
        if ok and text.strip():
            self.rename(ids[0], text)

    def rename(self, topic_id: str, title: str) -> None:
        service = progress_service(self.services)
        if service is not None and self.session is not None:
            service.rename_topic(self.session, topic_id, title)
            self.refresh()

    def merge_selected(self) -> None:
        """Fold every other selected topic into the first selected one."""
        service = progress_service(self.services)
        ids = self.selected_ids()
        if service is None or self.session is None or len(ids) < 2:
            return
        for other in ids[1:]:
            service.merge_topics(self.session, other, ids[0])
        self.refresh()

    def toggle_hidden(self) -> None:
        service = progress_service(self.services)
        if service is None or self.session is None:
            return
        for topic_id in self.selected_ids():
            topic = service.topic(topic_id)
            if topic is not None:
                service.hide_topic(self.session, topic_id, not topic.hidden)
        self.refresh()

    def retranslate_ui(self) -> None:
        self.title.setText(self.tr("Topics") + (" ▾" if self.title.isChecked() else " ▸"))
        self.tree.setHeaderLabels([self.tr("Topic"), self.tr("Pages"), ""])
        self.rename_button.setText(self.tr("Rename"))
        self.merge_button.setText(self.tr("Merge into first"))
        self.hide_button.setText(self.tr("Hide / show"))
        self.propose_button.setText(self.tr("More items from a model"))
        self.propose_button.setToolTip(self.tr(
            "A capable model proposes gap-fill items for the selected topics; only those "
            "quoting the textbook word for word are added"))

    def changeEvent(self, event: Any) -> None:
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
            self.refresh()
        super().changeEvent(event)


def make_dashboard(services: Services, session: Session | None,
                   parent: QWidget | None = None) -> QWidget | None:
    """The teacher's Progress tab (None when progress is not wired)."""
    if progress_service(services) is None:
        return None
    return ClassDashboard(services, session, parent)


def make_topic_editor(services: Services, session: Session | None,
                      parent: QWidget | None = None) -> QWidget | None:
    if progress_service(services) is None:
        return None
    return TopicEditor(services, session, parent)


class StudentProgressDialog(QWidget):
    """One student's topics and levels, read-only (a teacher's double-click in the grid)."""

    def __init__(self, services: Services, session: Session, user_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("studentProgress")
        service = progress_service(services)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 3)
        self.table.verticalHeader().setVisible(False)
        self.table.setHorizontalHeaderLabels([self.tr("Topic"), self.tr("Level"),
                                              self.tr("Right")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        if service is not None:
            data = service.student_progress(session, user_id)
            self.setWindowTitle(data.user.display_name)
            for levels in data.subjects.values():
                for level in levels:
                    row = self.table.rowCount()
                    self.table.insertRow(row)
                    self.table.setItem(row, 0, QTableWidgetItem(level.title))
                    self.table.setItem(row, 1, _level_item(level.level))
                    self.table.setItem(row, 2, QTableWidgetItem(
                        f"{level.correct}/{level.attempts}"))
        layout.addWidget(self.table)
        # Their conversations, read-only (the store checks the teacher may read them).
        self.conversations = QListWidget()
        self.conversations.setObjectName("studentConversations")
        self.transcript = QLabel()
        self.transcript.setObjectName("studentTranscript")
        self.transcript.setWordWrap(True)
        self.transcript.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.services = services
        self.session = session
        self.heading = label("section")
        self.heading.setText(self.tr("Conversations"))
        layout.addWidget(self.heading)
        layout.addWidget(self.conversations)
        layout.addWidget(self.transcript)
        for conversation in services.conversations.list_for(session, user_id):
            entry = QListWidgetItem(f"{conversation.updated_at[:10]}  {conversation.title}")
            entry.setData(Qt.ItemDataRole.UserRole, conversation.id)
            self.conversations.addItem(entry)
        self.conversations.currentItemChanged.connect(self._show_conversation)
        self.resize(640, 620)

    def _show_conversation(self, entry: QListWidgetItem | None, _old: object = None) -> None:
        if entry is None:
            return
        messages = self.services.conversations.messages(
            self.session, str(entry.data(Qt.ItemDataRole.UserRole)))
        self.transcript.setText("\n\n".join(
            f"{'❓' if m.role == 'user' else '💬'} {m.content}" for m in messages
            if m.role in ("user", "assistant"))[:4000])
