"""Sign-in for a shared PC: class -> name -> PIN for students, username + password for staff."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tutor_desktop.core.accounts import SchoolClass, Session, User
from tutor_desktop.ui.background import run_in_background
from tutor_desktop.ui.style import TILE_COLORS
from tutor_desktop.ui.widgets import (
    MessageLabel,
    Page,
    PinPad,
    TileButton,
    TileGrid,
    badge_icon,
    button,
    form_row,
    label,
    mascot,
)

if TYPE_CHECKING:
    from tutor_desktop.composition import Services


def _initial(name: str) -> str:
    return name.strip()[:1].upper() or "?"


class SignInPage(Page):
    """Emits ``signed_in(session)``. Steps: classes, students, PIN, staff form."""

    signed_in = Signal(object)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.school_class: SchoolClass | None = None
        self.student: User | None = None
        self.classes: list[SchoolClass] = []
        self.students: list[User] = []
        self.busy = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(36, 18, 36, 12)
        self.steps = QStackedWidget()
        outer.addWidget(self.steps, 1)
        footer = QHBoxLayout()
        footer.addStretch(1)
        self.staff_link = button("link")
        self.staff_link.setObjectName("staffLink")
        self.staff_link.clicked.connect(self.show_staff)
        footer.addWidget(self.staff_link)
        outer.addLayout(footer)

        self.class_step = self._build_class_step()
        self.student_step = self._build_student_step()
        self.pin_step = self._build_pin_step()
        self.staff_step = self._build_staff_step()
        for step in (self.class_step, self.student_step, self.pin_step, self.staff_step):
            self.steps.addWidget(step)
        self.steps.currentChanged.connect(
            lambda _: self.staff_link.setVisible(self.steps.currentWidget() is not self.staff_step))
        self.retranslate_ui()

    # -- building ----------------------------------------------------------
    def _build_class_step(self) -> QWidget:
        step = QWidget()
        layout = QVBoxLayout(step)
        self.class_title = label("title", align=Qt.AlignmentFlag.AlignLeft, wrap=False)
        self.class_hint = label("subtitle", align=Qt.AlignmentFlag.AlignLeft)
        self.class_grid = TileGrid(columns=4)
        self.no_classes = label("hint")
        self.notice = MessageLabel()
        layout.addWidget(self.notice)
        hello = QHBoxLayout()
        hello.addStretch(1)
        hello.addWidget(mascot(110))
        titles = QVBoxLayout()
        titles.addStretch(1)
        titles.addWidget(self.class_title)
        titles.addWidget(self.class_hint)
        titles.addStretch(1)
        hello.addLayout(titles)
        hello.addStretch(1)
        layout.addLayout(hello)
        layout.addSpacing(10)
        layout.addWidget(self.no_classes)
        layout.addWidget(self.class_grid, 1)
        return step

    def _build_student_step(self) -> QWidget:
        step = QWidget()
        layout = QVBoxLayout(step)
        top = QHBoxLayout()
        self.students_back = button("back")
        self.students_back.clicked.connect(self.show_classes)
        top.addWidget(self.students_back)
        top.addStretch(1)
        layout.addLayout(top)
        self.student_title = label("title")
        self.student_hint = label("subtitle")
        self.student_grid = TileGrid(columns=3)
        self.no_students = label("hint")
        layout.addWidget(self.student_title)
        layout.addWidget(self.student_hint)
        layout.addSpacing(10)
        layout.addWidget(self.no_students)
        layout.addWidget(self.student_grid, 1)
        return step

    def _build_pin_step(self) -> QWidget:
        step = QWidget()
        layout = QVBoxLayout(step)
        top = QHBoxLayout()
        self.pin_back = button("back")
        self.pin_back.clicked.connect(self._back_to_students)
        top.addWidget(self.pin_back)
        top.addStretch(1)
        layout.addLayout(top)
        columns = QHBoxLayout()
        columns.setSpacing(40)
        left = QVBoxLayout()
        left.addStretch(1)
        self.pin_avatar = QLabel()
        self.pin_avatar.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin_title = label("title")
        self.pin_hint = label("subtitle")
        self.pin_message = MessageLabel()
        left.addWidget(self.pin_avatar)
        left.addWidget(self.pin_title)
        left.addWidget(self.pin_hint)
        left.addSpacing(8)
        left.addWidget(self.pin_message)
        left.addStretch(2)
        self.pin_pad = PinPad()
        self.pin_pad.submitted.connect(self.submit_pin)
        columns.addStretch(1)
        columns.addLayout(left, 3)
        columns.addWidget(self.pin_pad, 0, Qt.AlignmentFlag.AlignVCenter)
        columns.addStretch(1)
        layout.addLayout(columns, 1)
        return step

    def _build_staff_step(self) -> QWidget:
        step = QWidget()
        layout = QVBoxLayout(step)
        top = QHBoxLayout()
        self.staff_back = button("back")
        self.staff_back.clicked.connect(self.show_classes)
        top.addWidget(self.staff_back)
        top.addStretch(1)
        layout.addLayout(top)
        self.staff_title = label("title")
        layout.addWidget(self.staff_title)
        card = QFrame()
        card.setProperty("card", True)
        card.setMinimumWidth(520)
        card.setMaximumWidth(600)
        form = QFormLayout(card)
        form.setContentsMargins(28, 24, 28, 24)
        form.setVerticalSpacing(14)
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.submit_staff)
        self.username_label = form_row(form, self.username)
        self.password_label = form_row(form, self.password)
        self.staff_message = MessageLabel()
        form.addRow(self.staff_message)
        self.staff_button = button("primary")
        self.staff_button.clicked.connect(self.submit_staff)
        form.addRow(self.staff_button)
        layout.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        return step

    # -- texts -------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.class_title.setText(self.tr("Hello! Which class are you in?"))
        self.class_hint.setText(self.tr("Tap your class."))
        self.no_classes.setText(self.tr("There are no classes yet. A teacher can add them: "
                                        "use the teacher sign-in below."))
        self.students_back.setText(self.tr("← Classes"))
        for back in (self.students_back, self.pin_back, self.staff_back):
            back.setToolTip(self.tr("Back (Esc)"))
        self.student_hint.setText(self.tr("Tap your name."))
        self.no_students.setText(self.tr("No students in this class yet. Ask your teacher."))
        self.pin_back.setText(self.tr("← Names"))
        self.pin_hint.setText(self.tr("Type your secret PIN code."))
        self.staff_back.setText(self.tr("← Back"))
        self.staff_title.setText(self.tr("Teacher sign-in"))
        self.username_label.setText(self.tr("Username"))
        self.password_label.setText(self.tr("Password"))
        self.staff_button.setText(self.tr("Sign in"))
        self.staff_link.setText(self.tr("Teacher or administrator? Sign in here"))
        self._retranslate_dynamic()
        for tile, school_class in zip(self.class_grid.tiles, self.classes, strict=False):
            if isinstance(tile, TileButton):
                tile.set_texts(school_class.name, self._grade_text(school_class))

    def _retranslate_dynamic(self) -> None:
        if self.school_class is not None:
            self.student_title.setText(
                self.tr("Class {name}: who are you?").format(name=self.school_class.name))
        if self.student is not None:
            self.pin_title.setText(self.tr("Hi, {name}!").format(name=self.student.display_name))

    def _grade_text(self, school_class: SchoolClass) -> str:
        return self.tr("Grade {grade}").format(grade=school_class.grade)

    # -- navigation --------------------------------------------------------
    def reset(self) -> None:
        """Back to the class list with nothing typed (after sign-out)."""
        self.busy = False
        self.pin_pad.clear()
        self.pin_pad.set_enabled_keys(True)
        self.username.clear()
        self.password.clear()
        self.staff_button.setEnabled(True)
        self.pin_message.clear_message()
        self.staff_message.clear_message()
        self.notice.clear_message()
        self.show_classes()

    def on_shown(self) -> None:
        if self.steps.currentWidget() is self.class_step:
            self.show_classes()

    def show_classes(self) -> None:
        self.school_class, self.student = None, None
        self.classes = self.services.accounts.list_classes()
        tiles: list[QPushButton] = []
        for index, school_class in enumerate(self.classes):
            color = TILE_COLORS[index % len(TILE_COLORS)]
            tile = TileButton(school_class.name, color, str(school_class.grade),
                              subtitle=self._grade_text(school_class), size=QSize(200, 100))
            tile.setObjectName(f"class:{school_class.name}")
            tile.clicked.connect(lambda _=False, c=school_class: self.choose_class(c))
            tiles.append(tile)
        self.class_grid.set_tiles(tiles)
        self.no_classes.setVisible(not self.classes)
        self.steps.setCurrentWidget(self.class_step)
        # Once shown: the keyboard starts on the first class (arrows, Enter).
        QTimer.singleShot(0, self, self.class_grid.focus_first)

    def show_notice(self, render: Callable[[], str]) -> None:
        """A translated notice above the class list (e.g. why the last child was signed out)."""
        self.notice.show_text(render)

    def choose_class(self, school_class: SchoolClass) -> None:
        self.notice.clear_message()
        self.school_class = school_class
        self.student = None
        self.students = self.services.accounts.list_students(school_class.id)
        tiles: list[QPushButton] = []
        for index, student in enumerate(self.students):
            color = TILE_COLORS[(index + 2) % len(TILE_COLORS)]
            tile = TileButton(student.display_name, color, _initial(student.display_name))
            tile.setObjectName(f"student:{student.display_name}")
            tile.clicked.connect(lambda _=False, s=student: self.choose_student(s))
            tiles.append(tile)
        self.student_grid.set_tiles(tiles)
        self.no_students.setVisible(not self.students)
        self._retranslate_dynamic()
        self.steps.setCurrentWidget(self.student_step)
        QTimer.singleShot(0, self, self.student_grid.focus_first)

    def choose_student(self, student: User) -> None:
        self.student = student
        index = next((i for i, s in enumerate(self.students) if s.id == student.id), 0)
        color = TILE_COLORS[(index + 2) % len(TILE_COLORS)]
        self.pin_avatar.setPixmap(badge_icon(_initial(student.display_name), "white", 96,
                                             fill=color).pixmap(96, 96))
        self.pin_message.clear_message()
        self.pin_pad.clear()
        self._retranslate_dynamic()
        if not student.has_pin:
            self._sign_in_student(None)
            return
        self.steps.setCurrentWidget(self.pin_step)
        self.pin_pad.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self, self._focus_step)

    def _focus_step(self) -> None:
        """The keyboard where a child starts: the first tile, the PIN pad, the username."""
        step = self.steps.currentWidget()
        if step is self.class_step:
            self.class_grid.focus_first()
        elif step is self.student_step:
            self.student_grid.focus_first()
        elif step is self.pin_step:
            self.pin_pad.setFocus()
        elif step is self.staff_step:
            self.username.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc goes one step back: PIN -> names -> classes (staff form -> classes)."""
        if event.key() == Qt.Key.Key_Escape and not self.busy:
            step = self.steps.currentWidget()
            if step is self.pin_step:
                self._back_to_students()
                return
            if step in (self.student_step, self.staff_step):
                self.show_classes()
                return
        super().keyPressEvent(event)

    def _back_to_students(self) -> None:
        if self.school_class is not None:
            self.choose_class(self.school_class)
        else:
            self.show_classes()

    def show_staff(self) -> None:
        self.staff_message.clear_message()
        self.steps.setCurrentWidget(self.staff_step)
        self.username.setFocus()

    # -- signing in (scrypt: off the GUI thread) ---------------------------
    def submit_pin(self, pin: str) -> None:
        self._sign_in_student(pin)

    def _sign_in_student(self, pin: str | None) -> None:
        if self.student is None or self.busy:
            return
        self.busy = True
        self.pin_pad.set_enabled_keys(False)
        run_in_background(self.services.accounts.sign_in_student, self.student.id, pin,
                          on_done=self._signed_in, on_error=self._pin_failed, context=self)

    def _pin_failed(self, error: BaseException) -> None:
        self.busy = False
        self.pin_pad.clear()
        self.pin_pad.set_enabled_keys(True)
        self.pin_message.show_error(error)
        if self.student is not None and not self.student.has_pin:
            self.steps.setCurrentWidget(self.pin_step)
        self.pin_pad.setFocus()

    def submit_staff(self) -> None:
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password or self.busy:
            return
        self.busy = True
        self.staff_button.setEnabled(False)
        run_in_background(self.services.accounts.sign_in_staff, username, password,
                          on_done=self._signed_in, on_error=self._staff_failed, context=self)

    def _staff_failed(self, error: BaseException) -> None:
        self.busy = False
        self.staff_button.setEnabled(True)
        self.password.clear()
        self.staff_message.show_error(error)

    def _signed_in(self, session: Session) -> None:
        self.busy = False
        self.signed_in.emit(session)
