"""The window (pytest-qt, offscreen, Mongolian): a distress reply in the chat, the
countdown that unlocks by itself, and the teacher's "Needs attention" list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tutor_desktop.core.safety import RateLimited

_VIEWS: list[Any] = []


@pytest.fixture
def ui_mn(qapp: Any) -> Iterator[None]:
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from tutor_desktop.ui.app import load_fonts
    from tutor_desktop.ui.background import wait_for_background
    from tutor_desktop.ui.i18n import ui_language

    load_fonts(qapp)
    ui_language().set_language("mn")
    yield
    while _VIEWS:  # stop background work before the widgets it reports to go away
        view = _VIEWS.pop()
        if hasattr(view, "shutdown"):
            view.shutdown()
        else:
            view.set_session(None)  # the teacher page stops its library tab's work
        view.close()
        view.deleteLater()
    wait_for_background()
    QApplication.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    ui_language().set_language("en")


def _chat(qtbot: Any, services: Any, session: Any) -> Any:
    from tutor_desktop.ui.chat_view import make_chat_page

    view = make_chat_page(services, session, "math", 7)
    _VIEWS.append(view)
    view.resize(1000, 680)
    view.show()
    return view


def _send(qtbot: Any, view: Any, text: str) -> None:
    view.input.setPlainText(text)
    qtbot.mouseClick(view.send_button, Qt.MouseButton.LeftButton)


def test_distress_reply_in_the_chat_and_the_conversation_stays_open(
        qtbot: Any, ui_mn: None, services: Any, school: Any, student: Any) -> None:
    view = _chat(qtbot, services, student)
    _send(qtbot, view, "Би амьдрахыг хүсэхгүй байна")
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)
    shown = view.transcript.toPlainText()
    assert "Би амьдрахыг хүсэхгүй байна" in shown and "108" in shown
    assert "Чи ганцаараа биш" in shown
    assert view.send_button.isEnabled() and view.input.isEnabled()
    [event] = services.safety.events.list_for(school.teacher_session)
    assert event.category == "self_harm" and event.student_name == "Анужин"


def test_the_countdown_shows_and_unlocks_by_itself(
        qtbot: Any, ui_mn: None, services: Any, school: Any, student: Any) -> None:
    services.safety.set_fair_use_limits(school.teacher_session, school.class_7a.id,
                                        questions_per_minute=1)
    conv = services.tutor.start_conversation(student, subject="math")
    services.conversations.add_message(student, conv.id, "user", "2 + 2 хэд вэ?")
    asked = datetime.now(UTC) - timedelta(seconds=57)
    with services.db.write() as conn:
        conn.execute("UPDATE messages SET created_at = ?",
                     (asked.isoformat(timespec="milliseconds"),))
    # The limiter's clock stays 57 s after that question, however long a busy machine
    # takes to open the chat: the wait is 3 s every time.
    services.safety.fair_use.clock = lambda: asked.timestamp() + 57
    view = _chat(qtbot, services, student)
    view.open_conversation(conv.id)
    _send(qtbot, view, "3 + 3 хэд вэ?")
    qtbot.waitUntil(lambda: view.cooling_down, timeout=10_000)
    assert view.notice_label.text().startswith("Бага хүлээнэ үү (")
    assert view.notice_label.text().endswith(" секунд)")
    assert not view.send_button.isEnabled()
    assert view.input.toPlainText() == "3 + 3 хэд вэ?", "the question is kept, not lost"
    qtbot.waitUntil(lambda: view.notice_label.text() == "Одоо дахин асууж болно.",
                    timeout=30_000)
    assert view.send_button.isEnabled() and not view.cooling_down


def test_voice_recordings_per_minute_start_the_same_countdown(
        qtbot: Any, ui_mn: None, services: Any, school: Any, student: Any) -> None:
    services.safety.set_fair_use_limits(school.admin, school.class_7a.id,
                                        recordings_per_minute=2)
    view = _chat(qtbot, services, student)
    view._count_recording()
    view._count_recording()
    with pytest.raises(RateLimited) as limited:
        view._count_recording()
    assert limited.value.kind == "recording" and 55 <= limited.value.seconds <= 60
    if view.voice is not None:
        view.voice.rate_limited.emit(limited.value.seconds)
        assert view.cooling_down and not view.voice.isEnabled()
        assert view.notice_label.text() == f"Бага хүлээнэ үү ({limited.value.seconds} секунд)"


def test_needs_attention_lists_a_case_for_its_class_teacher_only(
        qtbot: Any, ui_mn: None, services: Any, school: Any, student: Any) -> None:
    from tutor_desktop.ui.pages.teacher import TeacherPage

    conv = services.tutor.start_conversation(student, language="mn")
    services.tutor.ask(student, conv.id, "Аав маань согтуу үедээ намайг зоддог")
    services.accounts.create_teacher(school.admin, "saraa", "Saraa", "teacher-pass-2",
                                     (school.class_2a.id,))
    page = TeacherPage(services)
    _VIEWS.append(page)
    page.resize(1200, 700)
    page.set_session(services.accounts.sign_in_staff("saraa", "teacher-pass-2"))
    page.show()
    attention = page.attention_page
    assert attention is not None and attention.table.rowCount() == 0
    assert not attention.empty.isHidden() and page.tabs.currentWidget() is not attention
    page.set_session(school.teacher_session)
    attention = page.attention_page
    assert attention is not None and page.tabs.indexOf(attention) == 0
    assert page.tabs.currentWidget() is attention, "open cases are shown first at sign-in"
    assert page.tabs.tabText(0) == "Анхаарал шаардсан (1)"
    table = attention.table
    assert table.rowCount() == 1
    assert [table.item(0, c).text() for c in (1, 2, 3, 4)] == [  # type: ignore[union-attr]
        "Анужин", "7A", "гэрийн хүчирхийлэл", "Аав маань согтуу үедээ намайг зоддог"]
    table.selectRow(0)
    qtbot.mouseClick(attention.ack_button, Qt.MouseButton.LeftButton)
    assert table.rowCount() == 0 and page.tabs.tabText(0) == "Анхаарал шаардсан"
    [seen] = services.safety.events.list_for(school.teacher_session, include_acknowledged=True)
    assert seen.acknowledged_by == school.teacher.id


def test_per_minute_limits_are_class_settings_beside_the_daily_limit(
        qtbot: Any, ui_mn: None, services: Any, school: Any) -> None:
    from tutor_desktop.ui.pages.teacher import TeacherPage

    page = TeacherPage(services)
    _VIEWS.append(page)
    page.set_session(school.teacher_session)
    page.show()
    page.class_combo.setCurrentIndex(
        next(i for i, c in enumerate(page.classes) if c.id == school.class_7a.id))
    assert page.questions_per_minute.value() == 30 and page.recordings_per_minute.value() == 10
    page.questions_per_minute.setValue(12)
    page.recordings_per_minute.setValue(4)
    qtbot.mouseClick(page.save_settings_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: services.safety.fair_use_limits(school.class_7a.id)
                    .questions_per_minute == 12, timeout=10_000)
    assert services.safety.fair_use_limits(school.class_7a.id).recordings_per_minute == 4
