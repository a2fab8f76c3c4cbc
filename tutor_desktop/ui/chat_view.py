"""The chat with the tutor: conversation list, Markdown answers with rendered maths,
streaming, Stop, Regenerate, Copy.

The main window calls :func:`make_chat_page` for one subject. Answers are
produced by :class:`~tutor_desktop.core.tutor.TutorService` on a worker thread
(:mod:`.chat_worker`); this module only presents.

Maths: answers carry LaTeX (``$…$`` inline, ``$$…$$`` on its own line). Qt's
Markdown renderer shows it raw, so each formula is drawn with **ziamath**
(pure Python, MIT, maintained; LaTeX → SVG with its own bundled math font, no
TeX installation, ~4 MB) and embedded as an image. Matplotlib's mathtext
would also work but pulls in ~40 MB and a plotting stack for one feature.
If ziamath is missing or a formula does not parse, the LaTeX is shown as code.

Sources: under each answer the textbook passages it was grounded on are quoted
(a short excerpt of the top two, expandable to the whole passages) with links
like "Биологи 7, х. 1" that open the page viewer at that page. The passages
arrive before the model's first word, so a student reads the textbook's own
words even when the model is slow or weak. An answer with no passage says so.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import itertools
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QMimeData,
    QObject,
    QRectF,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QShortcut,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from tutor_desktop.core.accounts import Session
from tutor_desktop.core.conversations import Message
from tutor_desktop.core.grounding.passages import EXCERPT_CHARS, excerpt, mentions  # noqa: F401
from tutor_desktop.core.grounding.tutor import BACKEND as TEXTBOOK_BACKEND
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.i18n import tr as core_message
from tutor_desktop.core.llm.manager import ModelState, ModelStatus
from tutor_desktop.core.llm.vision import PictureError
from tutor_desktop.core.safety import RateLimited
from tutor_desktop.core.safety.fair_use import countdown_text
from tutor_desktop.core.subjects import subject_name
from tutor_desktop.core.tutor.formatting import PLACEHOLDER, MathSpan, extract_math
from tutor_desktop.core.tutor.service import SAFETY_BACKEND, passage_record
from tutor_desktop.ui.background import run_in_background
from tutor_desktop.ui.camera_input import CameraButton
from tutor_desktop.ui.chat_worker import ChatWorker
from tutor_desktop.ui.i18n import current_language
from tutor_desktop.ui.picture_input import PictureChip, PictureInputButton
from tutor_desktop.ui.voice_input import create_voice_input
from tutor_desktop.ui.widgets import phrases

if TYPE_CHECKING:
    from tutor_desktop.composition import Services

log = logging.getLogger(__name__)

MATH_SCHEME = "math"
CITE_SCHEME = "cite"          # cite:<chunk id> opens the cited page
MORE_SCHEME = "more"          # more:<message id> shows or hides the whole passages
EXCERPTS_SHOWN = 2
LIVE_KEY = "live"             # the answer being streamed has no stored id yet
_INK = "#27304A"
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)
_copied_answer: str | None = None  # what "Copy answer" last put on the clipboard


def clear_copied_answer() -> None:
    """Sign-out: the next student must not paste this one's answer (other apps' text stays)."""
    global _copied_answer
    if _copied_answer is not None and QGuiApplication.clipboard().text() == _copied_answer:
        QGuiApplication.clipboard().clear()
    _copied_answer = None


# -- maths -------------------------------------------------------------------

class MathRenderer:
    """LaTeX → QImage via ziamath's SVG, cached by formula (answers repeat formulas)."""

    SCALE = 2.0  # draw at twice the size for sharp text on high-DPI screens

    def __init__(self, inline_pt: float = 19, display_pt: float = 23) -> None:
        self.inline_pt = inline_pt
        self.display_pt = display_pt
        self._images: dict[str, QImage] = {}
        self._failed: set[str] = set()

    def key(self, span: MathSpan) -> str:
        raw = f"{int(span.display)}:{span.latex}".encode()
        return hashlib.sha1(raw, usedforsecurity=False).hexdigest()[:16]

    def image(self, key: str) -> QImage | None:
        return self._images.get(key)

    def render(self, span: MathSpan) -> str | None:
        """Render ``span`` (once) and return its resource key, or None if it cannot."""
        key = self.key(span)
        if key in self._images:
            return key
        if key in self._failed:
            return None
        try:
            from ziamath.config import config as ziamath_config
            from ziamath.zmath import Latex

            # Qt's SVG renderer (SVG Tiny) ignores <symbol>/<use>: ask for plain paths.
            ziamath_config.svg2 = False
            size = self.display_pt if span.display else self.inline_pt
            svg = Latex(span.latex, size=size * self.SCALE, color=_INK,
                        inline=not span.display).svg()
            image = _svg_to_image(svg)
        except Exception:  # a formula the model garbled: show it as code instead
            log.debug("cannot render %r", span.latex, exc_info=True)
            self._failed.add(key)
            return None
        if image is None:
            self._failed.add(key)
            return None
        self._images[key] = image
        return key


def _svg_to_image(svg: str) -> QImage | None:
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        return None
    size = renderer.defaultSize()
    if size.isEmpty():
        return None
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter, QRectF(0, 0, size.width(), size.height()))
    painter.end()
    image.setDevicePixelRatio(MathRenderer.SCALE)
    return image


def markdown_to_html(text: str, maths: MathRenderer) -> str:
    """One message as HTML: Qt's Markdown, with each formula replaced by its picture.

    Raw HTML in the text is shown as text, never interpreted: a model's reply (or
    a student's question) must not be able to draw a red "system notice" or a fake
    PIN prompt inside the chat.
    """
    source, spans = extract_math(text)
    document = QTextDocument()
    features = QTextDocument.MarkdownFeature
    document.setMarkdown(source, features.MarkdownDialectGitHub | features.MarkdownNoHTML)
    match = _BODY.search(document.toHtml())
    body = match.group(1) if match else html.escape(text)
    for index, span in enumerate(spans):
        key = maths.render(span)
        if key is None:
            shown = f"$${span.latex}$$" if span.display else f"${span.latex}$"
            element = f"<code>{html.escape(shown)}</code>"
        else:
            image = maths.image(key)
            assert image is not None
            width = int(image.width() / MathRenderer.SCALE)
            element = (f'<img src="{MATH_SCHEME}:{key}" width="{width}" '
                       f'style="vertical-align: middle" />')
        body = body.replace(PLACEHOLDER.format(index), element)
    return body


# -- textbook excerpts ----------------------------------------------------------
# One implementation for the window, the terminal and `tutor ask` (core/grounding);
# the names stay importable from here for the chat's tests.


class Transcript(QTextBrowser):
    """The messages; formula pictures are served from the renderer's cache."""

    def __init__(self, maths: MathRenderer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.maths = maths
        self.setOpenExternalLinks(False)
        self.setOpenLinks(False)  # cite:/more: links are handled by the chat view
        self.setObjectName("chatTranscript")

    def loadResource(self, kind: int, url: QUrl | str) -> Any:
        name = url.toString() if isinstance(url, QUrl) else str(url)
        if name.startswith(f"{MATH_SCHEME}:"):
            image = self.maths.image(name.split(":", 1)[1])
            if image is not None:
                return image
        return super().loadResource(kind, url)


# -- the page ----------------------------------------------------------------

class _StatusBridge(QObject):
    """Carries model status changes from the loader thread to the GUI thread.

    Parentless on purpose: the model manager's listener list holds it (through the bound
    ``emit``), so a loader thread that reports just as the view is deleted emits from a live
    object, and Qt drops the queued delivery to the deleted view.
    """

    changed = Signal(object)


class _Input(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line; a pasted picture goes to OCR."""

    submitted = Signal()
    image_pasted = Signal(QImage)
    hint_requested = Signal()     # Ctrl+H in the box
    stop_requested = Signal()     # Esc in the box
    reading: QTextBrowser | None = None   # the transcript Page Up/Down scroll

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return source.hasImage() or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        if source.hasImage() and not source.hasText():
            self.image_pasted.emit(QImage(source.imageData()))
            return
        super().insertFromMimeData(source)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        if event.key() == Qt.Key.Key_H and event.modifiers() == Qt.KeyboardModifier.ControlModifier:
            self.hint_requested.emit()   # also where the window's shortcut cannot see it
            return
        if event.key() == Qt.Key.Key_Escape:
            self.stop_requested.emit()
            return
        if event.key() in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown) and self.reading is not None:
            # Read the answer without leaving the box: the pages scroll the transcript.
            bar = self.reading.verticalScrollBar()
            step = bar.pageStep() * (-1 if event.key() == Qt.Key.Key_PageUp else 1)
            bar.setValue(bar.value() + step)
            return
        super().keyPressEvent(event)


class ChatView(QWidget):
    """One subject's chat for the signed-in student."""

    practise_requested = Signal(str, str)   # topic id, title (learning progress)

    def __init__(self, services: Services, session: Session, subject: str,
                 grade: int | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self.services = services
        self.session = session
        self.subject = subject
        self.grade = grade
        self.tutor = services.tutor
        self.models = services.models
        self.library = services.library
        self.maths = MathRenderer()
        self.conversation_id: str | None = None
        self.messages: list[Message] = []
        self.pending_question = ""
        self.streaming_text: str | None = None
        self.worker: ChatWorker | None = None
        self._html_cache: dict[tuple[str, str], str] = {}
        self._footer_cache: dict[tuple[Any, ...], str] = {}
        self._notice: tuple[str, ...] = ()
        self._action_notice = ""  # the last note about the student's own action
        # Passage records by chunk id (None: its book was removed), for the excerpts.
        self._passages: dict[str, dict[str, Any] | None] = {}
        self.streaming_sources: list[dict[str, Any]] | None = None
        self._expanded: set[str] = set()
        self.page_viewer: QDialog | None = None
        self._cooldown_left = 0
        self._cooldown_timer = QTimer(self)
        self._cooldown_timer.setInterval(1000)
        self._cooldown_timer.timeout.connect(self._cooldown_tick)
        self._build()
        self._status_bridge = _StatusBridge()
        self._status_bridge.changed.connect(self._show_model_status)
        self._status_listener = self._status_bridge.changed.emit
        if self.models is not None:
            models, listener = self.models, self._status_listener
            models.subscribe(listener)
            # A view deleted without shutdown() (window closed) must not be called again.
            self.destroyed.connect(lambda *_: models.unsubscribe(listener))
            self.models.start()  # no-op when already loading or loaded
            # Once per model file and app version: may this model write answers?
            services.exam_runner.watch()
            self._show_model_status(self.models.status)
        self.retranslate_ui()
        self.reload_conversations(select_newest=True)
        # The safety check's example vectors and the e5 model load while the student types,
        # not when the first question is sent.
        run_in_background(services.safety.classifier.warm, context=self)

    # -- layout --------------------------------------------------------------
    def _build(self) -> None:
        root = QHBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        side = QVBoxLayout()
        self.new_button = QPushButton()
        self.new_button.setObjectName("chatNew")
        self.new_button.clicked.connect(self.new_conversation)
        self.conversation_list = QListWidget()
        self.conversation_list.setObjectName("chatConversations")
        self.conversation_list.itemClicked.connect(self._conversation_clicked)
        self.conversation_list.setMaximumWidth(260)
        # Long titles wrap onto a second line: no sideways scrolling on a small screen.
        self.conversation_list.setWordWrap(True)
        self.conversation_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.conversation_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        side.addWidget(self.new_button)
        side.addWidget(self.conversation_list, 1)
        root.addLayout(side)

        main = QVBoxLayout()
        header = QHBoxLayout()
        self.context_label = QLabel()
        self.context_label.setObjectName("chatContext")
        self.model_label = QLabel()
        self.model_label.setObjectName("chatModelStatus")
        header.addWidget(self.context_label)
        header.addStretch(1)
        header.addWidget(self.model_label)
        main.addLayout(header)
        self.transcript = Transcript(self.maths)
        self.transcript.anchorClicked.connect(self._link_clicked)
        main.addWidget(self.transcript, 1)
        self.notice_label = QLabel()
        self.notice_label.setObjectName("chatNotice")
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        main.addWidget(self.notice_label)
        row = QHBoxLayout()
        self.input = _Input()
        self.input.setObjectName("chatInput")
        self.input.setFixedHeight(78)
        self.input.submitted.connect(self.send)
        self.send_button = QPushButton()
        self.send_button.setObjectName("chatSend")
        self.send_button.setProperty("kind", "primary")
        self.send_button.clicked.connect(self.send)
        self.stop_button = QPushButton()
        self.stop_button.setObjectName("chatStop")
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.hide()
        row.addWidget(self.input, 1)
        # Voice questions: the transcript lands in the input box to be corrected,
        # never sent blind. None when speech is not wired (the window still works).
        self.voice = create_voice_input(self.services, self,
                                        before_recording=self._count_recording)
        if self.voice is not None:
            self.voice.transcript_ready.connect(self._insert_transcript)
            self.voice.rate_limited.connect(self.start_cooldown)
            # Why the microphone is off goes under the conversation, full width (beside
            # the button it was a column one word wide).
            self.voice.explain_in_label = False
            self.voice.explained.connect(self.show_notice)
        # A picture of a problem (file or pasted): OCR'd here, lands in the box.
        self.picture = PictureInputButton(self.services.ocr, self)
        self.picture.text_ready.connect(self._insert_transcript)
        self.picture.status.connect(self.show_notice)
        self.input.image_pasted.connect(self.picture.read_image)
        # The picture kept for the question (sent only to a model that reads pictures).
        self.picture_chip = PictureChip(self)
        self.picture.attachment_changed.connect(self.picture_chip.show_picture)
        self.picture_chip.removed.connect(lambda: self.picture.set_attachment(None))
        self.pending_picture: bytes | None = None
        # One webcam frame, read like a picture file (disabled, with why, without a camera).
        self.camera = CameraButton(self)
        self.camera.frame_ready.connect(self.picture.read_image)
        self.camera.status.connect(self.show_notice)
        row.addWidget(self.send_button)
        row.addWidget(self.stop_button)
        main.addLayout(row)
        self.keys_row = QHBoxLayout()   # the keys, one line under the box (_keyboard)
        main.addLayout(self.keys_row)
        # Voice and picture get a row below the box: beside it they squeezed the box to
        # a few words on a 1024-pixel-wide lab screen.
        tools = self.tools_row = QHBoxLayout()
        if self.voice is not None:
            tools.addWidget(self.voice)
        tools.addWidget(self.picture)
        tools.addWidget(self.camera)
        tools.addStretch(1)
        main.addLayout(tools)
        main.addWidget(self.picture_chip)
        actions = QHBoxLayout()
        self.regenerate_button = QPushButton()
        self.regenerate_button.setObjectName("chatRegenerate")
        self.regenerate_button.clicked.connect(self.regenerate)
        self.copy_button = QPushButton()
        self.copy_button.setObjectName("chatCopy")
        self.copy_button.clicked.connect(self.copy_answer)
        self.practise_button = QPushButton()
        self.practise_button.setObjectName("chatPractise")
        self.practise_button.clicked.connect(self._practise_clicked)
        self.practise_button.hide()
        self._practise_topic: tuple[str, str] | None = None
        actions.addWidget(self.practise_button)
        # The textbook tutor's hint ladder (core/grounding): one step per press.
        self.hint_button = QPushButton()
        self.hint_button.setObjectName("chatHint")
        self.hint_button.clicked.connect(self.hint)
        actions.addWidget(self.hint_button)
        self.input.reading = self.transcript
        actions.addStretch(1)
        actions.addWidget(self.regenerate_button)
        actions.addWidget(self.copy_button)
        main.addLayout(actions)
        root.addLayout(main, 1)
        self._keyboard()   # once every widget is in the view (tab order needs one window)

    def _keyboard(self) -> None:
        """The chat without a mouse: Enter sends, Esc stops an answer, Ctrl+H asks for a
        hint, Page Up/Down read the answer from the box; Tab goes box -> Send -> hint ->
        answer -> conversations. The keys are listed under the box (``keys_label``)."""
        self.keys_label = QLabel()
        self.keys_label.setObjectName("chatKeys")
        self.keys_label.setProperty("role", "hint")
        self.keys_label.setWordWrap(True)
        self.keys_row.addWidget(self.keys_label, 1)
        within = Qt.ShortcutContext.WidgetWithChildrenShortcut
        stop = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.stop, context=within)
        hint = QShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_H), self,
                         self._hint_key, context=within)
        self._shortcuts = (stop, hint)
        self.input.hint_requested.connect(self._hint_key)
        self.input.stop_requested.connect(self.stop)
        self.transcript.setTabChangesFocus(True)
        self.input.setTabChangesFocus(True)   # Tab leaves the box (a tab in a question is useless)
        order = [self.input, self.send_button, self.stop_button, self.hint_button,
                 self.transcript, self.regenerate_button, self.copy_button, self.new_button,
                 self.conversation_list]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def _hint_key(self) -> None:
        if self.hint_button.isEnabled():
            self.hint()

    def _insert_transcript(self, text: str) -> None:
        """Put what the student said into the input box, after anything already typed."""
        current = self.input.toPlainText().rstrip()
        self.input.setPlainText(f"{current} {text}".strip() if current else text)
        self.input.moveCursor(QTextCursor.MoveOperation.End)
        self.input.setFocus()

    def _count_recording(self) -> None:
        """Voice questions are limited per minute too (fair use); raises RateLimited."""
        self.services.safety.before_recording(self.session)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            try:
                self.retranslate_ui()
            except Exception:
                # An exception escaping a Qt event handler kills the process under PySide6
                # 6.11 (shiboken segfaults reporting it), e.g. for a view whose services
                # were already closed: log it instead.
                log.exception("the chat view could not switch language")
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.new_button.setText(self.tr("+ New conversation"))
        self.send_button.setText(self.tr("Send"))
        self.stop_button.setText(self.tr("Stop"))
        self.regenerate_button.setText(self.tr("Try again"))
        self.copy_button.setText(self.tr("Copy answer"))
        self.practise_button.setText(self.tr("Practise this topic"))
        self.hint_button.setText(self.tr("Give me a hint"))
        self.hint_button.setToolTip(self.tr("Give me a hint (Ctrl+H)"))
        self.stop_button.setToolTip(self.tr("Stop the answer (Esc)"))
        self.send_button.setToolTip(self.tr("Send the question (Enter)"))
        self.input.setPlaceholderText(self.tr("Type your question… (Enter sends)"))
        self.input.setAccessibleName(self.tr("Your question"))
        self.transcript.setAccessibleName(self.tr("The conversation"))
        self.keys_label.setText(phrases(self.tr(
            "Enter: send · Ctrl+H: hint · Esc: stop · Page Up/Down: read the answer")))
        subject = subject_name(self.subject, current_language())
        if self.grade is not None:
            context = self.tr("Grade %1 · %2").replace("%1", str(self.grade)).replace(
                "%2", subject)
        else:
            context = subject
        self.context_label.setText(context)
        if self.models is not None:
            self._show_model_status(self.models.status)
        self.refresh_transcript()
        self._update_buttons()

    # -- model status --------------------------------------------------------
    def _show_model_status(self, status: ModelStatus) -> None:
        language = current_language()
        notices = tuple(n.message(language) for n in status.notices)
        if status.state is ModelState.READY:
            # Which model file answers is for staff; a child only needs to know it works.
            self.model_label.setText(
                self.tr("The tutor is ready") if self.session.is_student
                else self.tr("Model: %1").replace("%1", status.model))
        elif status.state in (ModelState.LOADING, ModelState.NOT_STARTED):
            self.model_label.setText(self.tr("Loading the model…"))
        else:
            # Short in the header; the full "what IT should do" text below the chat.
            self.model_label.setText(self.tr("No local model"))
            notices = (*notices, status.message(language))
        if notices and notices != self._notice:
            self._notice = notices
            # A model's state arrives from another thread at any moment: it must not wipe
            # what the student was just told (a daily limit, a wait, an error).
            if not self._action_notice:
                self._display_notice("\n".join(notices))

    def show_notice(self, text: str) -> None:
        """Tell the student about what they just did (empty: clear the note)."""
        self._action_notice = text
        self._display_notice(text)

    def _display_notice(self, text: str) -> None:
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    # -- conversations -------------------------------------------------------
    def reload_conversations(self, select_newest: bool = False) -> None:
        conversations = [c for c in self.services.conversations.list_for(self.session)
                         if c.subject == self.subject]
        self.conversation_list.clear()
        for conv in conversations:
            item = QListWidgetItem(conv.title or self.tr("New conversation"))
            item.setData(Qt.ItemDataRole.UserRole, conv.id)
            self.conversation_list.addItem(item)
            if conv.id == self.conversation_id:
                item.setSelected(True)
        if select_newest and conversations and self.conversation_id is None:
            self.open_conversation(conversations[0].id)

    def _conversation_clicked(self, item: QListWidgetItem) -> None:
        if self.busy:
            return
        self.open_conversation(str(item.data(Qt.ItemDataRole.UserRole)))

    def open_conversation(self, conversation_id: str) -> None:
        self.conversation_id = conversation_id
        self.messages = self.services.conversations.messages(self.session, conversation_id)
        for index in range(self.conversation_list.count()):
            item = self.conversation_list.item(index)
            item.setSelected(item.data(Qt.ItemDataRole.UserRole) == conversation_id)
        self.refresh_transcript()
        self._update_buttons()

    def new_conversation(self) -> None:
        if self.busy:
            return
        self.conversation_id = None
        self.messages = []
        self.conversation_list.clearSelection()
        self.show_notice("")
        self.refresh_transcript()
        self._update_buttons()
        self.input.setFocus()

    # -- sending -------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.worker is not None and self.worker.running

    def send(self) -> None:
        question = self.input.toPlainText().strip()
        if not question or self.busy or self.cooling_down:
            return
        self.session.touch()
        try:
            if self.conversation_id is None:
                conv = self.tutor.start_conversation(self.session, subject=self.subject,
                                                     grade=self.grade,
                                                     language=current_language())
                self.conversation_id = conv.id
        except TutorError as error:
            self.show_notice(error.message(current_language()))
            return
        self.input.clear()
        self.pending_question = question
        picture = self.pending_picture = self.picture.take_attachment()
        conv_id, session = self.conversation_id, self.session
        if picture is None:
            self._run(lambda on_delta, stop, on_sources: self.tutor.ask(
                session, conv_id, question, on_delta=on_delta, stop_event=stop,
                on_sources=on_sources))
        else:
            self._run(lambda on_delta, stop, on_sources: self.tutor.ask(
                session, conv_id, question, on_delta=on_delta, stop_event=stop,
                on_sources=on_sources, image=picture))

    def regenerate(self) -> None:
        if self.busy or self.conversation_id is None or not self.messages:
            return
        last_user = max((i for i, m in enumerate(self.messages) if m.role == "user"),
                        default=None)
        if last_user is None:
            return
        self.messages = self.messages[:last_user + 1]
        conv_id, session = self.conversation_id, self.session
        self._run(lambda on_delta, stop, on_sources: self.tutor.regenerate(
            session, conv_id, on_delta=on_delta, stop_event=stop, on_sources=on_sources))

    def hint(self) -> None:
        """The next hint for the last question (the student may answer in between)."""
        if self.busy or self.conversation_id is None:
            return
        self.session.touch()
        conv_id, session = self.conversation_id, self.session
        self._run(lambda on_delta, stop, on_sources: self.tutor.hint(
            session, conv_id, on_delta=on_delta, on_sources=on_sources))

    def _run(self, job: Any) -> None:
        self.show_notice("")
        self.streaming_text = ""
        self.streaming_sources = None
        self._expanded.discard(LIVE_KEY)
        self.worker = ChatWorker(job, self)
        self.worker.sources_found.connect(self._sources_found)
        self.worker.text_changed.connect(self._streamed)
        self.worker.done.connect(self._answered)
        self.worker.failed.connect(self._failed)
        self.worker.start()
        self.refresh_transcript()
        self._update_buttons()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    def _streamed(self, text: str) -> None:
        self.streaming_text = text
        self.refresh_transcript()

    def _sources_found(self, passages: list[dict[str, Any]]) -> None:
        self._remember(passages)
        self.streaming_sources = list(passages)
        self.refresh_transcript()

    def _remember(self, passages: Sequence[dict[str, Any]]) -> None:
        for passage in passages:
            self._passages[str(passage["chunk_id"])] = passage

    def _answered(self, reply: Any) -> None:
        self._remember(getattr(reply, "passages", []))
        if LIVE_KEY in self._expanded and getattr(reply, "message_id", None):
            self._expanded.add(str(reply.message_id))  # stays open once stored
        self._finish()
        # "Nothing found in your textbooks" is shown under the answer itself.
        language = current_language()
        notes = [n.message(language) for n in reply.notices
                 if n.message_id != "tutor_no_sources"]
        if reply.status == "partial":
            notes.append(self.tr("The answer was stopped."))
        self.show_notice("\n".join(notes))

    def _failed(self, error: BaseException) -> None:
        question, picture = self.pending_question, self.pending_picture
        self._finish()
        if question and not any(m.role == "user" and m.content == question
                                for m in self.messages[-2:]):
            self.input.setPlainText(question)  # not stored (e.g. daily limit): keep it
            if picture is not None and not isinstance(error, PictureError):
                self.picture.set_attachment(picture)  # and the picture that went with it
        if isinstance(error, RateLimited):  # fair use: a countdown that unlocks by itself
            self.start_cooldown(error.seconds)
        elif isinstance(error, TutorError):
            self.show_notice(error.message(current_language()))
        else:
            log.error("the tutor failed", exc_info=error)
            self.show_notice(self.tr("Something went wrong. Please try again."))

    def _finish(self) -> None:
        self.streaming_text = None
        self.streaming_sources = None
        self._expanded.discard(LIVE_KEY)
        self.pending_question = ""
        self.pending_picture = None
        if self.conversation_id is not None:
            self.messages = self.services.conversations.messages(self.session,
                                                                 self.conversation_id)
        self.reload_conversations()
        self.refresh_transcript()
        self._update_buttons()

    def copy_answer(self) -> None:
        global _copied_answer
        answers = [m for m in self.messages if m.role == "assistant" and m.content]
        if answers:
            _copied_answer = answers[-1].content
            QGuiApplication.clipboard().setText(_copied_answer)
            self.show_notice(self.tr("The answer was copied."))

    # -- fair use --------------------------------------------------------------
    @property
    def cooling_down(self) -> bool:
        return self._cooldown_left > 0

    def start_cooldown(self, seconds: int) -> None:
        """«Бага хүлээнэ үү (N секунд)» under the chat, counting down; Send and the
        microphone come back by themselves (the typed question stays in the box)."""
        self._cooldown_left = max(1, int(seconds))
        self._cooldown_timer.start()
        self._show_cooldown()

    def _cooldown_tick(self) -> None:
        self._cooldown_left -= 1
        if self._cooldown_left <= 0:
            self._cooldown_timer.stop()
            self.show_notice(core_message("rate_limit_over", current_language()))
            self._update_buttons()
            return
        self._show_cooldown()

    def _show_cooldown(self) -> None:
        self.show_notice(countdown_text(self._cooldown_left, current_language()))
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self.busy
        self.send_button.setEnabled(not self.cooling_down)
        if self.voice is not None:
            self.voice.setEnabled(not self.cooling_down)
        self.send_button.setVisible(not busy)
        self.stop_button.setVisible(busy)
        has_answer = any(m.role == "assistant" for m in self.messages)
        self.regenerate_button.setEnabled(not busy and has_answer)
        self.copy_button.setEnabled(not busy and has_answer)
        self.hint_button.setEnabled(not busy and has_answer)
        self.new_button.setEnabled(not busy)
        self._practise_topic = None if busy else self._answer_topic()
        self.practise_button.setVisible(self._practise_topic is not None)

    def _answer_topic(self) -> tuple[str, str] | None:
        """The last answer's topic, when it has practice items."""
        progress = getattr(self.services, "progress", None)
        answers = [m for m in self.messages if m.role == "assistant"]
        if progress is None or not answers:
            return None
        topic = progress.topic_for_message(self.session, answers[-1].id)
        if topic is None or not topic.item_count:
            return None
        return topic.id, topic.title

    def _practise_clicked(self) -> None:
        if self._practise_topic is not None:
            self.practise_requested.emit(*self._practise_topic)

    # -- rendering -----------------------------------------------------------
    def _message_html(self, role: str, text: str, status: str = "complete",
                      footer: str = "") -> str:
        key = (role + status, text)
        cached = self._html_cache.get(key)
        if cached is None:
            cached = markdown_to_html(text, self.maths) if text else ""
            if len(self._html_cache) > 400:
                self._html_cache.clear()
            self._html_cache[key] = cached
        if role == "user":
            who, colour, align = self.tr("You"), "#E8ECFF", "right"
        else:
            who, colour, align = self.tr("Tutor"), "#FFFFFF", "left"
        if status == "error":
            colour = "#FDECEA"
        note = ""
        if status == "partial" and role == "assistant" and self.streaming_text is None:
            stopped = html.escape(self.tr("(stopped)"))
            note = f'<p style="color:#8A8F9C"><i>{stopped}</i></p>'
        return (f'<table width="100%" cellspacing="0" cellpadding="10" style="margin-bottom:8px">'
                f'<tr><td align="{align}" bgcolor="{colour}">'
                f'<p style="color:#6B7280; font-size:13px"><b>{html.escape(who)}</b></p>'
                f"{cached}{note}{footer}</td></tr></table>")

    def _passage(self, citation: dict[str, Any]) -> dict[str, Any] | None:
        """The cited passage's words: from this session's answers, else the library."""
        chunk_id = str(citation.get("chunk_id", ""))
        if chunk_id not in self._passages:
            found = self.library.passages([chunk_id]) if self.library is not None else []
            self._passages[chunk_id] = passage_record(found[0]) if found else None
        return self._passages[chunk_id]

    def citation_label(self, citation: dict[str, Any]) -> str:
        """"Биологи 7, х. 42" / "Physics 8, p. 42": the number printed on the page.

        ``label`` is missing in answers stored before printed numbers were kept:
        then the passage (read again from the library) knows it.
        """
        printed = citation.get("label")
        if not printed:
            passage = self._passage(citation) if citation.get("chunk_id") else None
            printed = (passage or {}).get("label") or citation.get("page", "")
        return self.tr("%1, p. %2").replace("%1", str(citation.get("book", ""))).replace(
            "%2", str(printed))

    def _link(self, citation: dict[str, Any], text: str) -> str:
        chunk_id = html.escape(str(citation.get("chunk_id", "")), quote=True)
        shown = html.escape(text).replace(" ", "&nbsp;")  # "Physics 8, p. 2" never wraps
        return f'<a href="{CITE_SCHEME}:{chunk_id}" style="color:#1F4FD1">{shown}</a>'

    def _no_sources_html(self) -> str:
        text = html.escape(core_message("tutor_no_sources", current_language()))
        return f'<p style="color:#8A6D1E; font-size:13px"><i>{text}</i></p>'

    def _sources_html(self, key: str, citations: Sequence[dict[str, Any]],
                      question: str) -> str:
        """The passages' own words (short, expandable) and one link per cited page."""
        if not citations:
            return self._no_sources_html() if self.tutor.retriever is not None else ""
        expanded = key in self._expanded
        quoted: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for citation in citations:
            passage = self._passage(citation)
            if passage is not None and passage.get("text"):
                quoted.append((citation, passage))
        if expanded:
            shown = quoted
        else:
            # The best passage, and the next one of another page if it speaks of the
            # question's words (two quotes of one page, or an unrelated one, say less).
            shown, pages_quoted = [], set()
            for citation, passage in quoted:
                page = (str(citation.get("book")), str(citation.get("page")))
                if len(shown) == EXCERPTS_SHOWN or page in pages_quoted:
                    continue
                if shown and not mentions(str(passage["text"]), question):
                    continue
                shown.append((citation, passage))
                pages_quoted.add(page)
        parts: list[str] = []
        clipped = len(shown) < len(quoted)
        for citation, passage in shown:
            source = self._link(citation, "— " + self.citation_label(citation))
            whole = " ".join(str(passage["text"]).split())
            if expanded:
                heading = html.escape(str(passage.get("heading") or ""))
                head = f"<b>{heading}</b><br/>" if heading else ""
                parts.append(f'<p style="color:#3B3524; font-size:14px">{head}'
                             f"{html.escape(whole)} {source}</p>")
                continue
            quote = excerpt(whole, question)
            clipped = clipped or quote != whole
            parts.append(f'<p style="color:#3B3524; font-size:14px">“{html.escape(quote)}” '
                         f"{source}</p>")
        box = ""
        if parts:
            title = html.escape(self.tr("From your textbook"))
            more = ""
            if expanded or clipped:
                label = self.tr("Show less") if expanded else self.tr("Show the whole passages")
                target = html.escape(key, quote=True)
                more = (f'<p style="font-size:13px"><a href="{MORE_SCHEME}:{target}" '
                        f'style="color:#7A5B12">{html.escape(label)}</a></p>')
            box = ('<table width="100%" cellspacing="0" cellpadding="8" '
                   'style="margin-top:8px"><tr><td bgcolor="#FFF7D6">'
                   f'<p style="color:#7A5B12; font-size:12px"><b>{title}</b></p>'
                   f"{''.join(parts)}{more}</td></tr></table>")
        return box + self._source_links(citations)

    def _source_links(self, citations: Sequence[dict[str, Any]]) -> str:
        pages: dict[tuple[str, str], dict[str, Any]] = {}
        for citation in citations:
            pages.setdefault((str(citation.get("book")), str(citation.get("page"))), citation)
        links = " · ".join(self._link(c, self.citation_label(c)) for c in pages.values())
        label = html.escape(self.tr("Sources:"))
        return (f'<p style="color:#6B7280; font-size:13px; margin-top:6px">'
                f"{label} {links}</p>")

    def _answer_footer(self, message: Message, question: str) -> str:
        if message.role != "assistant" or message.status == "error":
            return ""
        if message.backend == SAFETY_BACKEND or not (message.content or message.citations):
            return ""  # an empty answer still shows the textbook's own words
        if message.backend == TEXTBOOK_BACKEND and message.id not in self._expanded:
            # The textbook tutor's answer is the quote itself ("not found" has no links):
            # only the links, and the way to read the whole passages.
            if not message.citations:
                return ""
            label = html.escape(self.tr("Show the whole passages"))
            target = html.escape(message.id, quote=True)
            more = (f'<p style="font-size:13px"><a href="{MORE_SCHEME}:{target}" '
                    f'style="color:#7A5B12">{label}</a></p>')
            return more + self._source_links(message.citations)
        # Cached: the transcript is redrawn every 50 ms while an answer streams.
        key = (message.id, message.id in self._expanded, current_language(), question,
               tuple(str(c.get("chunk_id")) for c in message.citations))
        footer = self._footer_cache.get(key)
        if footer is None:
            footer = self._sources_html(message.id, message.citations, question)
            if len(self._footer_cache) > 400:
                self._footer_cache.clear()
            self._footer_cache[key] = footer
        return footer

    def refresh_transcript(self) -> None:
        parts: list[str] = []
        question = ""
        for m in self.messages:
            if m.role == "user":
                question = m.content
            parts.append(self._message_html(m.role, m.content, m.status,
                                            self._answer_footer(m, question)))
        if self.streaming_text is not None:
            if self.pending_question:
                parts.append(self._message_html("user", self.pending_question))
                question = self.pending_question
            text = self.streaming_text or "…"
            footer = ("" if self.streaming_sources is None else
                      self._sources_html(LIVE_KEY, self.streaming_sources, question))
            parts.append(self._message_html("assistant", text, "streaming", footer))
        if not parts:
            hint = html.escape(self.tr("Ask your question below. The tutor will help you "
                                       "step by step."))
            parts.append(f'<p style="color:#6B7280">{hint}</p>')
        bar = self.transcript.verticalScrollBar()
        position = bar.value()
        at_end = position >= bar.maximum() - 4
        self.transcript.setHtml("".join(parts))
        if at_end or self.streaming_text is not None:
            bar.setValue(bar.maximum())
        else:
            bar.setValue(position)  # e.g. after "show the whole passages"

    # -- citations -----------------------------------------------------------
    def _link_clicked(self, url: QUrl) -> None:
        scheme, _, value = url.toString().partition(":")
        if scheme == CITE_SCHEME:
            self.open_citation(value)
        elif scheme == MORE_SCHEME:
            self._expanded.symmetric_difference_update({value})
            self.refresh_transcript()

    def _citation(self, chunk_id: str) -> tuple[dict[str, Any] | None, str]:
        """The citation behind a link and the question its answer replied to."""
        question = ""
        found: tuple[dict[str, Any] | None, str] = (None, "")
        for message in self.messages:
            if message.role == "user":
                question = message.content
            for citation in message.citations:
                if str(citation.get("chunk_id")) == chunk_id:
                    found = (citation, question)
        for passage in self.streaming_sources or ():
            if str(passage.get("chunk_id")) == chunk_id:
                found = (passage, self.pending_question)
        return found

    def open_citation(self, chunk_id: str) -> QDialog | None:
        """Open the cited page (its text and the rendered PDF page) beside the chat."""
        citation, question = self._citation(chunk_id)
        citation = citation or {"chunk_id": chunk_id}
        passage = self._passage(citation)
        # The viewer quotes the same excerpt the chat showed, above the whole page.
        quote = excerpt(str(passage["text"]), question) if passage else ""
        target = {**citation, "text": quote}
        try:
            from tutor_desktop.ui.library_view import make_page_viewer

            viewer = make_page_viewer(target, self.services, self)
        except TutorError as error:  # e.g. the book was removed since
            self.show_notice(error.message(current_language()))
            return None
        except ImportError:
            self.show_notice(self.tr("The textbook page cannot be shown on this computer."))
            return None
        if self.page_viewer is not None:
            with contextlib.suppress(RuntimeError):  # already closed and deleted
                self.page_viewer.close()
        self.page_viewer = viewer
        viewer.show()
        return viewer

    # -- lifetime ------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop a running answer (it is saved as partial) and stop listening to the model."""
        if self.worker is not None:
            self.worker.stop()
        if self.models is not None:
            self.models.unsubscribe(self._status_listener)

    def sizeHint(self) -> QSize:
        return QSize(900, 640)


def make_chat_page(services: Services, session: Session, subject: str, grade: int | None,
                   parent: QWidget | None = None) -> QWidget:
    """The chat page for ``subject`` (a :mod:`tutor_desktop.core.subjects` id) and ``grade``."""
    return ChatView(services, session, subject, grade, parent)
