"""The window in client mode, in this process (pytest-qt), against a service on a socket.

The OS boundary (the window as another account) is in test_service_accounts.py; this
test finds what the window still reads from the core directly."""

from __future__ import annotations

import pytest
from qt_windows import close_windows
from window_driver import sign_in_and_ask


@pytest.mark.slow
def test_a_student_signs_in_and_gets_a_streamed_answer_in_the_window(gemma_writes, client,
                                                                      school, qtbot, qapp,
                                                                      services) -> None:
    from tutor_desktop.ui.app import load_fonts
    from tutor_desktop.ui.i18n import ui_language
    from tutor_desktop.ui.main_window import MainWindow

    load_fonts(qapp)
    language = ui_language()
    language.set_language("en")
    window = MainWindow(client, language=language)
    window.show()
    try:
        shown = sign_in_and_ask(window, "7A", "Анужин", "1234", "What is 2 + 3?")
    finally:   # gone before the client closes: no later test's events reach this window
        close_windows(window)
    assert shown["user"] == "Анужин"
    assert shown["deltas"] > 3 and shown["messages"] == ["user", "assistant"]
    stored = services.conversations.list_for(school.teacher_session, school.anu.id)
    assert len(stored) == 1 and stored[0].subject == "math"
