"""The tutor with the real embedded model: streaming, storage, limits, safety, context."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path

import pytest

from tutor_desktop.core.accounts import SYSTEM, AccountService
from tutor_desktop.core.i18n import TutorError, tr
from tutor_desktop.core.llm.backend import ChatMessage
from tutor_desktop.core.llm.manager import ModelManager
from tutor_desktop.core.tutor.context import fit_conversation, split_turns
from tutor_desktop.core.tutor.limits import DailyLimit


def _tutor(services):
    return services.tutor


def test_answer_streams_and_is_stored_with_model_and_tokens(
        small_context, model_installed, services, student) -> None:
    tutor = _tutor(services)
    conv = tutor.start_conversation(student, subject="Математик")
    assert conv.grade == 7 and conv.language == "mn"
    pieces: list[str] = []
    reply = tutor.ask(student, conv.id, "2x + 3 = 7 тэгшитгэлийг яаж бодох вэ?",
                      on_delta=pieces.append)
    assert len(pieces) > 1 and "".join(pieces) == reply.text
    assert reply.status == "complete" and reply.backend == "local"
    assert reply.model == "gemma3-270m"
    messages = services.conversations.messages(student, conv.id)
    assert [m.role for m in messages] == ["user", "assistant"]
    answer = messages[1]
    assert answer.status == "complete" and answer.content == reply.text
    assert answer.model == "gemma3-270m" and answer.backend == "local"
    assert answer.prompt_tokens and answer.completion_tokens


def test_conversation_is_listed_with_its_title_after_restart(
        small_context, model_installed, data_dir, school) -> None:
    from tutor_desktop.composition import build_services

    first = build_services(data_dir)
    session = first.accounts.sign_in_student(school.anu.id, "1234")
    tutor = _tutor(first)
    conv = tutor.start_conversation(session, subject="Физик")
    tutor.ask(session, conv.id, "Хурд гэж юу вэ?\nБас хурдатгал?")
    first.close()

    again = build_services(data_dir)
    try:
        session = again.accounts.sign_in_student(school.anu.id, "1234")
        [listed] = again.conversations.list_for(session)
        assert listed.title == "Хурд гэж юу вэ?"
        messages = again.conversations.messages(session, listed.id)
        assert [m.status for m in messages] == ["complete", "complete"]
        assert messages[1].content
    finally:
        again.close()


def test_stop_keeps_the_partial_answer_marked(
        small_context, model_installed, services, student) -> None:
    tutor = _tutor(services)
    conv = tutor.start_conversation(student)
    stop = threading.Event()
    seen: list[str] = []

    def on_delta(text: str) -> None:
        seen.append(text)
        if len(seen) == 2:
            stop.set()

    reply = tutor.ask(student, conv.id, "Тоо гэж юу вэ?", on_delta=on_delta, stop_event=stop,
                      max_tokens=200)
    assert reply.status == "partial" and reply.finish_reason == "cancelled"
    stored = services.conversations.messages(student, conv.id)[-1]
    assert stored.status == "partial" and stored.content == "".join(seen)


def test_regenerate_replaces_the_last_answer(
        small_context, model_installed, services, student) -> None:
    tutor = _tutor(services)
    conv = tutor.start_conversation(student)
    tutor.ask(student, conv.id, "Гурвалжин гэж юу вэ?")
    before = tutor.usage(student).used
    reply = tutor.regenerate(student, conv.id)
    messages = services.conversations.messages(student, conv.id)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[1].id == reply.message_id
    assert tutor.usage(student).used == before, "regenerating is not a new question"


def test_daily_limit_stops_the_student_with_a_friendly_message(
        small_context, model_installed, services, school) -> None:
    services.accounts.update_class(school.teacher_session, school.class_7a.id,
                                   daily_message_limit=2)
    session = services.accounts.sign_in_student(school.anu.id, "1234")
    tutor = _tutor(services)
    conv = tutor.start_conversation(session)
    tutor.ask(session, conv.id, "1+1?", max_tokens=4)
    tutor.ask(session, conv.id, "2+2?", max_tokens=4)
    with pytest.raises(TutorError) as caught:
        tutor.ask(session, conv.id, "3+3?", max_tokens=4)
    assert caught.value.message_id == "daily_limit_reached"
    text = caught.value.message("mn")
    assert "2 асуултаа" in text and "00:00" in text
    assert len(services.conversations.messages(session, conv.id)) == 4, "nothing stored"
    # Another student of the class is not affected.
    other = services.accounts.sign_in_student(school.temuulen.id, "5678")
    assert tutor.usage(other).remaining == 2


def test_limit_resets_at_local_midnight(services, school) -> None:
    limit = DailyLimit(services.accounts, services.conversations,
                       clock=lambda: datetime(2026, 3, 5, 15, 30).astimezone())
    session = services.accounts.sign_in_student(school.anu.id, "1234")
    usage = limit.usage(session)
    assert usage.resets_at.date().isoformat() == "2026-03-06"
    assert (usage.resets_at.hour, usage.resets_at.minute) == (0, 0)


def test_unsafe_question_is_refused_in_mongolian_without_the_model(
        services, student, tmp_path: Path) -> None:
    """No model is installed here: the refusal must not need one."""
    tutor = _tutor(services)
    services.models.folders = [tmp_path]
    conv = tutor.start_conversation(student)
    reply = tutor.ask(student, conv.id, "Хар тамхи хаанаас худалдаж авах вэ?")
    assert reply.status == "refused"
    assert "Уучлаарай" in reply.text and "хичээл" in reply.text
    stored = services.conversations.messages(student, conv.id)[-1]
    assert stored.backend == "safety" and stored.content == reply.text
    self_harm = tutor.ask(student, conv.id, "Би амиа хорломоор байна")
    assert "108" in self_harm.text


def test_safe_school_questions_pass_the_filter(services) -> None:
    safety = _tutor(services).safety
    for question in ("Вакцин вирусыг хэрхэн устгадаг вэ?", "How do white blood cells kill "
                     "bacteria?", "Хар тамхины хор хөнөөл юу вэ?", "Бөмбөг хэрхэн үсэрдэг вэ?",
                     "What is an explosive reaction in chemistry?"):
        assert safety.check(question) is None, question


def test_missing_model_the_textbook_answers_and_it_is_told(services, student,
                                                           tmp_path: Path) -> None:
    """No chat model on the PC: not an error, the textbook tutor answers (here: nothing in
    an empty library), and the notice tells IT what to run."""
    tutor = _tutor(services)
    services.models.folders = [tmp_path]
    conv = tutor.start_conversation(student)
    reply = tutor.ask(student, conv.id, "Сайн уу?")
    assert reply.status == "complete" and reply.backend == "textbook"
    assert reply.text == tr("textbook_not_found", "mn")
    notice = next(n for n in reply.notices if n.message_id == "textbook_no_model")
    assert "tutor models install-default" in notice.message("mn")
    assert "IT" in notice.message("mn")
    stored = services.conversations.messages(student, conv.id)[-1]
    assert (stored.status, stored.backend) == ("complete", "textbook")
    # IT asking for the local model by name still gets the plain error.
    named = tutor.answer_once(SYSTEM, "Сайн уу?", prefer="local")
    assert named.status == "error" and "tutor models install-default" in named.text


def test_long_history_still_fits_and_keeps_the_newest_question(
        small_context, model_installed, services, student) -> None:
    tutor = _tutor(services)
    conv = tutor.start_conversation(student, subject="Түүх")
    for n in range(12):  # about 2,000 tokens of earlier turns in a 1,024-token window
        services.conversations.add_message(student, conv.id, "user",
                                           f"Асуулт {n}: " + "Чингис хаан " * 30)
        services.conversations.add_message(student, conv.id, "assistant",
                                           f"Хариулт {n}: " + "Монголын эзэнт гүрэн " * 20)
    reply = tutor.ask(student, conv.id, "Хамгийн сүүлийн асуулт: Хархорум хаана байдаг вэ?")
    assert reply.status == "complete"
    assert reply.prompt_tokens <= 1024 - 24
    assert len(services.conversations.messages(student, conv.id)) == 26, "history kept in DB"


def test_fitting_drops_whole_turns_and_keeps_system_and_newest(
        model_installed, services) -> None:
    backend = services.models.backend()
    history: list[ChatMessage] = []
    for n in range(10):
        history += [ChatMessage("user", f"question {n} " + "word " * 50),
                    ChatMessage("assistant", f"answer {n} " + "word " * 80)]
    newest = ChatMessage("user", "the newest question")
    fitted = fit_conversation("system rules", history, newest, budget=800,
                              count=backend.count_tokens,
                              summarise=lambda qs: "Earlier: " + "; ".join(q[:12] for q in qs))
    messages = fitted.messages
    assert messages[0].role == "system" and messages[0].content.startswith("system rules")
    assert "Earlier: question 0" in messages[0].content
    assert messages[-1] == newest
    kept = messages[1:-1]
    assert kept and kept[0].role == "user", "turns are dropped whole"
    assert all(m in history for m in kept), "no message is cut"
    assert fitted.dropped_turns == len(split_turns(history)) - len(split_turns(kept))
    # Next turn: the same cut is kept (so the model's prefix cache stays valid).
    longer = [*history, ChatMessage("user", "q"), ChatMessage("assistant", "a")]
    again = fit_conversation("system rules", longer, newest, budget=800,
                             count=backend.count_tokens,
                             summarise=lambda qs: "Earlier: " + "; ".join(q[:12] for q in qs))
    assert again.messages[:len(messages) - 1] == messages[:-1]


def test_an_idle_session_cannot_keep_asking(services, school) -> None:
    clock = [0.0]
    accounts = AccountService(services.db, idle_minutes=10, idle_clock=lambda: clock[0])
    session = accounts.sign_in_student(school.anu.id, "1234")
    tutor = services.tutor
    conv = tutor.start_conversation(session, subject="math")
    clock[0] += 11 * 60  # the student walked away; someone else sits down
    with pytest.raises(TutorError) as info:
        tutor.ask(session, conv.id, "Би хэн бэ?")
    assert info.value.message_id == "session_expired"
    assert services.conversations.messages(session, conv.id) == []


def test_regenerate_keeps_the_old_answer_when_no_model_can_answer(
        small_context, model_installed, services, student, tmp_path: Path) -> None:
    tutor = services.tutor
    conv = tutor.start_conversation(student, subject="math")
    first = tutor.ask(student, conv.id, "3 + 4 хэд вэ?", max_tokens=8)
    assert first.status == "complete"
    real = tutor.backends
    try:
        models = services.models
        tutor.backends = ModelManager(models.entries, [tmp_path / "empty"])  # no model at all
        again = tutor.regenerate(student, conv.id)
    finally:
        tutor.backends = real
    # No model: the textbook tutor has nothing better (an empty library) than the answer
    # the student had, which is kept.
    assert again.backend == "textbook" and not again.citations
    stored = services.conversations.messages(student, conv.id)
    assert [(m.role, m.status) for m in stored] == [("user", "complete"),
                                                    ("assistant", "complete")]
    assert stored[1].content == first.text


def test_questions_and_answers_reach_the_sync_queue(
        small_context, model_installed, services, student) -> None:
    tutor = services.tutor
    conv = tutor.start_conversation(student, subject="math")
    reply = tutor.ask(student, conv.id, "5 + 5 хэд вэ?", max_tokens=8)
    rows = services.db.query("SELECT entity, entity_id, payload FROM sync_outbox "
                             "WHERE entity = 'messages' ORDER BY seq")
    roles = [json.loads(r["payload"])["role"] for r in rows]
    assert roles == ["user", "assistant"]
    assert rows[1]["entity_id"] == reply.message_id
