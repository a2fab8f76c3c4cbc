"""A student's home: a greeting and one big tile per subject of their grade."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout

from tutor_desktop.core.accounts import Session
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.ui.i18n import current_language
from tutor_desktop.ui.subjects import Subject, color, subjects_for_grade, symbol
from tutor_desktop.ui.widgets import (
    Page,
    TileButton,
    TileGrid,
    button,
    label,
    mascot,
    phrases,
)

if TYPE_CHECKING:
    from tutor_desktop.composition import Services


class StudentHomePage(Page):
    """Emits ``subject_chosen(subject_id)``."""

    subject_chosen = Signal(str)
    progress_requested = Signal()

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.session: Session | None = None
        self.grade: int | None = None
        self.class_name = ""
        self.subjects: list[Subject] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(36, 22, 36, 18)
        self.greeting = label("title", align=Qt.AlignmentFlag.AlignLeft, wrap=False)
        self.greeting.setObjectName("greeting")
        self.class_line = label("subtitle", align=Qt.AlignmentFlag.AlignLeft)
        self.prompt = label("section")
        self.grid = TileGrid(columns=4)
        # Learning progress: "N items to review today" and "My progress".
        self.due_label = label("subtitle", align=Qt.AlignmentFlag.AlignLeft)
        self.due_label.setObjectName("homeDue")
        self.progress_button = button("primary")
        self.progress_button.setObjectName("homeProgress")
        self.progress_button.clicked.connect(self.progress_requested.emit)
        hello = QHBoxLayout()
        hello.addStretch(1)
        hello.addWidget(mascot(92))
        titles = QVBoxLayout()
        titles.addStretch(1)
        titles.addWidget(self.greeting)
        titles.addWidget(self.class_line)
        titles.addStretch(1)
        hello.addLayout(titles)
        hello.addStretch(1)
        layout.addLayout(hello)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.due_label, 1)
        progress_row.addWidget(self.progress_button)
        layout.addLayout(progress_row)
        layout.addSpacing(4)
        layout.addWidget(self.prompt)
        layout.addSpacing(4)
        layout.addWidget(self.grid, 1)
        self.retranslate_ui()

    def set_session(self, session: Session | None) -> None:
        self.session = session
        self.grade, self.class_name = None, ""
        if session is not None and session.user.class_id:
            try:
                school_class = self.services.accounts.get_class(session.user.class_id)
                self.grade, self.class_name = school_class.grade, school_class.name
            except TutorError:
                pass
        self.subjects = subjects_for_grade(self.grade) if session is not None else []
        tiles: list[QPushButton] = []
        for subject in self.subjects:
            tile = TileButton(subject.name(current_language()), color(subject), symbol(subject),
                              vertical=True, size=QSize(180, 128))
            tile.setObjectName(f"subject:{subject.id}")
            tile.clicked.connect(lambda _=False, s=subject.id: self.subject_chosen.emit(s))
            tiles.append(tile)
        self.grid.set_tiles(tiles)
        self.retranslate_ui()

    def due_count(self) -> int:
        progress = getattr(self.services, "progress", None)
        if progress is None or self.session is None:
            return 0
        try:
            return int(progress.due_count(self.session))
        except TutorError:
            return 0

    def on_shown(self) -> None:
        self.retranslate_ui()
        # The keyboard starts on the first subject (arrows move, Enter opens).
        QTimer.singleShot(0, self, self.grid.focus_first)

    def retranslate_ui(self) -> None:
        name = self.session.user.display_name if self.session else ""
        self.greeting.setText(self.tr("Hello, {name}!").format(name=name))
        if self.grade is not None:
            self.class_line.setText(phrases(self.tr("Class {name} · Grade {grade}").format(
                name=self.class_name, grade=self.grade)))
        else:
            self.class_line.setText("")
        self.prompt.setText(self.tr("What shall we learn today? Choose a subject."))
        self.progress_button.setText(self.tr("My progress"))
        due = self.due_count()
        self.due_label.setText(
            self.tr("%1 items to review today").replace("%1", str(due)) if due else "")
        language = current_language()
        for tile, subject in zip(self.grid.tiles, self.subjects, strict=False):
            if isinstance(tile, TileButton):
                tile.set_texts(subject.name(language))
