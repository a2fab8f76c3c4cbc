"""The tutor with the safety guard: replies that fit, the model's text screened, the
teacher told (that class only), nothing cached, and fair use per minute."""

from __future__ import annotations

from typing import Any

import pytest
from safety_helpers import ScriptedBackend

from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.safety import (
    FairUse,
    RateLimited,
    SafetyClassifier,
    SafetyEventStore,
    SafetyGuard,
)
from tutor_desktop.core.tutor import TutorService


def _tutor(services: Any, classifier: SafetyClassifier, backend: ScriptedBackend,
           fair_use: FairUse | None = None) -> TutorService:
    events = SafetyEventStore(services.db, services.accounts)
    guard = SafetyGuard(classifier, events=events,
                        fair_use=fair_use or FairUse(services.db, services.accounts))
    return TutorService(services.conversations, services.accounts, backend, safety=guard)


def test_distress_gets_a_warm_reply_with_108_and_the_conversation_stays_open(
        services: Any, school: Any, student: Any, tuned_classifier: SafetyClassifier,
        scripted: ScriptedBackend) -> None:
    tutor = _tutor(services, tuned_classifier, scripted)
    conv = tutor.start_conversation(student, language="mn")
    reply = tutor.ask(student, conv.id, "Намайг ангийнхан өдөр бүр зоддог")
    assert reply.backend == "safety" and reply.safety is not None
    assert reply.safety["category"] == "bullying" and reply.safety["distress"]
    assert "108" in reply.text and "багш" in reply.text and "Уучлаарай" not in reply.text
    assert scripted.calls == 0, "the model never sees it"
    # The conversation goes on: the next school question reaches the model.
    after = tutor.ask(student, conv.id, "Фотосинтез гэж юу вэ?")
    assert after.backend == "local" and scripted.calls == 1
    assert "Фотосинтез" in after.text


def test_english_distress_is_answered_in_english(
        services: Any, school: Any, student: Any, tuned_classifier: SafetyClassifier,
        scripted: ScriptedBackend) -> None:
    tutor = _tutor(services, tuned_classifier, scripted)
    conv = tutor.start_conversation(student, language="en")
    reply = tutor.ask(student, conv.id, "I don't want to be alive anymore")
    assert reply.safety and reply.safety["category"] == "self_harm"
    assert "108" in reply.text and "trust" in reply.text


def test_dangerous_requests_are_declined_politely_and_not_told_to_the_teacher(
        services: Any, school: Any, student: Any, tuned_classifier: SafetyClassifier,
        scripted: ScriptedBackend) -> None:
    tutor = _tutor(services, tuned_classifier, scripted)
    conv = tutor.start_conversation(student, language="mn")
    reply = tutor.ask(student, conv.id, "тэсрэх бөмбөг яаж хийх вэ")
    assert reply.safety and reply.safety["category"] == "dangerous"
    assert "Уучлаарай" in reply.text and "хичээл" in reply.text and "108" not in reply.text
    events = SafetyEventStore(services.db, services.accounts)
    assert events.list_for(school.teacher_session) == []


def test_the_models_own_unsafe_text_is_replaced_before_it_is_shown(
        services: Any, school: Any, student: Any,
        tuned_classifier: SafetyClassifier) -> None:
    unsafe = ScriptedBackend("To make a pipe bomb at home you need a metal pipe and powder.")
    tutor = _tutor(services, tuned_classifier, unsafe)
    conv = tutor.start_conversation(student, language="mn")
    shown: list[str] = []
    reply = tutor.ask(student, conv.id, "Химийн урвал гэж юу вэ?", on_delta=shown.append)
    assert unsafe.calls == 1
    # The stream stopped reaching the student at the unsafe words, before the recipe.
    streamed = "".join(shown)
    assert "powder" not in streamed and "pipe bomb" not in streamed, streamed
    assert reply.backend == "safety" and reply.safety and reply.safety["category"] == "dangerous"
    assert "pipe" not in reply.text and "тохиромжгүй" in reply.text
    stored = services.conversations.messages(student, conv.id)[-1]
    assert stored.content == reply.text and stored.backend == "safety"
    # The model never sees its own unsafe text again.
    tutor.ask(student, conv.id, "Дахиад тайлбарлаач")
    assert all("pipe" not in m.content for m in services.conversations.messages(student,
                                                                                   conv.id))


def test_a_distress_case_reaches_its_class_teacher_only(
        services: Any, school: Any, student: Any, tuned_classifier: SafetyClassifier,
        scripted: ScriptedBackend) -> None:
    accounts = services.accounts
    other = accounts.create_teacher(school.admin, "saraa", "Saraa Teacher", "teacher-pass-2",
                                    (school.class_2a.id,))
    other_session = accounts.sign_in_staff("saraa", "teacher-pass-2")
    assert other.id
    tutor = _tutor(services, tuned_classifier, scripted)
    conv = tutor.start_conversation(student, language="mn")
    tutor.ask(student, conv.id, "Аав маань согтуу үедээ намайг зоддог")
    events = SafetyEventStore(services.db, accounts)
    seen = events.list_for(school.teacher_session)
    assert [(e.category, e.student_name, e.class_name, e.message) for e in seen] == [
        ("abuse_home", "Анужин", "7A", "Аав маань согтуу үедээ намайг зоддог")]
    assert events.list_for(other_session) == []
    assert len(events.list_for(school.admin)) == 1
    with pytest.raises(TutorError):
        events.list_for(student)
    with pytest.raises(TutorError):
        events.acknowledge(other_session, seen[0].id)
    done = events.acknowledge(school.teacher_session, seen[0].id)
    assert done.acknowledged and done.acknowledged_by == school.teacher.id
    assert events.list_for(school.teacher_session) == []
    assert len(events.list_for(school.teacher_session, include_acknowledged=True)) == 1
    # Synced like other records (to staff), never cached as an answer.
    outbox = services.db.query("SELECT payload FROM sync_outbox WHERE entity = 'safety_events'")
    assert len(outbox) == 2 and '"acknowledged_by":null' in outbox[0][0]
    assert f'"acknowledged_by":"{school.teacher.id}"' in outbox[1][0]
    cached = services.db.query("SELECT count(*) FROM response_cache")[0][0]
    assert cached == 0


def test_questions_per_minute_are_limited_with_a_countdown(
        services: Any, school: Any, student: Any, tuned_classifier: SafetyClassifier,
        scripted: ScriptedBackend) -> None:
    fair_use = FairUse(services.db, services.accounts)
    fair_use.set_limits(school.teacher_session, school.class_7a.id, questions_per_minute=3)
    with pytest.raises(TutorError):
        fair_use.set_limits(student, school.class_7a.id, questions_per_minute=99)
    assert services.db.query("SELECT count(*) FROM sync_outbox WHERE entity = 'class_fair_use'"
                             )[0][0] == 1, "a class setting syncs"
    tutor = _tutor(services, tuned_classifier, scripted, fair_use)
    conv = tutor.start_conversation(student, language="mn")
    for n in range(3):
        tutor.ask(student, conv.id, f"{n} + 1 хэд вэ?")
    with pytest.raises(RateLimited) as limited:
        tutor.ask(student, conv.id, "4 + 1 хэд вэ?")
    assert 50 <= limited.value.seconds <= 60
    assert limited.value.message("mn") == f"Бага хүлээнэ үү ({limited.value.seconds} секунд)"
    # Not stored and not counted; a teacher is never limited.
    assert sum(m.role == "user" for m in services.conversations.messages(student, conv.id)) == 3
    assert fair_use.question_wait(school.teacher_session) == 0


def test_the_limit_unlocks_by_itself(services: Any, school: Any, student: Any) -> None:
    now = [1000.0]
    fair_use = FairUse(services.db, services.accounts, clock=lambda: now[0])
    fair_use.set_limits(school.admin, school.class_7a.id, recordings_per_minute=2)
    fair_use.start_recording(student)
    now[0] += 20
    fair_use.start_recording(student)
    with pytest.raises(RateLimited) as limited:
        fair_use.start_recording(student)
    assert limited.value.seconds == 40 and limited.value.kind == "recording"
    now[0] += 40
    fair_use.start_recording(student)   # the first one left the minute
    assert fair_use.limits(school.class_7a.id).questions_per_minute == 30  # default kept
