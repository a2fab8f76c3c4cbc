"""The chat view in the window (pytest-qt, offscreen): streaming, stop, maths, screenshot."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QWidget

from tutor_desktop.core.llm.manager import ModelState
from tutor_desktop.core.paths import install_dir
from tutor_desktop.ui.background import wait_for_background

SHOTS = install_dir() / "screenshots"


@pytest.fixture
def ui_mn(qapp) -> Iterator[None]:
    from tutor_desktop.ui.app import load_fonts
    from tutor_desktop.ui.i18n import ui_language

    load_fonts(qapp)
    ui_language().set_language("mn")
    yield
    ui_language().set_language("en")


def _view(qtbot, services, session, subject: str = "math", *, owned: bool = True):
    """The chat page, shown; ``owned=False`` when the test deletes it itself."""
    from tutor_desktop.ui.chat_view import make_chat_page

    view = make_chat_page(services, session, subject, 7)
    if owned:
        qtbot.addWidget(view)
    view.resize(1000, 680)
    view.show()
    return view


def _ask(qtbot, view, question: str) -> list[str]:
    view.input.setPlainText(question)  # QTest.keyClicks asserts on non-ASCII letters
    qtbot.mouseClick(view.send_button, Qt.MouseButton.LeftButton)
    assert view.busy and view.stop_button.isVisible()
    snapshots: list[str] = []
    view.worker.text_changed.connect(snapshots.append)
    return snapshots


def test_answer_streams_into_the_view_without_blocking(
        qtbot, small_context, model_installed, services, student) -> None:
    view = _view(qtbot, services, student)
    snapshots = _ask(qtbot, view, "5 + 7 хэд вэ?")
    qtbot.waitUntil(lambda: not view.busy, timeout=120_000)
    assert len(snapshots) >= 2, "text arrives in several batches"
    assert all(b.startswith(a) for a, b in itertools.pairwise(snapshots))
    assert view.send_button.isVisible() and not view.stop_button.isVisible()
    [conv] = services.conversations.list_for(student)
    messages = services.conversations.messages(student, conv.id)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[1].content.strip()
    shown = view.transcript.toPlainText()
    assert "5 + 7 хэд вэ?" in shown
    assert view.conversation_list.count() == 1
    assert view.conversation_list.item(0).text() == "5 + 7 хэд вэ?"


def test_stop_button_keeps_the_partial_answer(
        qtbot, small_context, model_installed, monkeypatch, services, student) -> None:
    services.tutor.max_new_tokens = 400
    view = _view(qtbot, services, student)
    snapshots = _ask(qtbot, view, "Тоо гэж юу вэ? Дэлгэрэнгүй тайлбарла.")
    qtbot.waitUntil(lambda: bool(snapshots), timeout=120_000)
    qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.busy, timeout=60_000)
    stored = view.messages[-1]
    assert stored.role == "assistant" and stored.status == "partial"
    assert (stored.completion_tokens or 0) < 400


def test_no_model_still_answers_and_says_what_it_should_do(qtbot, services, student) -> None:
    view = _view(qtbot, services, student)  # no model anywhere: the tests' folders are empty
    snapshots = _ask(qtbot, view, "Сайн уу?")
    qtbot.waitUntil(lambda: not view.busy, timeout=60_000)
    # The textbook tutor answers (here: no book has it) instead of an error ...
    assert [(m.role, m.status) for m in view.messages][-2:] == [
        ("user", "complete"), ("assistant", "complete")]  # the question is kept
    assert view.messages[-2].content == "Сайн уу?"
    assert view.messages[-1].backend == "textbook"
    assert snapshots and "textbooks" in view.transcript.toPlainText()
    # ... and the note under the chat says why, with what IT should run.
    assert "tutor models install-default" in view.notice_label.text()


def _delete(widget: QWidget) -> None:
    widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(widget)


def test_closing_the_chat_mid_answer_stops_the_model_and_keeps_the_partial_answer(
        qtbot, small_context, model_installed, services, student) -> None:
    services.tutor.max_new_tokens = 400
    view = _view(qtbot, services, student, owned=False)
    snapshots = _ask(qtbot, view, "Тоо гэж юу вэ? Дэлгэрэнгүй тайлбарла.")
    qtbot.waitUntil(lambda: bool(snapshots), timeout=120_000)
    view.shutdown()  # what the window does when the student leaves the page
    _delete(view)
    assert wait_for_background(120_000)
    QApplication.processEvents()  # the worker's late signals go nowhere
    [conv] = services.conversations.list_for(student)
    answer = services.conversations.messages(student, conv.id)[-1]
    assert answer.role == "assistant" and answer.status == "partial" and answer.content
    assert (answer.completion_tokens or 0) < 400


def test_a_chat_deleted_while_the_model_loads_and_answers_fails_nothing(
        qtbot, small_context, model_installed, services, student) -> None:
    """The window is closed without shutdown(): the loader thread and the answer thread
    report into a view that is gone; the answer is still stored."""
    view = _view(qtbot, services, student, owned=False)  # starts loading the model
    _ask(qtbot, view, "5 + 7 хэд вэ?")
    _delete(view)
    assert services.models.wait(120).state is ModelState.READY
    assert wait_for_background(120_000)
    QApplication.processEvents()
    [conv] = services.conversations.list_for(student)
    roles = [m.role for m in services.conversations.messages(student, conv.id)]
    assert roles == ["user", "assistant"]


def _seed_math_conversation(services, session) -> None:
    tutor = services.tutor
    conv = tutor.start_conversation(session, subject="math", language="mn")
    store = services.conversations
    store.rename(session, conv.id, "Квадрат тэгшитгэл")
    store.add_message(session, conv.id, "user", "$x^2 - 5x + 6 = 0$ тэгшитгэлийг яаж бодох вэ?")
    store.add_message(
        session, conv.id, "assistant",
        "Сайн асуулт! Эхлээд **квадрат тэгшитгэлийн томьёо**-г санацгаая:\n\n"
        "$$x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}$$\n\n"
        "Энд $a = 1$, $b = -5$, $c = 6$ байна. Одоо **дискриминант** $D = b^2 - 4ac$-г "
        "өөрөө бодоод үзээрэй. Хэд гарсан бэ?", backend="local", model="gemma3-1b-it")
    store.add_message(session, conv.id, "user", "$D = 25 - 24 = 1$ гарлаа.")
    store.add_message(
        session, conv.id, "assistant",
        "Зөв байна! $\\sqrt{D} = 1$ тул хоёр шийд гарна. Дараагийн алхам: $x_1$ ба $x_2$-г "
        "томьёонд орлуулж олоорой.", backend="local", model="gemma3-1b-it")


def test_formulas_are_drawn_not_shown_as_latex(qtbot, services, student) -> None:
    _seed_math_conversation(services, student)
    view = _view(qtbot, services, student)
    html = view.transcript.toHtml()
    assert "\\frac" not in view.transcript.toPlainText()
    assert html.count('src="math:') >= 5
    images = [view.maths.image(k) for k in view.maths._images]
    assert images and all(img is not None and img.width() > 10 for img in images)


def test_screenshot_of_a_mongolian_conversation_with_maths(
        qtbot, ui_mn, model_installed, services, student) -> None:
    _seed_math_conversation(services, student)
    view = _view(qtbot, services, student)
    services.models.wait(60)
    # A student sees that the tutor works, in Mongolian, not which model file answers.
    qtbot.waitUntil(lambda: view.model_label.text() == view.tr("The tutor is ready"),
                    timeout=10_000)
    assert view.model_label.text() != "The tutor is ready", "the header is translated"
    assert "gemma" not in view.model_label.text()
    view.input.setPlainText("x₁ = 3, x₂ = 2 гарсан уу?")
    qtbot.wait(50)
    SHOTS.mkdir(exist_ok=True)
    image = view.grab().toImage()
    assert image.save(str(SHOTS / "tutor_chat_math_mn.png"))
    # Really drawn (text, formulas, buttons give many shades; a blank view a few), with the
    # formulas as pictures and the Mongolian text in a font that has its letters.
    colours = {image.pixel(x, y) for x in range(0, image.width(), 4)
               for y in range(0, image.height(), 4)}
    assert len(colours) > 40
    assert view.transcript.toHtml().count('src="math:') >= 5
    metrics = QFontMetrics(view.transcript.font())
    assert all(metrics.inFontUcs4(ord(c)) for c in "Квадрат тэгшитгэл өөрөө бодоод үзээрэй")


def test_daily_limit_is_shown_and_the_question_kept(qtbot, ui_mn, services, school) -> None:
    services.accounts.update_class(school.teacher_session, school.class_7a.id,
                                   daily_message_limit=1)
    session = services.accounts.sign_in_student(school.anu.id, "1234")
    tutor = services.tutor
    conv = tutor.start_conversation(session, subject="math")
    services.conversations.add_message(session, conv.id, "user", "1 + 1?")
    view = _view(qtbot, services, session)
    _ask(qtbot, view, "2 + 2 хэд вэ?")
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)
    assert "өнөөдрийн 1 асуултаа" in view.notice_label.text()
    assert view.input.toPlainText() == "2 + 2 хэд вэ?"
    # The model's state may change at any moment (loaded, failed, unloaded when idle):
    # that must not wipe what the student was just told.
    from tutor_desktop.core.i18n import Notice
    from tutor_desktop.core.llm.manager import ModelState, ModelStatus

    view._status_bridge.changed.emit(ModelStatus(ModelState.READY, "gemma3-270m",
                                                 notices=(Notice("textbook_no_model"),)))
    qtbot.wait(50)
    assert "өнөөдрийн 1 асуултаа" in view.notice_label.text()
