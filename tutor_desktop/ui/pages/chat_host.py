"""The chat area: hosts the tutor's chat view for one subject.

``tutor_desktop.ui.chat_view.make_chat_page(services, session, subject, grade,
parent) -> QWidget`` builds the chat (``subject`` is a
:mod:`tutor_desktop.core.subjects` id such as ``"math"``). If that widget has a
``shutdown()`` method it is called before the widget is deleted (sign-out,
inactivity, back to the subjects), so it can stop a running answer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from tutor_desktop.core.accounts import Session
from tutor_desktop.core.subjects import subject_by_id
from tutor_desktop.ui.chat_view import make_chat_page
from tutor_desktop.ui.i18n import current_language
from tutor_desktop.ui.widgets import Page, button, label

if TYPE_CHECKING:
    from tutor_desktop.composition import Services

log = logging.getLogger(__name__)


class ChatHostPage(Page):
    """Emits ``back()`` when the student wants the subject list again."""

    back = Signal()
    practise = Signal(str, str)     # topic id, title: "Practise this topic" under an answer

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.subject_id = ""
        self.content: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 10, 24, 12)
        top = QHBoxLayout()
        self.back_button = button("back")
        self.back_button.setObjectName("chatBack")
        self.back_button.clicked.connect(self.back.emit)
        self.back_button.setShortcut(QKeySequence(Qt.Modifier.ALT | Qt.Key.Key_Left))
        self.subject_title = label("section", align=Qt.AlignmentFlag.AlignCenter)
        top.addWidget(self.back_button)
        top.addWidget(self.subject_title, 1)
        top.addSpacing(self.back_button.sizeHint().width())
        layout.addLayout(top)
        self.body = QVBoxLayout()
        layout.addLayout(self.body, 1)
        self.retranslate_ui()

    def open(self, session: Session, subject_id: str, grade: int | None) -> None:
        self.close_chat()
        self.subject_id = subject_id
        widget = make_chat_page(self.services, session, subject_id, grade, self)
        self.content = widget
        relay = getattr(widget, "practise_requested", None)
        if relay is not None:
            relay.connect(self.practise.emit)
        self.body.addWidget(widget, 1)
        self.retranslate_ui()
        # Straight to typing: the question box has the keyboard.
        box = getattr(widget, "input", None)
        if isinstance(box, QWidget):
            QTimer.singleShot(0, box, lambda: box.setFocus(Qt.FocusReason.OtherFocusReason))

    def close_chat(self) -> None:
        """Stop and delete the chat widget (the core already saved the messages)."""
        if self.content is None:
            return
        shutdown = getattr(self.content, "shutdown", None)
        if callable(shutdown):
            try:
                shutdown()
            except Exception:
                log.exception("chat view shutdown failed")
        self.body.removeWidget(self.content)
        self.content.hide()
        self.content.deleteLater()
        self.content = None

    def retranslate_ui(self) -> None:
        self.back_button.setText(self.tr("← Subjects"))
        self.back_button.setToolTip(self.tr("Back to the subjects (Alt+Left)"))
        subject = subject_by_id(self.subject_id)
        self.subject_title.setText(subject.name(current_language()) if subject else "")

