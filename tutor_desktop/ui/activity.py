"""Inactivity sign-out: any key, click, wheel or touch counts as activity.

The core's :class:`Session` owns the rule (``touch()`` / ``expired``); this
module feeds it from Qt events and checks it on a timer, so the next child at a
shared PC never lands in the previous child's work.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer

from tutor_desktop.core.accounts import Session

ACTIVITY_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
    QEvent.Type.InputMethod,
})


class IdleWatch(QObject):
    """Installed on the QApplication; calls ``on_expired()`` when the session idles out."""

    def __init__(self, session_getter: Callable[[], Session | None],
                 on_expired: Callable[[], None], check_ms: int = 5000,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session_getter
        self._on_expired = on_expired
        self.timer = QTimer(self)
        self.timer.setInterval(check_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY_EVENTS:
            session = self._session()
            if session is not None:
                session.touch()
        return False

    def check(self) -> None:
        session = self._session()
        if session is not None and session.expired:
            self._on_expired()

    def stop(self) -> None:
        self.timer.stop()
