"""The chat view in the window (pytest-qt, offscreen): streaming, stop, maths, screenshot."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tutor_desktop.core.paths import install_dir

SHOTS = install_dir() / "screenshots"


@pytest.fixture
def ui_mn(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    from tutor_desktop.ui.app import load_fonts
    from tutor_desktop.ui.i18n import ui_language

    load_fonts(qapp)
    ui_language().set_language("mn")
    yield
    ui_language().set_language("en")


def _view(qtbot, services, session, subject: str = "math"):  # type: ignore[no-untyped-def]
    from tutor_desktop.ui.chat_view import make_chat_page

    view = make_chat_page(services, session, subject, 7)
    qtbot.addWidget(view)
    view.resize(1000, 680)
    view.show()
    return view


def _ask(qtbot, view, question: str) -> list[str]:  # type: ignore[no-untyped-def]
    view.input.setPlainText(question)  # QTest.keyClicks asserts on non-ASCII letters
    qtbot.mouseClick(view.send_button, Qt.MouseButton.LeftButton)
    assert view.busy and view.stop_button.isVisible()
    snapshots: list[str] = []
    view.worker.text_changed.connect(snapshots.append)
    return snapshots


def test_answer_streams_into_the_view_without_blocking(
        qtbot, small_context, model_installed, services, student) -> None:  # type: ignore[no-untyped-def]
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
        qtbot, small_context, model_installed, monkeypatch, services, student) -> None:  # type: ignore[no-untyped-def]
    services.tutor.max_new_tokens = 400
    view = _view(qtbot, services, student)
    snapshots = _ask(qtbot, view, "Тоо гэж юу вэ? Дэлгэрэнгүй тайлбарла.")
    qtbot.waitUntil(lambda: bool(snapshots), timeout=120_000)
    qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.busy, timeout=60_000)
    stored = view.messages[-1]
    assert stored.role == "assistant" and stored.status == "partial"
    assert (stored.completion_tokens or 0) < 400


def test_no_model_shows_what_it_should_do(qtbot, services, student, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    services.models.folders = [tmp_path]
    view = _view(qtbot, services, student)
    snapshots = _ask(qtbot, view, "Сайн уу?")
    qtbot.waitUntil(lambda: not view.busy, timeout=60_000)
    assert "tutor models install-default" in view.transcript.toPlainText()
    assert view.messages[-1].status == "error"
    assert snapshots is not None


def _seed_math_conversation(services, session) -> None:  # type: ignore[no-untyped-def]
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


def test_formulas_are_drawn_not_shown_as_latex(qtbot, services, student) -> None:  # type: ignore[no-untyped-def]
    _seed_math_conversation(services, student)
    view = _view(qtbot, services, student)
    html = view.transcript.toHtml()
    assert "\\frac" not in view.transcript.toPlainText()
    assert html.count('src="math:') >= 5
    images = [view.maths.image(k) for k in view.maths._images]
    assert images and all(img is not None and img.width() > 10 for img in images)


def test_screenshot_of_a_mongolian_conversation_with_maths(
        qtbot, ui_mn, model_installed, services, student) -> None:  # type: ignore[no-untyped-def]
    _seed_math_conversation(services, student)
    view = _view(qtbot, services, student)
    services.models.wait(60)
    qtbot.waitUntil(lambda: "gemma3-270m" in view.model_label.text(), timeout=10_000)
    view.input.setPlainText("x₁ = 3, x₂ = 2 гарсан уу?")
    qtbot.wait(50)
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / "tutor_chat_math_mn.png"
    assert view.grab().save(str(path))
    assert path.stat().st_size > 20_000


def test_daily_limit_is_shown_and_the_question_kept(qtbot, ui_mn, services, school) -> None:  # type: ignore[no-untyped-def]
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
