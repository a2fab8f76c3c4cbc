"""The main window: a header, a stack of pages and a status bar.

Hooks for other features:

* ``MainWindow.status_label`` — a small right-aligned label in the status bar
  (model loading, online/offline). Set its text; it is yours to translate.
* ``MainWindow.settings_page.add_section(widget)`` — a panel in the settings.
* The chat page comes from ``ui/chat_view.py`` (see :mod:`.pages.chat_host`), the
  library tab from ``ui/library_view.py`` (see :mod:`.pages.teacher`).
* ``ui/app.py`` calls ``on_main_window(window, services)`` of each of
  ``chat_view``, ``library_view`` and ``voice_input`` that defines it, once the
  window exists (e.g. to start loading a model in the background).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QCloseEvent, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tutor_desktop.core.accounts import Session
from tutor_desktop.core.paths import resources_dir
from tutor_desktop.core.storage.settings import get_setting
from tutor_desktop.ui.activity import IdleWatch
from tutor_desktop.ui.i18n import LANGUAGE_NAMES, UiLanguage, current_language, ui_language
from tutor_desktop.ui.pages.chat_host import ChatHostPage
from tutor_desktop.ui.pages.settings import SettingsPage
from tutor_desktop.ui.pages.setup import SetupPage
from tutor_desktop.ui.pages.sign_in import SignInPage
from tutor_desktop.ui.pages.student_home import StudentHomePage
from tutor_desktop.ui.pages.teacher import TeacherPage
from tutor_desktop.ui.style import STYLESHEET, apply_app_style
from tutor_desktop.ui.widgets import Page, button

if TYPE_CHECKING:
    from tutor_desktop.composition import Services


class MainWindow(QMainWindow):
    """One window for everyone at a shared PC; who is signed in decides the pages."""

    def __init__(self, services: Services, *, language: UiLanguage | None = None,
                 idle_check_ms: int = 5000) -> None:
        super().__init__()
        self.services = services
        self.language = language or ui_language()
        self.session: Session | None = None
        self._before_settings: QWidget | None = None
        self._closed = False
        self._school_name = services.accounts.school_name()
        app = QCoreApplication.instance()
        if isinstance(app, QApplication):
            apply_app_style(app)
        self.setStyleSheet(STYLESHEET)
        icon = resources_dir() / "icons" / "app.svg"
        if icon.is_file():
            self.setWindowIcon(QIcon(str(icon)))
        self.resize(1100, 720)
        self.setMinimumSize(800, 560)

        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._build_header())
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        outer.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        self.setup_page = SetupPage(services)
        self.sign_in_page = SignInPage(services)
        self.student_home = StudentHomePage(services)
        self.chat_page = ChatHostPage(services)
        self.teacher_page = TeacherPage(services)
        self.settings_page = SettingsPage(services)
        for page in (self.setup_page, self.sign_in_page, self.student_home, self.chat_page,
                     self.teacher_page, self.settings_page):
            self.pages.addWidget(page)
        self.setup_page.completed.connect(self._setup_done)
        self.sign_in_page.signed_in.connect(self.start_session)
        self.student_home.subject_chosen.connect(self.open_subject)
        self.chat_page.back.connect(self._chat_back)
        self.settings_page.back.connect(self._settings_back)
        self.settings_page.sign_out.connect(self.sign_out)
        self.settings_page.language_chosen.connect(self.set_language)

        self.status_label = QLabel()
        self.status_label.setObjectName("statusSlot")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.statusBar().addPermanentWidget(self.status_label)
        self.statusBar().setSizeGripEnabled(False)

        self.idle = IdleWatch(lambda: self.session, self._idle_expired, idle_check_ms, self)
        if app is not None:
            app.installEventFilter(self.idle)
        self.retranslate_ui()
        self.show_page(self.sign_in_page if services.accounts.is_set_up() else self.setup_page)

    def _build_header(self) -> QFrame:
        header = QFrame()
        header.setObjectName("header")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(header)
        row.setContentsMargins(22, 10, 18, 10)
        row.setSpacing(12)
        self.app_title = QLabel()
        self.app_title.setObjectName("appTitle")
        self.school_label = QLabel()
        self.school_label.setObjectName("schoolName")
        self.user_label = QLabel()
        self.user_label.setObjectName("userName")
        self.language_button = button()
        self.language_button.setObjectName("languageToggle")
        self.language_button.clicked.connect(self._toggle_language)
        self.settings_button = button()
        self.settings_button.setObjectName("settingsButton")
        self.settings_button.clicked.connect(self.show_settings)
        self.sign_out_button = button()
        self.sign_out_button.setObjectName("signOutButton")
        self.sign_out_button.clicked.connect(self.sign_out)
        row.addWidget(self.app_title)
        row.addWidget(self.school_label)
        row.addStretch(1)
        for widget in (self.user_label, self.language_button, self.settings_button,
                       self.sign_out_button):
            row.addWidget(widget)
        return header

    # -- language ----------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange and not self._closed:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        school = self._school_name
        self.setWindowTitle(self.tr("Tutor Desktop") + (f" — {school}" if school else ""))
        self.app_title.setText(self.tr("Tutor Desktop"))
        self.school_label.setText(school)
        other = "mn" if current_language() == "en" else "en"
        self.language_button.setText(LANGUAGE_NAMES[other])
        self.language_button.setToolTip(self.tr("Change the language"))
        self.settings_button.setText(self.tr("⚙ Settings"))
        self.sign_out_button.setText(self.tr("Sign out"))
        self._update_header()

    def set_language(self, language: str) -> None:
        """Switch every visible text now (Qt sends LanguageChange to all widgets)."""
        self.language.set_language(language)

    def _toggle_language(self) -> None:
        self.set_language("mn" if current_language() == "en" else "en")

    def default_language(self) -> str:
        value = get_setting(self.services.db, "default_language", None)
        return str(value) if value in LANGUAGE_NAMES else self.services.config.language

    # -- pages -------------------------------------------------------------
    def current_page(self) -> QWidget | None:
        return self.pages.currentWidget()

    def show_page(self, page: Page) -> None:
        self.pages.setCurrentWidget(page)
        page.on_shown()
        self._update_header()

    def _update_header(self) -> None:
        signed_in = self.session is not None
        self.user_label.setText(self.session.user.display_name if self.session else "")
        self.user_label.setVisible(signed_in)
        self.sign_out_button.setVisible(signed_in)
        self.settings_button.setVisible(signed_in and self.current_page() is not self.settings_page)
        self.school_label.setText(self._school_name)

    def _setup_done(self, language: str) -> None:
        self._school_name = self.services.accounts.school_name()
        self.set_language(language)
        self.retranslate_ui()
        self.show_page(self.sign_in_page)
        self.sign_in_page.show_staff()

    def show_settings(self) -> None:
        if self.current_page() is not self.settings_page:
            self._before_settings = self.current_page()
        self.settings_page.set_session(self.session)
        self.show_page(self.settings_page)

    def _settings_back(self) -> None:
        target = self._before_settings
        if not isinstance(target, Page) or self.session is None:
            target = self.sign_in_page
        self.show_page(target)

    # -- sessions ----------------------------------------------------------
    def start_session(self, session: Session) -> None:
        self.session = session
        if session.is_student:
            self.student_home.set_session(session)
            self.show_page(self.student_home)
        else:
            self.teacher_page.set_session(session)
            self.show_page(self.teacher_page)

    def open_subject(self, subject_id: str) -> None:
        if self.session is None:
            return
        self.chat_page.open(self.session, subject_id, self.student_home.grade)
        self.show_page(self.chat_page)

    def _chat_back(self) -> None:
        self.chat_page.close_chat()
        self.show_page(self.student_home)

    def sign_out(self) -> None:
        """End the session; the next person starts at the class list in the school's language."""
        self.session = None
        self.chat_page.close_chat()
        self.student_home.set_session(None)
        self.teacher_page.set_session(None)
        self.settings_page.set_session(None)
        self.set_language(self.default_language())
        self.sign_in_page.reset()
        self.show_page(self.sign_in_page)

    def _idle_expired(self) -> None:
        self.sign_out()
        self.sign_in_page.show_notice(
            lambda: self.tr("You were signed out because nobody used the computer for a while."))

    def shutdown(self) -> None:
        """Stop timers and the chat (called when the window closes)."""
        self._closed = True
        self.idle.stop()
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)
        self.chat_page.close_chat()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
