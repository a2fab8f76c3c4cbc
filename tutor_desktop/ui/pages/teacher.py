"""The teacher area: classes, roster (add, CSV import, reset PIN), class settings, teachers
(list, add, assign to a class).

All rules (who may manage which class, PIN format) live in ``AccountService``;
this page only collects input, runs the call off the GUI thread and shows
the core's translated error. The library's
``tutor_desktop.ui.library_view.make_library_page(services, session, parent)``
is added as a tab when it exists.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tutor_desktop.core.accounts import Role, SchoolClass, Session, StaffMember, User
from tutor_desktop.ui import dialogs
from tutor_desktop.ui.background import run_in_background
from tutor_desktop.ui.library_view import make_library_page
from tutor_desktop.ui.safety_view import NeedsAttentionPage, make_attention_page
from tutor_desktop.ui.widgets import MessageLabel, Page, button, form_row, label, phrases

if TYPE_CHECKING:
    from tutor_desktop.composition import Services

log = logging.getLogger(__name__)


def _card() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setProperty("card", True)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(18, 14, 18, 16)
    layout.setSpacing(10)
    return frame, layout


def _pin_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setMaxLength(6)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
    return edit


class _Tabs(QTabWidget):
    """Tabs that prefer only the height every tab needs at least.

    Why: a QTabWidget prefers the height of its tallest tab, and the window's scroll
    area gives a page its preferred height. The library tab prefers 545 px, so on a
    1024x768 lab screen every teacher tab (the class dashboard too) scrolled by 16 px.
    Given the screen's height instead, each tab lays itself out in it; the page still
    scrolls where even the tabs' minimum does not fit (a small screen at 150 %)."""

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), self.minimumSizeHint().height())

    def hasHeightForWidth(self) -> bool:
        return False


class TeacherPage(Page):
    """Roster per class for teachers and admins."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.setProperty("compact", True)
        self.services = services
        self.session: Session | None = None
        self.classes: list[SchoolClass] = []
        self.students: list[User] = []
        self.staff: list[StaffMember] = []
        self._staff_generation = 0  # drops staff lists loaded for an earlier session
        self.library_page: QWidget | None = None
        self.progress_page: QWidget | None = None
        self.student_progress: QWidget | None = None
        self.attention_page: NeedsAttentionPage | None = None
        self.attention_count = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 16, 28, 12)
        self.title = label("title", align=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.title)
        self.tabs = _Tabs()
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)
        self.roster_tab = self._build_roster_tab()
        self.teachers_tab = self._build_teachers_tab()
        self.tabs.addTab(self.roster_tab, "")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.retranslate_ui()

    # -- building ----------------------------------------------------------
    def _build_roster_tab(self) -> QWidget:
        tab = QWidget()
        columns = QHBoxLayout(tab)
        columns.setSpacing(18)

        left = QVBoxLayout()
        class_row = QHBoxLayout()
        self.class_label = QLabel()
        self.class_combo = QComboBox()
        self.class_combo.setMinimumWidth(180)
        self.class_combo.currentIndexChanged.connect(self._class_changed)
        class_row.addWidget(self.class_label)
        class_row.addWidget(self.class_combo, 1)
        left.addLayout(class_row)
        self.table = QTableWidget(0, 2)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents)
        left.addWidget(self.table, 1)
        self.message = MessageLabel()
        left.addWidget(self.message)
        columns.addLayout(left, 5)

        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 6, 0)
        right.setSpacing(12)
        # Add a student
        add_card, add = _card()
        self.add_title = label("section", align=Qt.AlignmentFlag.AlignLeft)
        add_form = QFormLayout()
        self.new_name, self.new_pin = QLineEdit(), _pin_edit()
        self.new_name.setObjectName("newStudentName")
        self.new_pin.setObjectName("newStudentPin")
        self.new_name_label = form_row(add_form, self.new_name)
        self.new_pin_label = form_row(add_form, self.new_pin)
        self.add_button = button("primary")
        self.add_button.setObjectName("addStudent")
        self.add_button.clicked.connect(self.add_student)
        self.import_button = button()
        self.import_button.setObjectName("importRoster")
        self.import_button.clicked.connect(self.choose_roster_file)
        add.addWidget(self.add_title)
        add.addLayout(add_form)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.import_button)
        add.addLayout(row)
        right.addWidget(add_card)
        # Reset a PIN
        reset_card, reset = _card()
        self.reset_title = label("section", align=Qt.AlignmentFlag.AlignLeft)
        self.reset_hint = label("hint", align=Qt.AlignmentFlag.AlignLeft)
        reset_row = QHBoxLayout()
        self.reset_pin_edit = _pin_edit()
        self.reset_pin_edit.setObjectName("resetPin")
        self.reset_button = button()
        self.reset_button.setObjectName("resetPinButton")
        self.reset_button.clicked.connect(self.reset_pin)
        reset_row.addWidget(self.reset_pin_edit, 1)
        reset_row.addWidget(self.reset_button)
        reset.addWidget(self.reset_title)
        reset.addWidget(self.reset_hint)
        reset.addLayout(reset_row)
        right.addWidget(reset_card)
        # Class settings
        settings_card, settings = _card()
        self.settings_title = label("section", align=Qt.AlignmentFlag.AlignLeft)
        self.allow_no_pin = QCheckBox()
        self.allow_no_pin.setObjectName("allowNoPin")
        # Without a PIN anyone at the shared PC can open these students' histories:
        # say so wherever the choice is made.
        self.no_pin_warning = QLabel()
        self.no_pin_warning.setObjectName("noPinWarning")
        self.no_pin_warning.setWordWrap(True)
        self.no_pin_warning.setStyleSheet("color: #9A3412;")
        self.no_pin_warning.setVisible(False)
        self.allow_no_pin.toggled.connect(self.no_pin_warning.setVisible)
        limit_row = QHBoxLayout()
        self.limit_label = QLabel()
        self.limit_label.setWordWrap(True)
        self.daily_limit = QSpinBox()
        self.daily_limit.setObjectName("dailyLimit")
        self.daily_limit.setRange(0, 1000)
        limit_row.addWidget(self.limit_label, 1)
        limit_row.addWidget(self.daily_limit)
        # Fair use: per student and minute; past it a countdown, then it unlocks.
        self.per_minute_rows: list[QLabel] = []
        self.questions_per_minute = QSpinBox()
        self.questions_per_minute.setObjectName("questionsPerMinute")
        self.recordings_per_minute = QSpinBox()
        self.recordings_per_minute.setObjectName("recordingsPerMinute")
        minute_rows: list[QHBoxLayout] = []
        for spin in (self.questions_per_minute, self.recordings_per_minute):
            spin.setRange(0, 600)
            caption = QLabel()
            caption.setWordWrap(True)
            self.per_minute_rows.append(caption)
            minute_row = QHBoxLayout()
            minute_row.addWidget(caption, 1)
            minute_row.addWidget(spin)
            minute_rows.append(minute_row)
        self.save_settings_button = button()
        self.save_settings_button.setObjectName("saveClassSettings")
        self.save_settings_button.clicked.connect(self.save_class_settings)
        settings.addWidget(self.settings_title)
        settings.addWidget(self.allow_no_pin)
        settings.addWidget(self.no_pin_warning)
        settings.addLayout(limit_row)
        for minute_row in minute_rows:
            settings.addLayout(minute_row)
        settings.addWidget(self.save_settings_button)
        right.addWidget(settings_card)
        # New class
        class_card, new_class = _card()
        self.new_class_title = label("section", align=Qt.AlignmentFlag.AlignLeft)
        class_form = QHBoxLayout()
        self.new_class_name = QLineEdit()
        self.new_class_name.setObjectName("newClassName")
        self.new_class_grade_label = QLabel()
        self.new_class_grade = QSpinBox()
        self.new_class_grade.setObjectName("newClassGrade")
        self.new_class_grade.setRange(1, 12)
        self.create_class_button = button()
        self.create_class_button.setObjectName("createClass")
        self.create_class_button.clicked.connect(self.create_class)
        # The name gets a row of its own: beside the grade and the button it was cut
        # to "Анг…" on a 1024-pixel-wide screen.
        class_form.addWidget(self.new_class_grade_label)
        class_form.addWidget(self.new_class_grade)
        class_form.addStretch(1)
        class_form.addWidget(self.create_class_button)
        new_class.addWidget(self.new_class_title)
        new_class.addWidget(self.new_class_name)
        new_class.addLayout(class_form)
        right.addWidget(class_card)
        right.addStretch(1)
        right_panel = QWidget()
        right_panel.setLayout(right)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(right_panel)
        scroll.setMinimumWidth(470)
        columns.addWidget(scroll, 4)
        return tab

    def _build_teachers_tab(self) -> QWidget:
        tab = QWidget()
        outer = QHBoxLayout(tab)
        outer.addStretch(1)
        layout = QVBoxLayout()
        layout.setSpacing(12)
        outer.addLayout(layout, 12)
        outer.addStretch(1)
        # Who the teachers are and what they teach; assign one to a class.
        list_card, staff = _card()
        list_card.setMaximumWidth(900)
        self.staff_title = label("section", align=Qt.AlignmentFlag.AlignLeft)
        self.staff_table = QTableWidget(0, 3)
        self.staff_table.setObjectName("staffTable")
        self.staff_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.staff_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.staff_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.staff_table.verticalHeader().setVisible(False)
        header = self.staff_table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.staff_table.setMinimumHeight(140)
        assign_row = QHBoxLayout()
        self.assign_label = QLabel()
        self.assign_label.setWordWrap(True)
        self.assign_class = QComboBox()
        self.assign_class.setObjectName("assignClass")
        self.assign_class.setMinimumWidth(120)
        self.assign_button = button()
        self.assign_button.setObjectName("assignTeacher")
        self.assign_button.clicked.connect(self.assign_teacher)
        assign_row.addWidget(self.assign_label, 1)
        assign_row.addWidget(self.assign_class)
        assign_row.addWidget(self.assign_button)
        # A teacher who forgot their password: the admin sets a new one.
        password_row = QHBoxLayout()
        self.staff_password = QLineEdit()
        self.staff_password.setObjectName("staffNewPassword")
        self.staff_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.staff_password_button = button()
        self.staff_password_button.setObjectName("resetStaffPassword")
        self.staff_password_button.clicked.connect(self.reset_staff_password)
        self.staff_password.returnPressed.connect(self.reset_staff_password)
        password_row.addWidget(self.staff_password, 1)
        password_row.addWidget(self.staff_password_button)
        self.staff_message = MessageLabel()
        staff.addWidget(self.staff_title)
        staff.addWidget(self.staff_table, 1)
        staff.addLayout(assign_row)
        staff.addLayout(password_row)
        staff.addWidget(self.staff_message)
        layout.addWidget(list_card, 1)
        # Add a teacher: two fields a row, so the list above keeps its height.
        card, inner = _card()
        card.setMaximumWidth(900)
        self.teacher_title = label("section", align=Qt.AlignmentFlag.AlignLeft)
        form = QGridLayout()
        form.setHorizontalSpacing(10)
        self.teacher_name, self.teacher_username = QLineEdit(), QLineEdit()
        self.teacher_password = QLineEdit()
        self.teacher_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.teacher_class = QComboBox()
        self.teacher_labels = []
        for index, field in enumerate((self.teacher_name, self.teacher_username,
                                       self.teacher_password, self.teacher_class)):
            caption = QLabel()
            caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            row, column = divmod(index, 2)
            form.addWidget(caption, row, column * 2)
            form.addWidget(field, row, column * 2 + 1)
            self.teacher_labels.append(caption)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)
        self.add_teacher_button = button("primary")
        self.add_teacher_button.clicked.connect(self.add_teacher)
        self.teacher_message = MessageLabel()
        button_row = QHBoxLayout()
        button_row.addWidget(self.teacher_message, 1)
        button_row.addWidget(self.add_teacher_button)
        inner.addWidget(self.teacher_title)
        inner.addLayout(form)
        inner.addLayout(button_row)
        layout.addWidget(card)
        return tab

    # -- texts -------------------------------------------------------------
    def retranslate_ui(self) -> None:
        name = self.session.user.display_name if self.session else ""
        self.title.setText(phrases(self.tr("Teacher area · {name}").format(name=name)))
        self.tabs.setTabText(self.tabs.indexOf(self.roster_tab), self.tr("Students"))
        if self.tabs.indexOf(self.teachers_tab) >= 0:
            self.tabs.setTabText(self.tabs.indexOf(self.teachers_tab), self.tr("Teachers"))
        if self.library_page is not None and self.tabs.indexOf(self.library_page) >= 0:
            self.tabs.setTabText(self.tabs.indexOf(self.library_page), self.tr("Library"))
        if self.progress_page is not None and self.tabs.indexOf(self.progress_page) >= 0:
            self.tabs.setTabText(self.tabs.indexOf(self.progress_page), self.tr("Progress"))
        self.class_label.setText(self.tr("Class"))
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("PIN code")])
        self.add_title.setText(self.tr("Add a student"))
        self.new_name_label.setText(self.tr("Name"))
        self.new_pin_label.setText(self.tr("PIN code"))
        self.new_pin.setPlaceholderText(self.tr("4-6 digits"))
        self.add_button.setText(self.tr("Add"))
        self.import_button.setText(self.tr("Import CSV…"))
        self.reset_title.setText(self.tr("Reset PIN"))
        self.reset_hint.setText(self.tr("Select a student in the list, type a new PIN."))
        self.reset_pin_edit.setPlaceholderText(self.tr("New PIN"))
        self.reset_button.setText(self.tr("Reset PIN"))
        self.settings_title.setText(self.tr("Class settings"))
        self.allow_no_pin.setText(self.tr("Students may sign in without a PIN"))
        self.no_pin_warning.setText(self.tr(
            "Warning: without a PIN, anyone at this computer can sign in as these students "
            "and read their conversations."))
        self.limit_label.setText(self.tr("Questions per student per day"))
        self.per_minute_rows[0].setText(self.tr("Questions per student per minute"))
        self.per_minute_rows[1].setText(self.tr("Voice recordings per student per minute"))
        self._attention_title()
        self.save_settings_button.setText(self.tr("Save settings"))
        self.new_class_title.setText(self.tr("New class"))
        self.new_class_name.setPlaceholderText(self.tr("Class name, e.g. 7A"))
        self.new_class_grade_label.setText(self.tr("Grade (1-12)"))
        self.create_class_button.setText(self.tr("Create"))
        self.teacher_title.setText(self.tr("Add a teacher"))
        for caption, text in zip(self.teacher_labels, (
                self.tr("Full name"), self.tr("Username"), self.tr("Password"),
                self.tr("Class")), strict=True):
            caption.setText(text)
        self.add_teacher_button.setText(self.tr("Add teacher"))
        self.staff_title.setText(self.tr("Teachers"))
        self.staff_table.setHorizontalHeaderLabels(
            [self.tr("Name"), self.tr("Username"), self.tr("Classes")])
        self.assign_label.setText(self.tr("Select a teacher in the list and a class:"))
        self.assign_button.setText(self.tr("Assign"))
        self.staff_password.setPlaceholderText(self.tr("New password for the selected teacher"))
        self.staff_password_button.setText(self.tr("Set password"))
        self._fill_staff_table()
        if self.teacher_class.count():
            self.teacher_class.setItemText(0, self.tr("(no class yet)"))
        for index, school_class in enumerate(self.classes[:self.class_combo.count()]):
            self.class_combo.setItemText(index, self._class_text(school_class))
        self._fill_table()

    def _class_text(self, school_class: SchoolClass) -> str:
        return self.tr("{name} (grade {grade})").format(name=school_class.name,
                                                        grade=school_class.grade)

    # -- session and data --------------------------------------------------
    def set_session(self, session: Session | None) -> None:
        self.session = session
        self.message.clear_message()
        self.teacher_message.clear_message()
        self.staff_message.clear_message()
        # Names and usernames of the previous admin's list never show to the next user.
        self._staff_generation += 1
        self.staff = []
        self._fill_staff_table()
        # A shared PC: the next staff member must not see names or PINs typed before.
        for edit in (self.new_name, self.new_pin, self.reset_pin_edit, self.new_class_name,
                     self.teacher_name, self.teacher_username, self.teacher_password,
                     self.staff_password):
            edit.clear()
        teachers_index = self.tabs.indexOf(self.teachers_tab)
        if session is not None and session.is_admin and teachers_index < 0:
            self.tabs.addTab(self.teachers_tab, "")
        elif (session is None or not session.is_admin) and teachers_index >= 0:
            self.tabs.removeTab(teachers_index)
        self._set_library_tab(session)
        self._set_attention_tab(session)
        self.refresh_classes()
        self.retranslate_ui()
        if session is not None and session.is_admin:
            self.refresh_staff()

    def _set_library_tab(self, session: Session | None) -> None:
        if self.progress_page is not None:
            self.tabs.removeTab(self.tabs.indexOf(self.progress_page))
            self.progress_page.deleteLater()
            self.progress_page = None
        if self.library_page is not None:
            shutdown = getattr(self.library_page, "shutdown", None)
            if callable(shutdown):
                shutdown()
            self.tabs.removeTab(self.tabs.indexOf(self.library_page))
            self.library_page.deleteLater()
            self.library_page = None
        if session is None:
            return
        page = make_library_page(self.services, session, self)
        self.library_page = page
        self.tabs.addTab(page, "")
        self._add_progress(session, page)

    def _add_progress(self, session: Session, library_page: QWidget) -> None:
        """Learning progress: the class dashboard tab, and the topic editor
        at the foot of the library tab."""
        from tutor_desktop.ui.progress_view import make_dashboard, make_topic_editor

        editor = make_topic_editor(self.services, session, library_page)
        page_layout = library_page.layout()
        if editor is not None and page_layout is not None:
            page_layout.addWidget(editor)
        dashboard = make_dashboard(self.services, session, self)
        if dashboard is not None:
            self.progress_page = dashboard
            self.tabs.insertTab(1, dashboard, "")
            dashboard.student_opened.connect(self._open_student_progress)  # type: ignore[attr-defined]
            # Questions the safety check flagged live in safety's "Needs attention" tab:
            # the dashboard links there rather than listing them again.
            flagged = getattr(dashboard, "flagged_button", None)
            if flagged is not None:
                flagged.show()
                flagged.clicked.connect(self._show_attention)

    def _show_attention(self) -> None:
        if self.attention_page is not None:
            self.tabs.setCurrentWidget(self.attention_page)

    def _set_attention_tab(self, session: Session | None) -> None:
        """Safety: the "Needs attention" list first, with its count."""
        if self.attention_page is not None:
            self.tabs.removeTab(self.tabs.indexOf(self.attention_page))
            self.attention_page.deleteLater()
            self.attention_page = None
        if session is None:
            return
        self.attention_page = make_attention_page(self.services, session, self)
        if self.attention_page is not None:
            self.tabs.insertTab(0, self.attention_page, "")
            self.attention_page.count_changed.connect(self._attention_counted)
            self._attention_counted(len(self.attention_page.events))
            if self.attention_count:  # open cases come first when a teacher signs in
                self.tabs.setCurrentWidget(self.attention_page)

    def _attention_counted(self, count: int) -> None:
        self.attention_count = count
        self._attention_title()

    def _attention_title(self) -> None:
        if self.attention_page is None or self.tabs.indexOf(self.attention_page) < 0:
            return
        title = self.tr("Needs attention")
        if self.attention_count:
            title = f"{title} ({self.attention_count})"
        self.tabs.setTabText(self.tabs.indexOf(self.attention_page), title)

    def _open_student_progress(self, user_id: str) -> None:
        from tutor_desktop.ui.progress_view import StudentProgressDialog

        if self.session is not None:
            self.student_progress = StudentProgressDialog(self.services, self.session, user_id,
                                                          self)
            self.student_progress.show()

    def refresh_classes(self, select_id: str | None = None) -> None:
        current = select_id or self.current_class_id()
        self.classes = self.services.accounts.classes_for(self.session) if self.session else []
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        for school_class in self.classes:
            self.class_combo.addItem(self._class_text(school_class), school_class.id)
        index = self.class_combo.findData(current) if current else -1
        self.class_combo.setCurrentIndex(index if index >= 0 else (0 if self.classes else -1))
        self.class_combo.blockSignals(False)
        self.teacher_class.clear()
        self.teacher_class.addItem(self.tr("(no class yet)"), "")
        for school_class in self.classes:
            self.teacher_class.addItem(school_class.name, school_class.id)
        assign_current = self.assign_class.currentData()
        self.assign_class.clear()
        for school_class in self.classes:
            self.assign_class.addItem(school_class.name, school_class.id)
        assign_index = self.assign_class.findData(assign_current)
        if assign_index >= 0:
            self.assign_class.setCurrentIndex(assign_index)
        self.assign_button.setEnabled(bool(self.classes))
        self._class_changed()

    def current_class_id(self) -> str | None:
        data = self.class_combo.currentData()
        return str(data) if data else None

    def current_class(self) -> SchoolClass | None:
        class_id = self.current_class_id()
        return next((c for c in self.classes if c.id == class_id), None)

    def _class_changed(self, *_: object) -> None:
        school_class = self.current_class()
        has_class = school_class is not None
        for widget in (self.add_button, self.import_button, self.reset_button,
                       self.save_settings_button, self.allow_no_pin, self.daily_limit,
                       self.questions_per_minute, self.recordings_per_minute):
            widget.setEnabled(has_class)
        if school_class is not None:
            self.allow_no_pin.setChecked(school_class.allow_no_pin)
            self.daily_limit.setValue(school_class.daily_message_limit)
            limits = self.services.safety.fair_use_limits(school_class.id)
            self.questions_per_minute.setValue(limits.questions_per_minute)
            self.recordings_per_minute.setValue(limits.recordings_per_minute)
        self.no_pin_warning.setVisible(school_class is not None and self.allow_no_pin.isChecked())
        self.refresh_students()

    def refresh_students(self) -> None:
        class_id = self.current_class_id()
        self.students = self.services.accounts.list_students(class_id) if class_id else []
        self._fill_table()

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self.students))
        for row, student in enumerate(self.students):
            name = QTableWidgetItem(student.display_name)
            name.setData(Qt.ItemDataRole.UserRole, student.id)
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, QTableWidgetItem(
                self.tr("Set") if student.has_pin else self.tr("No PIN")))

    def selected_student(self) -> User | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.students[rows[0].row()] if rows[0].row() < len(self.students) else None

    def select_student(self, display_name: str) -> None:
        for row, student in enumerate(self.students):
            if student.display_name == display_name:
                self.table.selectRow(row)
                return

    # -- staff list (admins only) ------------------------------------------
    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.teachers_tab:
            self.refresh_staff()

    def refresh_staff(self, select_id: str | None = None) -> None:
        """Reload teachers and their classes off the GUI thread."""
        if self.session is None or not self.session.is_admin:
            return
        self._staff_generation += 1
        generation = self._staff_generation
        selected = self.selected_staff()
        keep = select_id or (selected.user.id if selected is not None else None)

        def done(staff: list[StaffMember]) -> None:
            if generation != self._staff_generation:
                return  # signed out (or reloaded again) meanwhile
            self.staff = staff
            self._fill_staff_table()
            if keep is not None:
                self.select_staff(lambda member: member.user.id == keep)

        run_in_background(self.services.accounts.list_staff, self.session, on_done=done,
                          on_error=self.staff_message.show_error, context=self)

    def _fill_staff_table(self) -> None:
        self.staff_table.setRowCount(len(self.staff))
        for row, member in enumerate(self.staff):
            name = QTableWidgetItem(member.user.display_name)
            name.setData(Qt.ItemDataRole.UserRole, member.user.id)
            self.staff_table.setItem(row, 0, name)
            self.staff_table.setItem(row, 1, QTableWidgetItem(member.user.username or ""))
            if member.user.role is Role.ADMIN:
                classes = self.tr("All classes (admin)")
            else:
                classes = ", ".join(c.name for c in member.classes) or self.tr("(no class yet)")
            self.staff_table.setItem(row, 2, QTableWidgetItem(classes))

    def staff_classes_text(self, username: str) -> str:
        """The "Classes" cell shown for ``username`` ("" if not listed)."""
        for row, member in enumerate(self.staff):
            if member.user.username == username:
                item = self.staff_table.item(row, 2)
                return item.text() if item is not None else ""
        return ""

    def selected_staff(self) -> StaffMember | None:
        rows = self.staff_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.staff):
            return None
        return self.staff[rows[0].row()]

    def select_staff(self, match: Any) -> None:
        for row, member in enumerate(self.staff):
            if match(member):
                self.staff_table.selectRow(row)
                return

    def select_teacher(self, username: str) -> None:
        self.select_staff(lambda member: member.user.username == username)

    def reset_staff_password(self) -> None:
        """The admin gives the selected teacher a new password (and lifts any lock)."""
        member = self.selected_staff()
        if self.session is None or not self.staff_password_button.isEnabled():
            return
        if member is None or member.user.role is not Role.TEACHER:
            self.staff_message.show_text(lambda: self.tr("Select a teacher in the list first."))
            return
        name = member.user.display_name

        def done(_: object) -> None:
            self.staff_password.clear()
            self.staff_message.show_text(lambda: self.tr(
                "The password of {name} was changed. Tell them the new one; they can change "
                "it in Settings.").format(name=name), success=True)

        self._run(self.services.accounts.reset_staff_password, self.session, member.user.id,
                  self.staff_password.text(), done=done, buttons=(self.staff_password_button,),
                  message=self.staff_message)

    # -- actions (hashing and imports run in the background) ---------------
    def _run(self, fn: Any, *args: Any, done: Any, buttons: tuple[QPushButton, ...] = (),
             message: MessageLabel | None = None) -> None:
        target = message or self.message
        for widget in buttons:
            widget.setEnabled(False)

        def finish(result: Any) -> None:
            for widget in buttons:
                widget.setEnabled(True)
            done(result)

        def failed(error: BaseException) -> None:
            for widget in buttons:
                widget.setEnabled(True)
            target.show_error(error)

        target.clear_message()
        run_in_background(fn, *args, on_done=finish, on_error=failed, context=self)

    def add_student(self) -> None:
        class_id, name = self.current_class_id(), self.new_name.text().strip()
        if self.session is None or class_id is None:
            return
        if not name:
            self.message.show_text(lambda: self.tr("Type the student's name first."))
            return

        def done(student: User) -> None:
            self.new_name.clear()
            self.new_pin.clear()
            self.refresh_students()
            self.message.show_text(lambda: self.tr("{name} was added.").format(
                name=student.display_name), success=True)

        self._run(self.services.accounts.create_student, self.session, class_id, name,
                  self.new_pin.text().strip() or None, done=done, buttons=(self.add_button,))

    def reset_pin(self) -> None:
        student = self.selected_student()
        if self.session is None:
            return
        if student is None:
            self.message.show_text(lambda: self.tr("Select a student in the list first."))
            return

        def done(_: object) -> None:
            self.reset_pin_edit.clear()
            self.refresh_students()
            self.message.show_text(lambda: self.tr("The PIN of {name} was changed.").format(
                name=student.display_name), success=True)

        self._run(self.services.accounts.reset_pin, self.session, student.id,
                  self.reset_pin_edit.text().strip() or None, done=done,
                  buttons=(self.reset_button,))

    def choose_roster_file(self) -> None:
        path = dialogs.open_file(
            self, self.tr("Choose a class list"),
            self.tr("Class lists (*.csv);;All files (*)"), str(Path.home()))
        if path:
            self.import_roster_file(path)

    def import_roster_file(self, path: str) -> None:
        """Import a CSV with a ``name`` column and an optional ``pin`` column."""
        class_id = self.current_class_id()
        if self.session is None or class_id is None:
            return
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            reason = str(exc)
            self.message.show_text(lambda: self.tr("Cannot read that file: {error}").format(
                error=reason))
            return

        def done(created: list[User]) -> None:
            self.refresh_students()
            self.message.show_text(lambda: self.tr("{count} students were added.").format(
                count=len(created)), success=True)

        self._run(self.services.accounts.import_roster, self.session, class_id, text,
                  done=done, buttons=(self.import_button,))

    def save_class_settings(self) -> None:
        class_id = self.current_class_id()
        if self.session is None or class_id is None:
            return

        def done(updated: SchoolClass) -> None:
            self.refresh_classes(updated.id)
            self.message.show_text(lambda: self.tr("Settings saved."), success=True)

        # Widgets and the session are read here, on the GUI thread, never by the worker.
        self._run(functools.partial(self._save_class_settings,
                                    allow_no_pin=self.allow_no_pin.isChecked(),
                                    daily_message_limit=self.daily_limit.value(),
                                    questions=self.questions_per_minute.value(),
                                    recordings=self.recordings_per_minute.value()),
                  self.session, class_id, done=done, buttons=(self.save_settings_button,))

    def _save_class_settings(self, session: Session, class_id: str, *, allow_no_pin: bool,
                             daily_message_limit: int, questions: int,
                             recordings: int) -> SchoolClass:
        """Worker thread: the class settings and its per-minute fair-use limits."""
        updated = self.services.accounts.update_class(
            session, class_id, allow_no_pin=allow_no_pin,
            daily_message_limit=daily_message_limit)
        self.services.safety.set_fair_use_limits(session, class_id, questions_per_minute=questions,
                                                 recordings_per_minute=recordings)
        return updated

    def create_class(self) -> None:
        name = self.new_class_name.text().strip()
        if self.session is None:
            return
        if not name:
            self.message.show_text(lambda: self.tr("Type the class name first."))
            return

        def done(created: SchoolClass) -> None:
            self.new_class_name.clear()
            self.refresh_classes(created.id)
            self.message.show_text(lambda: self.tr("Class {name} was created.").format(
                name=created.name), success=True)

        self._run(self.services.accounts.create_class, self.session, name,
                  self.new_class_grade.value(), done=done, buttons=(self.create_class_button,))

    def add_teacher(self) -> None:
        name, username = self.teacher_name.text().strip(), self.teacher_username.text().strip()
        if self.session is None:
            return
        if not (name and username and self.teacher_password.text()):
            self.teacher_message.show_text(lambda: self.tr("Please fill in every field."))
            return
        class_id = self.teacher_class.currentData()
        class_ids = (str(class_id),) if class_id else ()

        def done(teacher: User) -> None:
            self.refresh_staff(teacher.id)
            self.teacher_name.clear()
            self.teacher_username.clear()
            self.teacher_password.clear()
            self.teacher_message.show_text(lambda: self.tr("{name} can now sign in.").format(
                name=teacher.display_name), success=True)

        self._run(self.services.accounts.create_teacher, self.session, username, name,
                  self.teacher_password.text(), class_ids, done=done,
                  buttons=(self.add_teacher_button,), message=self.teacher_message)

    def assign_teacher(self) -> None:
        """Let the selected teacher manage the chosen class too."""
        member, class_id = self.selected_staff(), self.assign_class.currentData()
        if self.session is None or not class_id:
            return
        if member is None:
            self.staff_message.show_text(lambda: self.tr("Select a teacher in the list first."))
            return
        if member.user.role is Role.ADMIN:
            self.staff_message.show_text(
                lambda: self.tr("An admin already manages every class."))
            return
        class_name, teacher_name = self.assign_class.currentText(), member.user.display_name

        def done(_: object) -> None:
            self.refresh_staff(member.user.id)
            self.staff_message.show_text(lambda: self.tr("{name} now teaches {class_name}.").format(
                name=teacher_name, class_name=class_name), success=True)

        self._run(self.services.accounts.assign_teacher, self.session, member.user.id,
                  str(class_id), done=done, buttons=(self.assign_button,),
                  message=self.staff_message)
