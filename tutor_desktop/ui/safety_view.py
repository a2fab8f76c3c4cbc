"""The teacher's "Needs attention" list: children whose messages showed distress.

Each row is one case the safety check recorded (time, student, class, category, the
child's own words). Teachers see their classes' cases, admins all; "Mark as seen"
acknowledges a case (it leaves the list, kept with who saw it and when). The list
refreshes when shown and every minute while open, so a case written on another PC of
the lab (or a moment ago) appears without signing out.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tutor_desktop.core.accounts import Session
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.i18n import tr as core_message
from tutor_desktop.core.safety import SafetyEvent
from tutor_desktop.ui.i18n import current_language
from tutor_desktop.ui.widgets import MessageLabel, button, label

if TYPE_CHECKING:
    from tutor_desktop.composition import Services

REFRESH_MS = 60_000


def _local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


class NeedsAttentionPage(QWidget):
    """Unacknowledged safety cases of the signed-in teacher's classes."""

    count_changed = Signal(int)

    def __init__(self, services: Services, session: Session,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("needsAttention")
        self.services = services
        self.session = session
        self.events: list[SafetyEvent] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        self.intro = label(align=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("attentionTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.empty = label(align=Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("attentionEmpty")
        layout.addWidget(self.empty)
        row = QHBoxLayout()
        self.show_seen = QCheckBox()
        self.show_seen.setObjectName("attentionShowSeen")
        self.show_seen.toggled.connect(lambda _checked: self.refresh())
        self.ack_button = button("primary")
        self.ack_button.setObjectName("attentionAcknowledge")
        self.ack_button.clicked.connect(self.acknowledge_selected)
        row.addWidget(self.show_seen)
        row.addStretch(1)
        row.addWidget(self.ack_button)
        layout.addLayout(row)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.table.itemSelectionChanged.connect(self._update_button)
        self.retranslate_ui()
        self.refresh()

    # -- data -------------------------------------------------------------------
    def refresh(self) -> None:
        store = self.services.safety.events
        try:
            self.events = [] if store is None else store.list_for(
                self.session, include_acknowledged=self.show_seen.isChecked())
        except TutorError as error:
            self.events = []
            self.message.show_error(error)
        self._fill()
        self.count_changed.emit(sum(not e.acknowledged for e in self.events))

    def _fill(self) -> None:
        language = current_language()
        self.table.setRowCount(len(self.events))
        for row, event in enumerate(self.events):
            category = core_message(f"safety_category_{event.category}", language)
            seen = "" if not event.acknowledged else "✓ "
            cells = (seen + _local_time(event.created_at), event.student_name,
                     event.class_name, category, event.message)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, event.id)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        self.table.setVisible(bool(self.events))
        self.empty.setVisible(not self.events)
        self._update_button()

    def selected_event(self) -> SafetyEvent | None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        if len(rows) != 1:
            return None
        return self.events[rows.pop()]

    def acknowledge_selected(self) -> None:
        event = self.selected_event()
        store = self.services.safety.events
        if event is None or store is None:
            return
        try:
            store.acknowledge(self.session, event.id)
        except TutorError as error:
            self.message.show_error(error)
            return
        self.message.show_text(lambda: self.tr("Marked as seen."), success=True)
        self.refresh()

    def _update_button(self) -> None:
        event = self.selected_event()
        self.ack_button.setEnabled(event is not None and not event.acknowledged)

    # -- text -------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.intro.setText(self.tr(
            "Messages in which a student of your classes may be in danger or distress. "
            "The student was answered with care and the child helpline 108. Talk to the "
            "student soon, then mark the case as seen."))
        self.table.setHorizontalHeaderLabels([
            self.tr("Time"), self.tr("Student"), self.tr("Class"), self.tr("Concern"),
            self.tr("What the student wrote")])
        self.empty.setText(self.tr("Nothing needs your attention."))
        self.show_seen.setText(self.tr("Show cases already seen"))
        self.ack_button.setText(self.tr("Mark as seen"))
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def showEvent(self, event: Any) -> None:
        self.refresh()
        super().showEvent(event)


def make_attention_page(services: Services, session: Session,
                        parent: QWidget | None = None) -> NeedsAttentionPage | None:
    """The list for staff; None for a student (they never see it)."""
    if session.is_student:
        return None
    return NeedsAttentionPage(services, session, parent)
