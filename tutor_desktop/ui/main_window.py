"""The main window: a header, a stack of pages and a status bar.

Hooks for other features:

* ``MainWindow.status_label`` — a small right-aligned label in the status bar
  (model loading). Set its text; it is yours to translate.
* ``MainWindow.status_indicator`` — "Local model" / "Online via …" / "Offline" in
  the header on every page (from ``services.connectivity``). Teachers choose the
  routing policy and see every service in the settings (``SettingsPage.services_section``).
* ``MainWindow.settings_page.add_section(widget)`` — a panel in the settings.
* The chat page comes from ``ui/chat_view.py`` (see :mod:`.pages.chat_host`), the
  library tab from ``ui/library_view.py`` (see :mod:`.pages.teacher`).
* ``ui/app.py`` calls ``on_main_window(window, services)`` of ``library_view``
  and ``voice_input`` once the window exists (resume imports, probe the microphone).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QIcon, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tutor_desktop.core.accounts import Session
from tutor_desktop.core.paths import resources_dir
from tutor_desktop.ui.activity import IdleWatch
from tutor_desktop.ui.background import run_in_background
from tutor_desktop.ui.i18n import LANGUAGE_NAMES, UiLanguage, current_language, ui_language
from tutor_desktop.ui.pages.chat_host import ChatHostPage
from tutor_desktop.ui.pages.settings import SettingsPage
from tutor_desktop.ui.pages.setup import SetupPage
from tutor_desktop.ui.pages.sign_in import SignInPage
from tutor_desktop.ui.pages.student_home import StudentHomePage
from tutor_desktop.ui.pages.teacher import TeacherPage
from tutor_desktop.ui.progress_view import MyProgressPage, PracticePage
from tutor_desktop.ui.status_indicator import StatusIndicator
from tutor_desktop.ui.style import (
    BASE_POINT_SIZE,
    INK,
    STYLESHEET,
    apply_app_style,
    scaled,
    set_text_size,
    text_size,
)
from tutor_desktop.ui.widgets import Page, TileButton, button

if TYPE_CHECKING:
    from tutor_desktop.composition import Services


def _clear_copied_answer() -> None:
    """Take a copied answer off the clipboard (chat_view not loaded: nothing was copied)."""
    chat_view = sys.modules.get("tutor_desktop.ui.chat_view")
    if chat_view is not None:
        chat_view.clear_copied_answer()


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
        # Before first-run set-up the IT file's school name (tutor.toml) is all there is.
        self._school_name = services.accounts.school_name() or services.config.school_name
        app = QCoreApplication.instance()
        if isinstance(app, QApplication):
            apply_app_style(app)
        set_text_size(self._saved_text_size())
        self.setStyleSheet(scaled(STYLESHEET))
        icon = resources_dir() / "icons" / "app.svg"
        if icon.is_file():
            self.setWindowIcon(QIcon(str(icon)))
        self.resize(1100, 720)
        # 150 % scaling on a 1366×768 screen leaves 910×485 logical pixels under the
        # taskbar: pages scroll there (see _framed) rather than clip or overflow.
        self.setMinimumSize(640, 420)

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
        self.my_progress_page = MyProgressPage(services)
        self.practice_page = PracticePage(services)
        self._frames: dict[QWidget, QScrollArea] = {}
        for page in (self.setup_page, self.sign_in_page, self.student_home, self.chat_page,
                     self.teacher_page, self.settings_page, self.my_progress_page,
                     self.practice_page):
            self.pages.addWidget(self._framed(page))
        self.student_home.progress_requested.connect(self.show_my_progress)
        self.my_progress_page.back.connect(lambda: self.show_page(self.student_home))
        self.my_progress_page.practise.connect(self.open_practice)
        self.my_progress_page.practise_assignment.connect(self.open_assignment)
        self.practice_page.done.connect(self._practice_done)
        self.practice_page.ask_tutor.connect(self.open_subject)
        self.chat_page.practise.connect(self.open_practice)
        self.setup_page.completed.connect(self._setup_done)
        self.sign_in_page.signed_in.connect(self.start_session)
        self.student_home.subject_chosen.connect(self.open_subject)
        self.chat_page.back.connect(self._chat_back)
        self.settings_page.back.connect(self._settings_back)
        self.settings_page.sign_out.connect(self.sign_out)
        self.settings_page.language_chosen.connect(self.set_language)
        # The summary depends on the policy: show a teacher's change at once.
        self.settings_page.policy_changed.connect(self.status_indicator.refresh)
        self.settings_page.text_size_chosen.connect(
            lambda percent: self.apply_text_size(percent, save=True))

        self.status_label = QLabel()
        self.status_label.setObjectName("statusSlot")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.statusBar().addPermanentWidget(self.status_label)
        self.statusBar().setSizeGripEnabled(False)

        self.idle = IdleWatch(lambda: self.session, self._idle_expired, idle_check_ms, self)
        if app is not None:
            app.installEventFilter(self.idle)
        self.apply_text_size(text_size())
        self.retranslate_ui()
        self.show_page(self.sign_in_page if services.accounts.is_set_up() else self.setup_page)

    def _build_header(self) -> QFrame:
        header = self.header = QFrame()
        header.setObjectName("header")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = self._header_row = QHBoxLayout(header)
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
        # Sync runs in the background (only on an enrolled PC); the window never waits.
        self.services.sync_worker.start()
        # Starts the monitor's background probing.
        self.status_indicator = StatusIndicator(self.services.connectivity)
        self.status_indicator.setObjectName("connectivityIndicator")
        self.status_indicator.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        # A white pill: the coloured dot stays readable on the header's blue.
        self.status_indicator.setStyleSheet(scaled(
            "#connectivityIndicator { background: white; border-radius: 12px; }"
            f" QLabel#connectivityLabel {{ color: {INK}; font-size: 15px;"
            " font-weight: bold; }"))
        pill = self.status_indicator.layout()
        if pill is not None:
            pill.setContentsMargins(10, 4, 12, 4)
        self.status_indicator.setSizePolicy(QSizePolicy.Policy.Fixed,
                                            QSizePolicy.Policy.Fixed)
        self.status_indicator.mode_changed.connect(lambda _mode: self._fit_header())
        row.addWidget(self.status_indicator)
        for widget in (self.user_label, self.language_button, self.settings_button,
                       self.sign_out_button):
            row.addWidget(widget)
        return header

    # -- language ----------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange and not self._closed:
            self.retranslate_ui()
            # Again once every widget has its new words (the indicator's may be longer).
            QTimer.singleShot(0, self, self._fit_header)
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

    def _saved_text_size(self) -> int:
        """This PC's text size (a local setting, kept by the core: in-process or in
        ``tutor service``); 100 where it cannot be read."""
        try:
            return int(self.services.pc_settings.text_size())
        except Exception:   # a service that does not answer must not stop the window
            return 100

    def apply_text_size(self, percent: int, *, save: bool = False) -> None:
        """Every text at ``percent`` (100, 125, 150) now; ``save`` keeps it for this PC
        (a local setting: it is not synced to other PCs)."""
        percent = set_text_size(percent)
        app = QCoreApplication.instance()
        if isinstance(app, QApplication):
            font = app.font()
            font.setPointSizeF(BASE_POINT_SIZE * percent / 100)
            app.setFont(font)
        self.setStyleSheet(scaled(STYLESHEET))
        self.status_indicator.setStyleSheet(scaled(
            "#connectivityIndicator { background: white; border-radius: 12px; }"
            f" QLabel#connectivityLabel {{ color: {INK}; font-size: 15px;"
            " font-weight: bold; }"))
        for tile in self.findChildren(TileButton):
            tile.restyle()
        if save:
            run_in_background(self.services.pc_settings.set_text_size, percent, context=self)
        QTimer.singleShot(0, self, self._fit_header)

    def set_language(self, language: str) -> None:
        """Switch every visible text now (Qt sends LanguageChange to all widgets)."""
        self.language.set_language(language)

    def _toggle_language(self) -> None:
        self.set_language("mn" if current_language() == "en" else "en")

    def default_language(self) -> str:
        return self.services.accounts.default_language(self.services.config.language)

    # -- pages -------------------------------------------------------------
    def _framed(self, page: Page) -> QScrollArea:
        """``page`` in a scroll area: where the window is smaller than the page needs
        (a 1024×768 screen at 150 %), the page scrolls instead of being squeezed."""
        frame = QScrollArea()
        frame.setObjectName(f"{type(page).__name__}Frame")
        frame.setWidgetResizable(True)
        frame.setFrameShape(QFrame.Shape.NoFrame)
        frame.setWidget(page)
        self._frames[page] = frame
        return frame

    def current_page(self) -> QWidget | None:
        frame = self.pages.currentWidget()
        return frame.widget() if isinstance(frame, QScrollArea) else frame

    def show_page(self, page: Page) -> None:
        self.pages.setCurrentWidget(self._frames.get(page, page))
        page.on_shown()
        self._update_header()

    def _update_header(self) -> None:
        signed_in = self.session is not None
        self.user_label.setText(self.session.user.display_name if self.session else "")
        self.user_label.setVisible(signed_in)
        self.sign_out_button.setVisible(signed_in)
        self.settings_button.setVisible(signed_in and self.current_page() is not self.settings_page)
        self.school_label.setText(self._school_name)
        self._fit_header()

    def _fit_header(self) -> None:
        """On a narrow screen drop the school name and the app's name (both are in the
        title bar too), then the indicator's words (the dot stays; its tooltip says
        everything), never a button or who is signed in."""
        indicator_text = self.status_indicator.findChild(QLabel, "connectivityLabel")
        steps: list[QWidget] = [self.school_label, self.app_title]
        if indicator_text is not None:
            steps.append(indicator_text)
        for widget in steps:
            widget.setVisible(True)
        layout = self._header_row
        for widget in steps:
            layout.invalidate()
            if layout.sizeHint().width() <= self.width():
                break
            widget.setVisible(False)
        self.status_indicator.adjustSize()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_header()

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

    def show_my_progress(self) -> None:
        if self.session is None:
            return
        self.my_progress_page.set_session(self.session)
        self.show_page(self.my_progress_page)

    def open_practice(self, topic_id: str, title: str) -> None:
        """Five items on a topic ("" = the due reviews), from My progress or the chat."""
        if self.session is None:
            return
        self._before_practice = self.current_page()
        self.practice_page.start(self.session, topic_id, title)
        self.practice_page.retranslate_ui()
        self.show_page(self.practice_page)

    def open_assignment(self, assignment_id: str, title: str) -> None:
        """A practice set the teacher gave the class (from My progress)."""
        if self.session is None:
            return
        self._before_practice = self.current_page()
        self.practice_page.start_assignment(self.session, assignment_id, title)
        self.practice_page.retranslate_ui()
        self.show_page(self.practice_page)

    def _practice_done(self) -> None:
        target = getattr(self, "_before_practice", None)
        if self.session is None:
            return
        if target is self.chat_page:
            self.show_page(self.chat_page)
        else:
            self.show_my_progress()

    def _chat_back(self) -> None:
        self.chat_page.close_chat()
        self.show_page(self.student_home)

    def sign_out(self) -> None:
        """End the session; the next person starts at the class list in the school's language."""
        end = getattr(self.session, "end", None)   # through tutor service: the token dies now
        if callable(end):
            end()
        self.session = None
        self.chat_page.close_chat()
        _clear_copied_answer()
        self.student_home.set_session(None)
        self.my_progress_page.set_session(None)
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
