"""Where answers come from right now: a small indicator and a status panel.

``StatusIndicator`` (for the window's header or status bar) shows one of
"Local model", "Online via <provider>", "Offline" with a coloured dot; its
tooltip lists every service. ``StatusPanel`` (for the settings page) is a table:
service, state, last error, latency, with a "Check now" button.

Both are fed by :class:`tutor_desktop.core.connectivity.ConnectivityMonitor`.
The monitor calls listeners on its own thread; :class:`ConnectivityBridge`
re-emits them as a Qt signal, which Qt queues to the GUI thread. A slow QTimer
also refreshes, because the summary depends on the routing policy, which a
teacher can change without any service changing state. The GUI thread never
probes: "Check now" runs in the background pool.

Usage::

    monitor = services.connectivity
    header.addWidget(StatusIndicator(monitor))
    settings_layout.addWidget(StatusPanel(monitor))
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tutor_desktop.core.connectivity import (
    ConnectivityMonitor,
    IndicatorMode,
    ServiceKind,
    ServiceState,
    ServiceStatus,
    Summary,
)
from tutor_desktop.ui.i18n import current_language

log = logging.getLogger(__name__)

REFRESH_MS = 5000
DOT_COLORS = {IndicatorMode.ONLINE: "#2DB87D", IndicatorMode.LOCAL: "#4F7CFF",
              IndicatorMode.OFFLINE: "#9A9A9A"}
STATE_COLORS = {ServiceState.OK: "#2DB87D", ServiceState.DEGRADED: "#F2A93B",
                ServiceState.DOWN: "#D64545", ServiceState.AUTH: "#D64545",
                ServiceState.UNKNOWN: "#9A9A9A", ServiceState.OFF: "#9A9A9A",
                ServiceState.LOADING: "#F2A93B"}


class ConnectivityBridge(QObject):
    """Turns the monitor's thread callbacks into a GUI-thread signal."""

    changed = Signal(object)  # list[ServiceStatus]

    def __init__(self, monitor: ConnectivityMonitor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.monitor = monitor
        self._unsubscribe = monitor.subscribe(self._from_monitor)
        self.destroyed.connect(lambda *_: self._unsubscribe())

    def _from_monitor(self, statuses: list[ServiceStatus]) -> None:  # any thread
        with contextlib.suppress(RuntimeError):  # the widget is gone: nothing to update
            self.changed.emit(statuses)


class StatusIndicator(QWidget):
    """A dot and one line: who will answer the next question."""

    mode_changed = Signal(str)  # IndicatorMode value

    def __init__(self, monitor: ConnectivityMonitor, parent: QWidget | None = None, *,
                 start: bool = True, refresh_ms: int = REFRESH_MS) -> None:
        super().__init__(parent)
        self.monitor = monitor
        self._summary: Summary | None = None
        self._dot = QLabel("●", self)
        self._label = QLabel(self)
        self._label.setObjectName("connectivityLabel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setSpacing(6)
        layout.addWidget(self._dot)
        layout.addWidget(self._label)
        self._bridge = ConnectivityBridge(monitor, self)
        self._bridge.changed.connect(self.refresh)
        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        if start:
            monitor.start()
        self.refresh()

    # -- reading (tests, the main window) --------------------------------------
    @property
    def mode(self) -> IndicatorMode:
        return self._summary.mode if self._summary else IndicatorMode.OFFLINE

    def text(self) -> str:
        return self._label.text()

    # -- updating ----------------------------------------------------------------
    def refresh(self, *_: object) -> None:
        summary = self.monitor.summary()
        old = self._summary
        self._summary = summary
        self._render(summary)
        if old is None or old.mode is not summary.mode or old.provider != summary.provider:
            self.mode_changed.emit(summary.mode.value)

    def _render(self, summary: Summary) -> None:
        if summary.mode is IndicatorMode.ONLINE:
            text = self.tr("Online via %1").replace("%1", summary.provider)
        elif summary.mode is IndicatorMode.LOCAL:
            text = self.tr("Local model")
        else:
            text = self.tr("Offline")
        self._label.setText(text)
        self._dot.setStyleSheet(f"color: {DOT_COLORS[summary.mode]};")
        self.setToolTip("\n".join(_line(s, self) for s in self.monitor.statuses()))
        self.setAccessibleName(text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange and self._summary is not None:
            self._render(self._summary)
        super().changeEvent(event)


class StatusPanel(QWidget):
    """Every service with state, last error and latency (settings page, for teachers/IT)."""

    COLUMNS = 4

    def __init__(self, monitor: ConnectivityMonitor, parent: QWidget | None = None, *,
                 start: bool = True,
                 sync_status: Callable[[], dict[str, Any]] | None = None) -> None:
        super().__init__(parent)
        self.monitor = monitor
        self._sync_status = sync_status
        # "synced 3 min ago · 2 waiting" (core message, translated like the doctor's line)
        self.sync_label = QLabel(self)
        self.sync_label.setObjectName("syncStatus")
        self.sync_label.setVisible(sync_status is not None)
        self.table = QTableWidget(0, self.COLUMNS, self)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.check_button = QPushButton(self)
        self.check_button.clicked.connect(self.check_now)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(self.sync_label)
        row.addStretch(1)
        row.addWidget(self.check_button)
        layout.addLayout(row)
        self._bridge = ConnectivityBridge(monitor, self)
        self._bridge.changed.connect(self.show_statuses)
        if start:
            monitor.start()
        self._retranslate()
        self.show_statuses(monitor.statuses())

    def show_statuses(self, statuses: Sequence[ServiceStatus]) -> None:
        self.show_sync()
        self.table.setRowCount(len(statuses))
        for row, status in enumerate(statuses):
            state = QTableWidgetItem(_state_text(status, self))
            state.setForeground(QColor(STATE_COLORS[status.state]))
            latency = "" if status.latency_ms is None else f"{status.latency_ms:.0f} ms"
            items = (QTableWidgetItem(_service_name(status, self)), state,
                     QTableWidgetItem(_error_text(status)), QTableWidgetItem(latency))
            for column, item in enumerate(items):
                if column == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight |
                                          Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)

    def show_sync(self) -> None:
        if self._sync_status is None:
            return
        from tutor_desktop.core.sync.status import status_line

        try:
            self.sync_label.setText(status_line(self._sync_status(), current_language()))
        except Exception as exc:  # a status line must never break the settings page
            log.warning("sync status unavailable: %s", exc)

    def rows(self) -> list[tuple[str, str, str, str]]:
        """The table as text (tests, accessibility)."""
        result = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, c) for c in range(self.COLUMNS)]
            values = [cell.text() if cell is not None else "" for cell in cells]
            result.append((values[0], values[1], values[2], values[3]))
        return result

    def check_now(self) -> None:
        """Probe every service now, off the GUI thread."""
        from tutor_desktop.ui.background import run_in_background

        self.check_button.setEnabled(False)
        run_in_background(self.monitor.check_now, on_done=self._checked,
                          on_error=self._check_failed, context=self)

    def _checked(self, statuses: object) -> None:
        self.check_button.setEnabled(True)
        if isinstance(statuses, list):
            self.show_statuses(statuses)

    def _check_failed(self, error: BaseException) -> None:
        self.check_button.setEnabled(True)
        log.warning("status check failed: %s", error)

    def _retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels(
            [self.tr("Service"), self.tr("State"), self.tr("Last error"), self.tr("Latency")])
        self.check_button.setText(self.tr("Check now"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            self.show_statuses(self.monitor.statuses())
        super().changeEvent(event)


# Literal QCoreApplication.translate("StatusPanel", …) calls: lupdate files them under
# "StatusPanel", where Qt looks them up (widget.tr() in a module function would not).


def _service_name(status: ServiceStatus, widget: QWidget) -> str:
    if status.kind is ServiceKind.LOCAL:
        name = QCoreApplication.translate("StatusPanel", "Local model")
        return f"{name} ({status.detail})" if status.detail else name
    if status.kind is ServiceKind.REMOTE:
        return QCoreApplication.translate(
            "StatusPanel", "Remote model: %1").replace("%1", status.label)
    if status.kind is ServiceKind.SPEECH:
        return QCoreApplication.translate("StatusPanel", "Speech recognition")
    return QCoreApplication.translate("StatusPanel", "Sync service")


def _state_text(status: ServiceStatus, widget: QWidget) -> str:
    texts = {
        ServiceState.OK: QCoreApplication.translate("StatusPanel", "Working"),
        ServiceState.DEGRADED: QCoreApplication.translate("StatusPanel", "Having problems"),
        ServiceState.DOWN: QCoreApplication.translate(
            "StatusPanel", "Not reachable") if status.kind in (
            ServiceKind.REMOTE, ServiceKind.SYNC) else QCoreApplication.translate(
                "StatusPanel", "Not available"),
        ServiceState.AUTH: QCoreApplication.translate("StatusPanel", "API key rejected"),
        ServiceState.UNKNOWN: QCoreApplication.translate("StatusPanel", "Not checked yet"),
        ServiceState.LOADING: QCoreApplication.translate("StatusPanel", "Loading…"),
        ServiceState.OFF: QCoreApplication.translate("StatusPanel", "Not set up"),
    }
    text = texts[status.state]
    if status.paused:
        text += " · " + QCoreApplication.translate("StatusPanel", "paused")
    return text


def _error_text(status: ServiceStatus) -> str:
    """A core message id in the UI language; a technical text ("HTTP 503") as it is."""
    return status.error_text(current_language())


def _line(status: ServiceStatus, widget: QWidget) -> str:
    latency = "" if status.latency_ms is None else f" ({status.latency_ms:.0f} ms)"
    error = f" — {_error_text(status)}" if status.last_error else ""
    return f"{_service_name(status, widget)}: {_state_text(status, widget)}{latency}{error}"
