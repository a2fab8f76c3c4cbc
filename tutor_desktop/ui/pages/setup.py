"""First run: name the school, create the first admin, choose the default language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QFrame, QLabel, QLineEdit, QVBoxLayout

from tutor_desktop.core.accounts import User
from tutor_desktop.ui.background import run_in_background
from tutor_desktop.ui.i18n import LANGUAGE_NAMES
from tutor_desktop.ui.widgets import MessageLabel, Page, button, form_row, label

if TYPE_CHECKING:
    from tutor_desktop.composition import Services


class SetupPage(Page):
    """Shown while no admin exists. Emits ``completed(language)`` once the school exists."""

    completed = Signal(str)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 24, 40, 24)
        self.title = label("title")
        self.intro = label("subtitle")
        outer.addWidget(self.title)
        outer.addWidget(self.intro)

        card = QFrame()
        card.setProperty("card", True)
        card.setMinimumWidth(640)
        card.setMaximumWidth(760)
        form = QFormLayout(card)
        form.setContentsMargins(28, 24, 28, 24)
        form.setVerticalSpacing(14)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.school_name = QLineEdit(services.config.school_name)
        self.admin_name = QLineEdit()
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = QLineEdit()
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.language = QComboBox()
        for code, name in LANGUAGE_NAMES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(services.config.language)))
        self.labels: list[QLabel] = [
            form_row(form, field) for field in (self.school_name, self.admin_name,
                                                self.username, self.password,
                                                self.password_again, self.language)]
        self.message = MessageLabel()
        self.create_button = button("primary")
        self.create_button.clicked.connect(self.submit)
        form.addRow(self.message)
        form.addRow(self.create_button)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.title.setText(self.tr("Welcome to Tutor Desktop"))
        self.intro.setText(self.tr("Let's set up this computer for your school."))
        captions = (self.tr("School name"), self.tr("Your full name"), self.tr("Username"),
                    self.tr("Password"), self.tr("Password again"), self.tr("Default language"))
        for caption, text in zip(self.labels, captions, strict=True):
            caption.setText(text)
        self.password.setPlaceholderText(self.tr("At least 8 characters"))
        self.create_button.setText(self.tr("Create the school"))

    def submit(self) -> None:
        school, name = self.school_name.text().strip(), self.admin_name.text().strip()
        username, password = self.username.text().strip(), self.password.text()
        if not (school and name and username and password):
            self.message.show_text(lambda: self.tr("Please fill in every field."))
            return
        if password != self.password_again.text():
            self.message.show_text(lambda: self.tr("The two passwords are not the same."))
            return
        language = str(self.language.currentData())
        self.message.clear_message()
        self.create_button.setEnabled(False)
        run_in_background(self.services.accounts.first_run_setup, school, name, username,
                          password, language, on_done=self._done, on_error=self._failed,
                          context=self)

    def _done(self, _admin: User) -> None:
        self.create_button.setEnabled(True)
        self.password.clear()
        self.password_again.clear()
        self.completed.emit(str(self.language.currentData()))

    def _failed(self, error: BaseException) -> None:
        self.create_button.setEnabled(True)
        self.message.show_error(error)
