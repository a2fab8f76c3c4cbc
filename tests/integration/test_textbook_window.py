"""The textbook tutor in the window (Mongolian UI, 1366×768, pytest-qt offscreen): an
answer quoted with its page, each hint step, "not found in your textbooks", and the exam
result in Settings → Services. The window, `tutor chat` and `tutor ask` show the same
excerpt. Screenshots go to TEXTBOOK_SHOTS (a folder outside the repo) when it is set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from grounded_helpers import import_samples
from PySide6.QtCore import Qt

from tutor_desktop.core.i18n import tr

QUESTION = "Фотосинтез гэж юу вэ?"
QUOTE = "Энэ үйл явцыг фотосинтез гэнэ."
SIZE = (1366, 768)


@pytest.fixture
def mn_window(qapp: Any) -> Iterator[None]:
    """The window in Mongolian; its widgets are deleted before English comes back (a chat
    view that gets LanguageChange while being torn down crashes Qt: see the report)."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    from tutor_desktop.ui.app import load_fonts
    from tutor_desktop.ui.i18n import ui_language

    load_fonts(qapp)
    ui_language().set_language("mn")
    yield
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
    ui_language().set_language("en")


def _shot(widget: Any, name: str) -> None:
    folder = os.environ.get("TEXTBOOK_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        assert widget.grab().save(str(Path(folder) / name))


def _chat(qtbot: Any, services: Any, session: Any, subject: str, grade: int) -> Any:
    from tutor_desktop.ui.chat_view import make_chat_page

    # Loaded first: a model still loading when the test ends is torn down mid-scan.
    services.models.start()
    services.models.wait()
    view = make_chat_page(services, session, subject, grade)
    qtbot.addWidget(view)
    view.resize(*SIZE)
    view.show()
    return view


def _send(qtbot: Any, view: Any, text: str) -> None:
    view.input.setPlainText(text)
    qtbot.mouseClick(view.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.busy, timeout=120_000)


def _hint(qtbot: Any, view: Any) -> None:
    assert view.hint_button.isEnabled() and view.hint_button.text() == "Сэжүүр"
    qtbot.mouseClick(view.hint_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.busy, timeout=120_000)


def test_textbook_answers_and_hints_in_the_window(
        qtbot, mn_window, models_installed: Path, sample_pdfs: Any, services: Any, school: Any,
        student: Any) -> None:
    import_samples(services, sample_pdfs)
    view = _chat(qtbot, services, student, "biology", 7)
    _send(qtbot, view, QUESTION)
    answer = view.messages[-1]
    assert answer.backend == "textbook" and answer.citations[0]["page"] == 1
    text = view.transcript.toPlainText()
    assert QUOTE in text and "Биологи 7, х. 1" in text and "Эх сурвалж:" in text
    _shot(view, "1_textbook_answer_mn.png")

    for step in (1, 2, 3):
        _hint(qtbot, view)
        hint = view.messages[-1]
        assert hint.backend == "textbook" and hint.model == f"hint-{step}"
        assert f"Сэжүүр {step}" in view.transcript.toPlainText()
        _shot(view, f"{step + 1}_hint_{step}_mn.png")
    assert "_____" in view.messages[-2].content and "_____" not in view.messages[-1].content

    view.new_conversation()
    _send(qtbot, view, "Цахилгаан гүйдэл гэж юу вэ?")
    assert view.messages[-1].content == tr("textbook_not_found", "mn")
    assert view.messages[-1].citations == []
    assert 'href="cite:' not in view.transcript.toHtml().split("Цахилгаан гүйдэл")[-1]
    _shot(view, "5_not_found_mn.png")
    view.shutdown()


def test_window_terminal_and_ask_show_the_same_excerpt(
        qtbot, mn_window, models_installed: Path, sample_pdfs: Any, services: Any, school: Any,
        student: Any) -> None:
    import_samples(services, sample_pdfs)
    view = _chat(qtbot, services, student, "biology", 7)
    _send(qtbot, view, QUESTION)
    quote = next(line for line in view.messages[-1].content.splitlines()
                 if line.startswith("> "))[2:]
    assert QUOTE in quote
    assert quote in " ".join(view.transcript.toPlainText().split())
    view.shutdown()
    data_dir = str(services.paths.data_dir)
    run = [sys.executable, "-m", "tutor_desktop", "--data-dir", data_dir]
    asked = subprocess.run([*run, "ask", QUESTION, "--grade", "7", "--subject", "biology",
                            "--lang", "mn", "--json"], capture_output=True, text=True,
                           timeout=300, encoding="utf-8")
    assert asked.returncode == 0, asked.stderr
    assert quote in json.loads(asked.stdout)["answer"]
    chat = subprocess.run([*run, "chat", "--subject", "biology"], capture_output=True,
                          text=True, timeout=300, encoding="utf-8",
                          input="\n".join(["2", "1", "1234", QUESTION, "/hint", "/quit", ""]))
    assert chat.returncode == 0, chat.stderr
    assert quote in chat.stdout and "Сэжүүр 1" in chat.stdout


def test_exam_result_in_settings(qtbot, mn_window, services: Any, school: Any) -> None:
    from tutor_desktop.core.grounding.exam import ExamResult
    from tutor_desktop.ui.pages.settings import SettingsPage

    services.exams.save(ExamResult("gemma3-270m", "local", 0.42, 1, 30, 61.5,
                                             "fail"))
    services.exams.save(ExamResult("school-remote", "remote:school", 0.97, 29, 30,
                                             24.0, "pass"))
    page = SettingsPage(services)
    qtbot.addWidget(page)
    page.resize(*SIZE)
    page.set_session(services.accounts.sign_in_staff("admin", "admin-pass-1"))
    page.show()
    section = page.services_section
    assert section is not None and section.isVisible()
    shown = section.exam_results.text()
    assert "gemma3-270m: тэнцээгүй" in shown and "оноо 42 %" in shown
    assert "school-remote: тэнцсэн" in shown
    _shot(page, "6_exam_in_settings_mn.png")
