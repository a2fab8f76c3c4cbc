"""Drives the real window in client mode: sign in on the PIN pad, open a subject, ask.

Used by the pytest-qt test in this process and, as a script, by the test that runs the
window as another OS account (``python window_driver.py``: prints one JSON line).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton, QWidget


def _wait(condition: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QApplication.processEvents()
        time.sleep(0.01)


def _click(window: QWidget, name: str) -> None:
    button = window.findChild(QPushButton, name)
    assert button is not None, f"no button {name!r}"
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def sign_in_and_ask(window: Any, class_name: str, student: str, pin: str,
                    question: str) -> dict[str, Any]:
    """What a student does, and what the window then shows."""
    _wait(lambda: window.sign_in_page.isVisible(), 30)
    _click(window, f"class:{class_name}")
    _click(window, f"student:{student}")
    pad = window.sign_in_page.pin_pad
    QTest.keyClicks(pad, pin)
    QTest.keyClick(pad, Qt.Key.Key_Return)
    _wait(lambda: window.current_page() is window.student_home, 60)
    _click(window, "subject:math")
    view = window.chat_page.content
    deltas: list[str] = []
    view.tutor = _Recorder(view.tutor, deltas)
    view.input.setPlainText(question)
    QTest.mouseClick(view.send_button, Qt.MouseButton.LeftButton)
    _wait(lambda: bool(deltas) and not view.busy, 300)
    shown = "\n".join(label.text() for label in view.findChildren(QWidget)
                      if hasattr(label, "text") and isinstance(label.text(), str))
    return {"user": window.session.user.display_name, "deltas": len(deltas),
            "answer": "".join(deltas), "shown": shown,
            "messages": [m.role for m in view.messages]}


class _Recorder:
    """The chat's tutor, with every streamed delta counted on its way to the view."""

    def __init__(self, tutor: Any, deltas: list[str]) -> None:
        self._tutor, self._deltas = tutor, deltas

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tutor, name)

    def ask(self, *args: Any, on_delta: Any = None, **kwargs: Any) -> Any:
        def counted(text: str) -> None:
            self._deltas.append(text)
            if on_delta is not None:
                on_delta(text)
        return self._tutor.ask(*args, on_delta=counted, **kwargs)


def main() -> int:
    from tutor_desktop.composition import connect_services
    from tutor_desktop.ui.app import load_fonts
    from tutor_desktop.ui.i18n import ui_language
    from tutor_desktop.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    load_fonts(app)
    services = connect_services()
    language = ui_language()
    language.set_language("en")
    window = MainWindow(services, language=language)
    window.show()
    try:
        result = sign_in_and_ask(window, *sys.argv[1:5])
        result["mode"] = services.mode
        print(json.dumps(result, ensure_ascii=False))
    finally:
        window.shutdown()
        window.close()
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
