"""Settings: the UI language (switches at run time), the school default, sign out,
and for staff the "Services" section (service status, where answers come from).

Other features add their own panels with :meth:`SettingsPage.add_section`.
The page scrolls (all but the back button), so added panels never squeeze the
language buttons on a small lab screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from tutor_desktop import __version__
from tutor_desktop.core.accounts import Session
from tutor_desktop.core.config import ROUTING_POLICIES
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.i18n import tr as core_message
from tutor_desktop.ui.background import run_in_background
from tutor_desktop.ui.i18n import LANGUAGE_NAMES, current_language
from tutor_desktop.ui.status_indicator import StatusPanel
from tutor_desktop.ui.style import TEXT_SIZES, text_size
from tutor_desktop.ui.widgets import MessageLabel, Page, button, fit_placeholder, form_row, label

if TYPE_CHECKING:
    from tutor_desktop.composition import Services


class ServicesSection(QWidget):
    """For teachers and admins: every service's state and the routing policy.

    Students never see it: which model answers is a school decision, and error
    details (an API key rejected) are not for children. Saving the policy runs in
    the background; ``policy_changed(policy)`` follows a successful save.
    """

    policy_changed = Signal(str)

    def __init__(self, services: Services, monitor: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("servicesSection")
        self.services = services
        self.session: Session | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.setSpacing(10)
        self.title = label("section")
        layout.addWidget(self.title)

        row = QHBoxLayout()
        row.addStretch(1)
        self.policy_caption = label(wrap=False)
        row.addWidget(self.policy_caption)
        self.policy_combo = QComboBox()
        self.policy_combo.setObjectName("routingPolicy")
        self.policy_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for policy in ROUTING_POLICIES:
            self.policy_combo.addItem("", policy)
        self.policy_combo.activated.connect(self._chosen)
        row.addWidget(self.policy_combo)
        row.addStretch(1)
        layout.addLayout(row)
        self.policy_hint = label("hint")
        layout.addWidget(self.policy_hint)
        # IT may lock the policy in the machine-wide tutor.toml ([locked]): then it is
        # shown, not offered.
        self.policy_locked = label("hint")
        self.policy_locked.setObjectName("policyLocked")
        layout.addWidget(self.policy_locked)
        self.policy_locked.setVisible(self._locked())
        self.message = MessageLabel()
        layout.addWidget(self.message, 0, Qt.AlignmentFlag.AlignHCenter)

        self.panel = StatusPanel(monitor, self, sync_status=services.sync.status)
        self.panel.setObjectName("statusPanel")
        layout.addWidget(self.panel)
        # Fit the table to its rows (wrapped errors included) whenever they or its width
        # change, once per turn of the event loop.
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_table)
        table = self.panel.table
        table.setWordWrap(True)
        table.model().dataChanged.connect(self._fit_timer.start)
        table.model().rowsInserted.connect(self._fit_timer.start)
        table.model().rowsRemoved.connect(self._fit_timer.start)
        table.installEventFilter(self)
        self._build_speech_form(layout)
        # The tutoring fitness exam of each model (core/grounding/exam.py): teachers see why
        # answers come from the textbook when the model failed.
        self.exam_title = label("section")
        self.exam_title.setObjectName("examTitle")
        layout.addWidget(self.exam_title)
        self.exam_results = label("hint")
        self.exam_results.setObjectName("examResults")
        layout.addWidget(self.exam_results)
        self.retranslate_ui()
        self.show_policy()

    # -- reading ---------------------------------------------------------------
    def policy(self) -> str:
        """The policy shown in the selector."""
        return str(self.policy_combo.currentData())

    def show_policy(self) -> None:
        """Select the saved policy (the school's choice, else the installation's)."""
        current = self.services.routing.current()
        index = self.policy_combo.findData(current)
        self.policy_combo.setCurrentIndex(max(0, index))
        self.policy_combo.setEnabled(not self._locked())

    def _locked(self) -> bool:
        return bool(self.services.routing.locked())

    def set_session(self, session: Session | None) -> None:
        self.session = session
        self.message.clear_message()
        staff = session is not None and not session.is_student
        self.setVisible(staff)
        self.speech_box.setVisible(session is not None and session.is_admin)
        self.speech_message.clear_message()
        if staff:
            self.show_policy()
            self.show_exams()
            self.show_speech()
            self._fit_timer.start()

    # -- the online speech service (voice questions where no model is installed) --------
    def _build_speech_form(self, layout: QVBoxLayout) -> None:
        """Admins: the address and key of an online speech service for the languages
        this PC has no speech model for (Vosk has no official Mongolian one); saved,
        then checked at once in the table above."""
        self.speech_box = QWidget()
        self.speech_box.setObjectName("speechService")
        box = QVBoxLayout(self.speech_box)
        box.setContentsMargins(0, 4, 0, 0)
        self.speech_title = label("section")
        self.speech_hint = label("hint")
        box.addWidget(self.speech_title)
        box.addWidget(self.speech_hint)
        form = QFormLayout()
        self.speech_url = QLineEdit()
        self.speech_url.setObjectName("speechUrl")
        self.speech_key = QLineEdit()
        self.speech_key.setObjectName("speechKey")
        self.speech_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.speech_url_caption = form_row(form, self.speech_url)
        self.speech_key_caption = form_row(form, self.speech_key)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addLayout(form, 4)
        row.addStretch(1)
        box.addLayout(row)
        self.speech_save = button("primary")
        self.speech_save.setObjectName("saveSpeech")
        self.speech_save.clicked.connect(self.save_speech)
        self.speech_key.returnPressed.connect(self.save_speech)
        box.addWidget(self.speech_save, 0, Qt.AlignmentFlag.AlignHCenter)
        self.speech_message = MessageLabel()
        box.addWidget(self.speech_message, 0, Qt.AlignmentFlag.AlignHCenter)
        self.speech_box.hide()
        layout.addWidget(self.speech_box)

    def show_speech(self) -> None:
        speech = self.services.speech
        self.speech_url.setText(speech.remote_url())
        self.speech_key.clear()   # never shown again, only replaced
        locked = speech.remote_url_locked
        for widget in (self.speech_url, self.speech_key, self.speech_save):
            widget.setEnabled(not locked)

    def save_speech(self) -> None:
        if self.session is None or not self.speech_save.isEnabled():
            return
        self.speech_message.clear_message()
        self.speech_save.setEnabled(False)
        key = self.speech_key.text().strip() or None   # empty: keep the saved key
        run_in_background(self.services.speech.configure_remote, self.session,
                          self.speech_url.text(), key, on_done=self._speech_saved,
                          on_error=self._speech_failed, context=self)

    def _speech_saved(self, _result: object) -> None:
        self.speech_save.setEnabled(True)
        self.speech_key.clear()
        self.speech_message.show_text(lambda: self.tr("Saved. Checking the service now…"),
                                      success=True)
        self.panel.check_now()   # the table shows at once whether it answers

    def _speech_failed(self, error: BaseException) -> None:
        self.speech_save.setEnabled(True)
        self.speech_message.show_error(error)

    def show_exams(self) -> None:
        """One line per examined model: verdict, score, prompts answered well, speed."""
        store = self.services.exams
        results = store.all() if store is not None else []
        language = current_language()
        lines = [core_message("exam_summary", language, model=r.model,
                              verdict=core_message(f"exam_verdict_{r.verdict}", language),
                              score=round(r.score * 100), passed=r.passed_items,
                              total=r.total_items, speed=r.tokens_per_s) for r in results]
        self.exam_results.setText("\n".join(lines) if lines else self.tr(
            "No model has taken the tutoring exam yet. It runs by itself when a model is "
            "loaded, or with `tutor models exam`."))

    # -- saving ----------------------------------------------------------------
    def _chosen(self, index: int) -> None:
        policy = str(self.policy_combo.itemData(index))
        if self.session is None:
            return
        self.message.clear_message()
        self.policy_combo.setEnabled(False)  # one save at a time: they finish in order
        run_in_background(self.services.routing.choose, self.session, policy,
                          on_done=lambda _result: self._saved(policy),
                          on_error=self._failed, context=self)

    def _saved(self, policy: str) -> None:
        self.policy_combo.setEnabled(not self._locked())
        self.message.show_text(lambda: self.tr("Saved."), success=True)
        self.policy_changed.emit(policy)

    def _failed(self, error: BaseException) -> None:
        self.show_policy()
        self.message.show_error(error)

    # -- look ------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.panel.table and event.type() == QEvent.Type.Resize:
            self._fit_timer.start()  # a new width wraps the error texts differently
        return super().eventFilter(watched, event)

    def _fit_table(self) -> None:
        """Show every service row in full, without an inner scroll bar (there are few)."""
        table = self.panel.table
        table.resizeRowsToContents()
        header = table.horizontalHeader()
        height = max(header.height(), header.sizeHint().height()) + 2 * table.frameWidth()
        height += sum(table.rowHeight(r) for r in range(table.rowCount()))
        if table.horizontalScrollBar().isVisible():
            height += table.horizontalScrollBar().height()
        table.setFixedHeight(height)

    def retranslate_ui(self) -> None:
        self.title.setText(self.tr("Services"))
        self.speech_title.setText(self.tr("Online speech service"))
        self.speech_hint.setText(self.tr(
            "For voice questions in a language this computer has no speech model for "
            "(there is no official Mongolian one). Ask the provider for the address and "
            "the key. The address must start with https://."))
        self.speech_url_caption.setText(self.tr("Address"))
        self.speech_key_caption.setText(self.tr("Key"))
        self.speech_url.setPlaceholderText("https://…")
        self.speech_key.setPlaceholderText(self.tr("unchanged"))
        self.speech_save.setText(self.tr("Save and check"))
        if self.services.speech.remote_url_locked:
            self.speech_hint.setText(self.tr("Set by IT in the computer's configuration file."))
        self.policy_caption.setText(self.tr("Answers come from:"))
        names = {
            "local-first": self.tr("Local model first (works offline)"),
            "remote-first": self.tr("Online model first when connected"),
            "local-only": self.tr("Local model only"),
        }
        for index in range(self.policy_combo.count()):
            self.policy_combo.setItemText(index, names[str(self.policy_combo.itemData(index))])
        self.policy_hint.setText(self.tr(
            "If the first choice cannot answer, the other one does. "
            "With \"Local model only\", questions never leave this computer."))
        self.policy_locked.setText(self.tr(
            "IT has fixed this setting for this computer; it cannot be changed here."))
        self.exam_title.setText(self.tr("Tutoring exam of the models"))
        self.show_exams()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)


class PasswordSection(QWidget):
    """For teachers and admins: change one's own password.

    The current password is asked again and checked with the sign-in's throttle
    (in the core), so a session left open on a lab PC cannot be taken over.
    Hashing is slow on purpose: it runs in the background.
    """

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passwordSection")
        self.services = services
        self.session: Session | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.setSpacing(10)
        self.title = label("section")
        layout.addWidget(self.title)
        form = QFormLayout()
        self.current, self.new, self.again = QLineEdit(), QLineEdit(), QLineEdit()
        self.captions = []
        for name, edit in (("currentPassword", self.current), ("newPassword", self.new),
                           ("newPasswordAgain", self.again)):
            edit.setObjectName(name)
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setMinimumWidth(220)
            self.captions.append(form_row(form, edit))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addLayout(form)
        row.addStretch(1)
        layout.addLayout(row)
        self.change_button = button("primary")
        self.change_button.setObjectName("changePassword")
        self.change_button.clicked.connect(self.change)
        self.again.returnPressed.connect(self.change)
        layout.addWidget(self.change_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.message = MessageLabel()
        layout.addWidget(self.message, 0, Qt.AlignmentFlag.AlignHCenter)
        self.retranslate_ui()

    def set_session(self, session: Session | None) -> None:
        self.session = session
        self.message.clear_message()
        for edit in (self.current, self.new, self.again):
            edit.clear()  # a shared PC: never show the next user what was typed
        self.setVisible(session is not None and not session.is_student)

    def change(self) -> None:
        if self.session is None or not self.change_button.isEnabled():
            return
        if self.new.text() != self.again.text():
            self.message.show_text(lambda: self.tr("The two new passwords are not the same."))
            return
        self.message.clear_message()
        self.change_button.setEnabled(False)
        run_in_background(self.services.accounts.change_own_password, self.session,
                          self.current.text(), self.new.text(),
                          on_done=self._changed, on_error=self._failed, context=self)

    def _changed(self, _result: object) -> None:
        self.change_button.setEnabled(True)
        for edit in (self.current, self.new, self.again):
            edit.clear()
        self.message.show_text(lambda: self.tr("Your password was changed. Use the new one "
                                               "from now on."), success=True)

    def _failed(self, error: BaseException) -> None:
        self.change_button.setEnabled(True)
        self.current.clear()
        self.message.show_error(error)

    def retranslate_ui(self) -> None:
        self.title.setText(self.tr("Your password"))
        for caption, text in zip(self.captions, (self.tr("Current password"),
                                                 self.tr("New password"),
                                                 self.tr("New password again")), strict=True):
            caption.setText(text)
        self.new.setPlaceholderText(self.tr("at least 8 characters"))
        fit_placeholder(self.new)
        self.change_button.setText(self.tr("Change password"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)


class SyncSection(QWidget):
    """What sync needs from the staff: for admins, the school's choice to keep
    conversation text on each PC or sync it; for admins and teachers, the notices of
    what sync merged or renamed, and the "possible duplicate" students (two PCs added
    "Бат" to 7A offline: one child or two?) with the teacher's answer.

    The switch is the school's setting (a synced ``schools`` row): turning it off
    keeps questions and answers on each PC while progress, the class lists and
    safety cases still sync. The core checks who may do what; writes run in the
    background like every other write from the window.
    """

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncSection")
        self.services = services
        self.session: Session | None = None
        self.notes: list[dict[str, Any]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.setSpacing(10)
        self.title = label("section")
        layout.addWidget(self.title)
        self.text_switch = QCheckBox()
        self.text_switch.setObjectName("syncConversationText")
        self.text_switch.clicked.connect(self.save)
        layout.addWidget(self.text_switch, 0, Qt.AlignmentFlag.AlignHCenter)
        self.hint = label("hint")
        layout.addWidget(self.hint)
        self.message = MessageLabel()
        layout.addWidget(self.message, 0, Qt.AlignmentFlag.AlignHCenter)
        self.notice_rows = QVBoxLayout()
        self.notice_rows.setSpacing(6)
        layout.addLayout(self.notice_rows)
        self.retranslate_ui()

    def set_session(self, session: Session | None) -> None:
        self.session = session
        self.message.clear_message()
        self.show_state()

    def show_state(self) -> None:
        session = self.session
        admin = session is not None and session.is_admin
        staff = session is not None and not session.is_student
        for widget in (self.text_switch, self.hint):
            widget.setVisible(admin)
        if admin:
            self.text_switch.setChecked(self.services.accounts.conversation_text_sync())
            self.text_switch.setEnabled(True)
        self.notes = self.services.accounts.notices(session) if staff and session else []
        self._show_notes()
        self.setVisible(admin or bool(self.notes))

    def _show_notes(self) -> None:
        from tutor_desktop.core.sync.status import notice_text

        while self.notice_rows.count():
            item = self.notice_rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        for note in self.notes:
            row = QWidget()
            row.setObjectName(f"notice:{note['id']}")
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            text = label("hint", notice_text(note, current_language()),
                         align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            text.setObjectName("noticeText")
            line.addWidget(text, 1)
            if note["kind"] == "duplicate":
                merge = button("", self.tr("Same child: merge"))
                merge.setObjectName("noticeMerge")
                merge.clicked.connect(lambda _=False, n=note: self._merge(n))
                line.addWidget(merge)
                keep = button("", self.tr("Two children"))
            else:
                keep = button("", self.tr("OK"))
            keep.setObjectName("noticeDismiss")
            keep.clicked.connect(lambda _=False, n=note: self._dismiss(n))
            line.addWidget(keep)
            self.notice_rows.addWidget(row)
            row.show()  # added to a shown section: not shown by itself until the next loop

    def _merge(self, note: dict[str, Any]) -> None:
        if self.session is None:
            return
        run_in_background(self.services.accounts.merge_students, self.session,
                          str(note["old_id"]), str(note["new_id"]), on_done=self._merged,
                          on_error=self._failed, context=self)

    def _merged(self, _result: object) -> None:
        self.show_state()
        self.setVisible(True)  # a teacher's last notice is gone: the answer stays in view
        self.message.show_text(lambda: self.tr(
            "Merged: the conversations and progress are now under one name."), success=True)

    def _dismiss(self, note: dict[str, Any]) -> None:
        if self.session is None:
            return
        run_in_background(self.services.accounts.dismiss_notice, self.session,
                          str(note["id"]), on_done=lambda _r: self.show_state(),
                          on_error=self._failed, context=self)

    def save(self) -> None:
        if self.session is None:
            return
        self.message.clear_message()
        self.text_switch.setEnabled(False)
        run_in_background(self.services.accounts.set_conversation_text_sync, self.session,
                          self.text_switch.isChecked(), on_done=self._saved,
                          on_error=self._failed, context=self)

    def _saved(self, _result: object) -> None:
        self.show_state()
        if self.text_switch.isChecked():
            self.message.show_text(lambda: self.tr(
                "Saved: questions and answers now sync to the school's other computers."),
                success=True)
        else:
            self.message.show_text(lambda: self.tr(
                "Saved: questions and answers stay on each computer."), success=True)

    def _failed(self, error: BaseException) -> None:
        self.show_state()  # the switch shows what is really stored
        self.message.show_error(error)

    def retranslate_ui(self) -> None:
        self.title.setText(self.tr("School sync"))
        self.text_switch.setText(self.tr(
            "Send students' questions and answers to the school's other computers"))
        self.hint.setText(self.tr(
            "When off, conversations stay on the computer where they were written. "
            "Progress, class lists and safety cases still sync."))
        if self.notes:
            self._show_notes()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)


class SettingsPage(Page):
    """Emits ``back()``, ``sign_out()``, ``language_chosen(code)``,
    ``policy_changed(policy)`` and ``text_size_chosen(percent)``."""

    back = Signal()
    sign_out = Signal()
    language_chosen = Signal(str)
    policy_changed = Signal(str)
    text_size_chosen = Signal(int)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.session: Session | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(36, 14, 36, 18)
        outer.setSpacing(12)
        top = QHBoxLayout()
        self.back_button = button("back")
        self.back_button.setObjectName("settingsBack")
        self.back_button.clicked.connect(self.back.emit)
        top.addWidget(self.back_button)
        top.addStretch(1)
        outer.addLayout(top)

        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget()
        self.scroller.setWidget(content)
        outer.addWidget(self.scroller, 1)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
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

        # Text size: for everyone at this PC (the youngest grades, old monitors, a
        # projector); the window keeps it for the next start.
        self.text_size_title = label("section")
        layout.addWidget(self.text_size_title)
        size_row = QHBoxLayout()
        size_row.addStretch(1)
        self.text_size_caption = label(wrap=False)
        size_row.addWidget(self.text_size_caption)
        self.text_size = QComboBox()
        self.text_size.setObjectName("textSize")
        self.text_size.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for percent in TEXT_SIZES:
            self.text_size.addItem("", percent)
        self.text_size.activated.connect(
            lambda index: self.text_size_chosen.emit(int(self.text_size.itemData(index))))
        self.text_size_caption.setBuddy(self.text_size)
        size_row.addWidget(self.text_size)
        size_row.addStretch(1)
        layout.addLayout(size_row)

        self.sections = QVBoxLayout()
        self.sections.setSpacing(12)
        layout.addLayout(self.sections)
        layout.addStretch(1)

        # Staff only (shown by set_session).
        self.services_section = ServicesSection(services, services.connectivity)
        self.services_section.hide()
        self.services_section.policy_changed.connect(self.policy_changed.emit)
        self.add_section(self.services_section)
        self.password_section = PasswordSection(services)
        self.password_section.hide()
        self.add_section(self.password_section)
        self.sync_section = SyncSection(services)  # admins, and teachers with notices
        self.sync_section.hide()
        self.add_section(self.sync_section)

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
        self.services_section.set_session(session)
        self.password_section.set_session(session)
        self.sync_section.set_session(session)

    def on_shown(self) -> None:
        if self.session is not None and not self.session.is_student:
            self.sync_section.show_state()  # sync may have changed it since
        self.language_buttons[current_language()].setChecked(True)
        self.text_size.setCurrentIndex(max(0, self.text_size.findData(text_size())))
        self.scroller.verticalScrollBar().setValue(0)

    def make_default(self) -> None:
        """Admins choose the language the sign-in screen starts in (the core checks who)."""
        if self.session is None:
            return
        try:
            self.services.accounts.set_default_language(self.session, current_language())
        except TutorError as error:
            refused = error  # the name ``error`` is unbound after the block
            self.message.show_text(lambda: refused.message(current_language()))
            return
        self.message.show_text(lambda: self.tr("Saved: the sign-in screen will start in this "
                                               "language."), success=True)

    def retranslate_ui(self) -> None:
        self.back_button.setText(self.tr("← Back"))
        self.title.setText(self.tr("Settings"))
        self.language_title.setText(self.tr("Language"))
        self.text_size_title.setText(self.tr("Text size"))
        self.text_size_caption.setText(self.tr("&Size of the text on this computer:"))
        self.text_size.setAccessibleName(self.tr("Size of the text on this computer"))
        names = {100: self.tr("Normal"), 125: self.tr("Large"),
                 150: self.tr("Largest (projector)")}
        for index in range(self.text_size.count()):
            percent = int(self.text_size.itemData(index))
            self.text_size.setItemText(index, f"{names[percent]} ({percent} %)")
        self.default_button.setText(self.tr("Use this language for everyone on this computer"))
        self.sign_out_button.setText(self.tr("Sign out"))
        self.version.setText(self.tr("Tutor Desktop, version {version}").format(
            version=__version__))
        if current_language() in self.language_buttons:
            self.language_buttons[current_language()].setChecked(True)
