"""Small reusable widgets: pages that retranslate, message labels, tiles, the PIN pad."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QBoxLayout,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOptionFrame,
    QVBoxLayout,
    QWidget,
)

from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.paths import resources_dir
from tutor_desktop.ui.i18n import current_language
from tutor_desktop.ui.style import FONT_FAMILY, tile_style

log = logging.getLogger(__name__)

PHRASE_SEPARATOR = " · "
NO_BREAK_SPACE = "\u00a0"


def phrases(text: str) -> str:
    """``text`` that wraps only between its " · "-separated phrases.

    "7A анги · 7-р ангийн хөтөлбөр" on a narrow screen must not end a line on
    "ангийн" and start the next with "хөтөлбөр": the words of each phrase are
    joined with no-break spaces."""
    return PHRASE_SEPARATOR.join(part.replace(" ", NO_BREAK_SPACE)
                                 for part in text.split(PHRASE_SEPARATOR))


class _PlaceholderFit(QObject):
    """Keeps a field wide enough for its whole placeholder (see :func:`fit_placeholder`)."""

    def __init__(self, field: QLineEdit, cap: int | None) -> None:
        super().__init__(field)
        self.field = field
        self.cap = cap
        field.installEventFilter(self)
        self.fit()

    def fit(self) -> None:
        field = self.field
        field.ensurePolished()
        option = QStyleOptionFrame()
        field.initStyleOption(option)
        option.rect.setWidth(1000)
        contents = field.style().subElementRect(QStyle.SubElement.SE_LineEditContents,
                                                option, field)
        margins = field.textMargins()
        # Stylesheet padding and border, text margins, Qt's 2 px each side and the font's
        # left bearing (QLineEdit elides a placeholder by these), one pixel to spare.
        bearing = max(0, -field.fontMetrics().minLeftBearing())
        chrome = 1000 - contents.width() + margins.left() + margins.right() + 5 + bearing
        need = field.fontMetrics().horizontalAdvance(field.placeholderText()) + chrome
        field.setMinimumWidth(min(need, self.cap) if self.cap else need)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Polish, QEvent.Type.FontChange,
                            QEvent.Type.StyleChange, QEvent.Type.Show):
            self.fit()
        return False


def fit_placeholder(field: QLineEdit, cap: int | None = None) -> None:
    """Make ``field`` at least as wide as its placeholder needs, padding and border included
    (Mongolian hints are longer: «дор хаяж 8 тэмдэгт» was cut to «дор хаяж 8 тэмдэ…»).
    Call after ``setPlaceholderText``; it follows later font, style and text-size changes."""
    fitter = field.findChild(_PlaceholderFit)
    if fitter is None:
        _PlaceholderFit(field, cap)
    else:
        fitter.cap = cap
        fitter.fit()


class Page(QWidget):
    """A screen of the main window. Subclasses put every ``self.tr()`` call in
    :meth:`retranslate_ui`, which runs at build time and on every language switch."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("page", True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            try:
                self.retranslate_ui()
            except Exception:  # an exception escaping a Qt event handler can abort the app
                log.exception("retranslating %s failed", type(self).__name__)
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        """Set every visible text (override)."""

    def on_shown(self) -> None:
        """Called by the main window each time the page becomes current (override)."""


class MessageLabel(QLabel):
    """Shows an error or a notice and keeps it in the current UI language.

    ``show_error(TutorError)`` renders ``err.message(lang)``; ``show_text(fn)``
    takes a function returning an already translated text (e.g. a lambda around
    ``self.tr(...)``), re-run on a language switch.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Margins, not QSS padding: a word-wrapped QLabel's heightForWidth ignores QSS padding.
        self.setContentsMargins(18, 12, 18, 12)
        self._render: Callable[[], str] | None = None
        self.hide()

    def show_error(self, error: TutorError | BaseException) -> None:
        if isinstance(error, TutorError):
            self._show("error", lambda: error.message(current_language()))
        else:
            log.error("unexpected error shown to the user", exc_info=error)
            self._show("error", lambda: self.tr("Something went wrong: {error}").format(
                error=error))

    def show_text(self, render: Callable[[], str], *, success: bool = False) -> None:
        self._show("success" if success else "error", render)

    def clear_message(self) -> None:
        self._render = None
        self.setText("")
        self.hide()

    def _show(self, role: str, render: Callable[[], str]) -> None:
        self._render = render
        self.setProperty("role", role)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setText(render())
        self.show()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange and self._render is not None:
            self.setText(self._render())
        super().changeEvent(event)


def label(role: str = "", text: str = "", *, wrap: bool = True,
          align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter) -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    widget.setAlignment(align)
    return widget


def form_row(form: QFormLayout, field: QWidget) -> QLabel:
    """Add ``field`` with a caption label centred on it; returns the caption to translate."""
    caption = QLabel()
    caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    caption.setMinimumHeight(field.sizeHint().height())
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.addRow(caption, field)
    return caption


def button(kind: str = "", text: str = "") -> QPushButton:
    widget = QPushButton(text)
    if kind:
        widget.setProperty("kind", kind)
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    return widget


def badge_icon(text: str, color: str, size: int = 64, *, fill: str = "white",
               ink: str | None = None) -> QIcon:
    """A round badge with a glyph or initial, drawn with the bundled font (no image files)."""
    ratio = 2  # draw at double size so it stays sharp on high-DPI screens
    pixmap = QPixmap(size * ratio, size * ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(fill))
    painter.drawEllipse(QRectF(0, 0, size * ratio, size * ratio))
    font = QFont(FONT_FAMILY)
    font.setBold(True)
    font.setPixelSize(int(size * ratio * (0.52 if len(text) <= 1 else 0.6 / len(text) * 1.5)))
    painter.setFont(font)
    painter.setPen(QColor(ink or color))
    painter.drawText(QRectF(0, 0, size * ratio, size * ratio), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return QIcon(pixmap)


class TileButton(QPushButton):
    """A big coloured button with a round badge, a title and an optional subtitle.

    Used for classes, names and subjects. The texts are labels inside the button
    (so they can have two sizes); :meth:`title` returns the title for tests and
    screen readers.
    """

    def __init__(self, title: str, color: str, badge: str = "", *, subtitle: str = "",
                 vertical: bool = False, size: QSize | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.color = color
        self.setStyleSheet(tile_style(color))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumSize(size or QSize(200, 96))
        # Ignored width: every column of a TileGrid gets the same width, whatever the text.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        layout: QBoxLayout = QVBoxLayout(self) if vertical else QHBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 14)
        layout.setSpacing(6 if vertical else 14)
        self.badge = QLabel()
        badge_size = 60 if vertical else 56
        if badge:
            self.badge.setPixmap(badge_icon(badge, color, badge_size).pixmap(badge_size,
                                                                             badge_size))
        self.badge.setVisible(bool(badge))
        self._title = QLabel()
        self._title.setProperty("tile", "title")
        self._subtitle = QLabel()
        self._subtitle.setProperty("tile", "subtitle")
        texts = QVBoxLayout()
        texts.setSpacing(0)
        for text_label in (self._title, self._subtitle):
            text_label.setWordWrap(True)
            text_label.setAlignment(Qt.AlignmentFlag.AlignCenter if vertical
                                    else Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            texts.addWidget(text_label)
        for child in (self.badge, self._title, self._subtitle):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        if vertical:
            layout.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignHCenter)
            layout.addLayout(texts)
        else:
            layout.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
            layout.addLayout(texts, 1)
        self.set_texts(title, subtitle)

    def sizeHint(self) -> QSize:
        layout = self.layout()
        inner = layout.sizeHint() if layout is not None else QSize()
        return self.minimumSize().expandedTo(inner)

    def set_texts(self, title: str, subtitle: str = "") -> None:
        self._title.setText(title)
        self._subtitle.setText(subtitle)
        self._subtitle.setVisible(bool(subtitle))
        self.setAccessibleName(f"{title} {subtitle}".strip())

    def title(self) -> str:
        return self._title.text()

    def subtitle(self) -> str:
        return self._subtitle.text()

    def restyle(self) -> None:
        """Take the current text size (tiles carry their own stylesheet)."""
        self.setStyleSheet(tile_style(self.color))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter chooses the focused tile, as Space does (a child presses Enter)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.isAutoRepeat():
            self.click()
            return
        super().keyPressEvent(event)


class TileGrid(QScrollArea):
    """A scrollable grid of tiles, ``columns`` wide."""

    def __init__(self, columns: int = 4, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        inner = QWidget()
        outer = QVBoxLayout(inner)
        outer.setContentsMargins(8, 8, 8, 8)
        self._grid = QGridLayout()
        self._grid.setSpacing(18)
        for column in range(columns):
            self._grid.setColumnStretch(column, 1)
        outer.addLayout(self._grid)
        outer.addStretch(1)
        self.setWidget(inner)
        self.tiles: list[QPushButton] = []

    def set_tiles(self, tiles: list[QPushButton]) -> None:
        for old in self.tiles:
            self._grid.removeWidget(old)
            old.deleteLater()
        self.tiles = tiles
        for index, tile in enumerate(tiles):
            self._grid.addWidget(tile, index // self.columns, index % self.columns)
            tile.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            tile.installEventFilter(self)

    def focus_first(self) -> None:
        """Put the keyboard on the first tile (after the grid is shown), so a child can
        choose with the arrows and Enter without a mouse."""
        if self.tiles:
            self.tiles[0].show()   # new tiles are shown by a queued call: focus needs it now
            self.tiles[0].setFocus(Qt.FocusReason.OtherFocusReason)
            self.ensureWidgetVisible(self.tiles[0])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Arrow keys move between tiles as they are laid out (row by row)."""
        if event.type() == QEvent.Type.KeyPress and watched in self.tiles:
            assert isinstance(event, QKeyEvent)
            step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -self.columns,
                    Qt.Key.Key_Down: self.columns}.get(Qt.Key(event.key()))
            if step is not None:
                index = self.tiles.index(watched) + step
                if 0 <= index < len(self.tiles):
                    self.tiles[index].setFocus(Qt.FocusReason.TabFocusReason)
                    self.ensureWidgetVisible(self.tiles[index])
                return True
        return super().eventFilter(watched, event)


class PinPad(QWidget):
    """A 4-6 digit PIN keypad with big round keys; the physical keyboard works too.

    Emits ``submitted(pin)`` on OK / Enter; never shows the digits themselves.
    """

    submitted = Signal(str)
    MIN_DIGITS, MAX_DIGITS = 4, 6

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pin = ""
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        layout.setSpacing(14)
        self.dots = label("pinDots")
        layout.addWidget(self.dots)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(14)
        self.keys: dict[str, QPushButton] = {}
        for index, digit in enumerate("123456789"):
            self.keys[digit] = self._key(digit, "key")
            grid.addWidget(self.keys[digit], index // 3, index % 3)
        self.keys["back"] = self._key("⌫", "key")
        self.keys["0"] = self._key("0", "key")
        self.keys["ok"] = self._key("✓", "keyOk")
        grid.addWidget(self.keys["back"], 3, 0)
        grid.addWidget(self.keys["0"], 3, 1)
        grid.addWidget(self.keys["ok"], 3, 2)
        layout.addLayout(grid)
        self._name_keys()
        self._refresh()

    def _name_keys(self) -> None:
        """What a screen reader says for the two keys that are symbols."""
        self.keys["back"].setAccessibleName(self.tr("Delete the last digit"))
        self.keys["back"].setToolTip(self.tr("Delete the last digit (Backspace)"))
        self.keys["ok"].setAccessibleName(self.tr("Sign in"))
        self.keys["ok"].setToolTip(self.tr("Sign in (Enter)"))
        self.setAccessibleName(self.tr("PIN code: type the digits, then press Enter"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._name_keys()
        super().changeEvent(event)

    def _key(self, text: str, kind: str) -> QPushButton:
        key = button(kind, text)
        key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        key.clicked.connect(lambda _=False, t=text: self._press(t))
        return key

    @property
    def pin(self) -> str:
        return self._pin

    def clear(self) -> None:
        self._pin = ""
        self._refresh()

    def set_enabled_keys(self, enabled: bool) -> None:
        for key in self.keys.values():
            key.setEnabled(enabled)
        if enabled:
            self._refresh()

    def _press(self, key: str) -> None:
        if key == "⌫":
            self._pin = self._pin[:-1]
        elif key == "✓":
            if len(self._pin) >= self.MIN_DIGITS:
                self.submitted.emit(self._pin)
            return
        elif len(self._pin) < self.MAX_DIGITS:
            self._pin += key
        self._refresh()

    def _refresh(self) -> None:
        shown = max(self.MIN_DIGITS, len(self._pin))
        self.dots.setText("●" * len(self._pin) + "○" * (shown - len(self._pin)))
        self.keys["ok"].setEnabled(len(self._pin) >= self.MIN_DIGITS)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text.isdigit() and text.isascii():
            self._press(text)
        elif event.key() == Qt.Key.Key_Backspace:
            self._press("⌫")
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._press("✓")
        else:
            super().keyPressEvent(event)


def mascot(size: int = 96) -> QLabel:
    """The owl from ``resources/icons/app.svg`` (empty if the file is missing)."""
    widget = QLabel()
    widget.setObjectName("mascot")
    path = resources_dir() / "icons" / "app.svg"
    if path.is_file():
        widget.setPixmap(QIcon(str(path)).pixmap(size, size))
    widget.setFixedSize(size, size)
    return widget
