"""Settings: the UI language (switches at run time), the school default, sign out.

Other features add their own panels with :meth:`SettingsPage.add_section`
(e.g. the service-status panel of the online issue).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from tutor_desktop import __version__
from tutor_desktop.core.accounts import Session
from tutor_desktop.core.storage.settings import set_setting
from tutor_desktop.ui.i18n import LANGUAGE_NAMES, current_language
from tutor_desktop.ui.widgets import MessageLabel, Page, button, label

if TYPE_CHECKING:
    from tutor_desktop.composition import Services


class SettingsPage(Page):
    """Emits ``back()``, ``sign_out()`` and ``language_chosen(code)``."""

    back = Signal()
    sign_out = Signal()
    language_chosen = Signal(str)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.session: Session | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(36, 14, 36, 18)
        layout.setSpacing(12)
        top = QHBoxLayout()
        self.back_button = button("back")
        self.back_button.setObjectName("settingsBack")
        self.back_button.clicked.connect(self.back.emit)
        top.addWidget(self.back_button)
        top.addStretch(1)
        layout.addLayout(top)
        self.title = label("title")
        layout.addWidget(self.title)

        self.language_title = label("section")
        layout.addWidget(self.language_title)
        row = QHBoxLayout()
        row.addStretch(1)
        self.language_group = QButtonGroup(self)
        self.language_buttons: dict[str, QPushButton] = {}
        for code, name in LANGUAGE_NAMES.items():
            choice = button("toggle", name)
            choice.setObjectName(f"language:{code}")
            choice.setCheckable(True)
            choice.setMinimumSize(200, 64)
            choice.clicked.connect(lambda _=False, c=code: self.language_chosen.emit(c))
            self.language_group.addButton(choice)
            self.language_buttons[code] = choice
            row.addWidget(choice)
        row.addStretch(1)
        layout.addLayout(row)
        self.default_button = button()
        self.default_button.setObjectName("makeDefaultLanguage")
        self.default_button.clicked.connect(self.make_default)
        layout.addWidget(self.default_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.message = MessageLabel()
        layout.addWidget(self.message, 0, Qt.AlignmentFlag.AlignHCenter)

        self.sections = QVBoxLayout()
        layout.addLayout(self.sections)
        layout.addStretch(1)
        self.sign_out_button = button("primary")
        self.sign_out_button.setObjectName("settingsSignOut")
        self.sign_out_button.setMinimumSize(260, 60)
        self.sign_out_button.clicked.connect(self.sign_out.emit)
        layout.addWidget(self.sign_out_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.version = label("hint")
        layout.addWidget(self.version)
        self.retranslate_ui()

    def add_section(self, widget: QWidget) -> None:
        """Add a feature's own panel (it translates itself)."""
        self.sections.addWidget(widget)

    def set_session(self, session: Session | None) -> None:
        self.session = session
        self.message.clear_message()
        self.default_button.setVisible(session is not None and session.is_admin)
        self.sign_out_button.setVisible(session is not None)

    def on_shown(self) -> None:
        self.language_buttons[current_language()].setChecked(True)

    def make_default(self) -> None:
        """Admins choose the language the sign-in screen starts in."""
        if self.session is None or not self.session.is_admin:
            return
        set_setting(self.services.db, "default_language", current_language())
        self.message.show_text(lambda: self.tr("Saved: the sign-in screen will start in this "
                                               "language."), success=True)

    def retranslate_ui(self) -> None:
        self.back_button.setText(self.tr("← Back"))
        self.title.setText(self.tr("Settings"))
        self.language_title.setText(self.tr("Language"))
        self.default_button.setText(self.tr("Use this language for everyone on this computer"))
        self.sign_out_button.setText(self.tr("Sign out"))
        self.version.setText(self.tr("Tutor Desktop, version {version}").format(
            version=__version__))
        if current_language() in self.language_buttons:
            self.language_buttons[current_language()].setChecked(True)
