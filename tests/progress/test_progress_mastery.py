"""Mastery from the log (levels, recompute equality), FSRS review, tutoring records."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tutor_desktop.core.progress.mastery import Interaction, mastery_of, topic_mastery


def _log(results: Sequence[bool | None], kinds: list[str] | None = None) -> list[Interaction]:
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    return [Interaction(f"id{i:03d}", "u1", "physics", "t1",
                        (kinds[i] if kinds else "quiz"), r,
                        (start + timedelta(minutes=i)).isoformat()) for i, r in enumerate(results)]


def test_level_transitions() -> None:
    assert topic_mastery(_log([None], ["question"])).level == "beginner"
    assert topic_mastery(_log([None] * 3, ["question"] * 3)).level == "intermediate"
    assert topic_mastery(_log([False, False])).level == "beginner"
    assert topic_mastery(_log([False, True])).level == "intermediate"
    assert topic_mastery(_log([True, True, False])).level == "advanced"
    assert topic_mastery(_log([True, True, True])).level == "advanced"
    assert topic_mastery(_log([True] * 4)).level == "mastered"     # Kolibri: 4 right of <= 5
    mastered = topic_mastery(_log([False, True, True, True, True]))
    assert mastered.level == "mastered" and mastered.reason == "level_reason_mastered"
    # m of the LAST n: old mistakes do not matter, new ones do
    assert topic_mastery(_log([False] * 6 + [True] * 4 + [False])).level == "mastered"
    assert topic_mastery(_log([True] * 5 + [False, False])).level == "advanced"
    slipped = topic_mastery(_log([True] * 5 + [False] * 4))
    assert slipped.level == "intermediate" and slipped.wrong_streak == 4
    assert 0 < mastered.mastery < 1 and mastered.attempts == 5 and mastered.correct == 4


def test_order_of_the_log_does_not_matter() -> None:
    log = _log([random.Random(1).random() < 0.6 for _ in range(40)])
    shuffled = list(log)
    random.Random(7).shuffle(shuffled)
    assert mastery_of(log) == mastery_of(shuffled)


def test_practice_recording_and_recompute_give_the_same_table(
        services: Any, school8: Any, books: Any, progress: Any) -> None:
    from tutor_desktop.core.progress.service import mastery_table, record_interaction

    items = progress.items(book=books["physics"])
    rng = random.Random(3)
    sessions = [school8.anu_session, school8.temuulen_session]
    for _ in range(40):
        session, item = rng.choice(sessions), rng.choice(items)
        given = item.answer if rng.random() < 0.6 else "wrong"
        progress.answer(session, item.id, given, duration_ms=rng.randint(2000, 40000))
    # interactions arriving from another PC, in shuffled order and with older times
    start = datetime(2026, 1, 5, tzinfo=UTC)
    extra = [(start + timedelta(minutes=i), rng.random() < 0.5) for i in range(20)]
    rng.shuffle(extra)
    with services.db.write() as conn:
        for when, right in extra:
            record_interaction(conn, user_id=school8.anu.id, subject="physics",
                               topic=items[0].topic_id, kind="quiz", correct=right,
                               item_id=items[0].id, created_at=when.isoformat())
    incremental = mastery_table(services.db)
    cards = services.db.query("SELECT user_id, item_id, due, card FROM review_cards "
                              "ORDER BY user_id, item_id")
    assert progress.recompute_all() == len(incremental)
    assert mastery_table(services.db) == incremental
    assert services.db.query("SELECT user_id, item_id, due, card FROM review_cards "
                             "ORDER BY user_id, item_id") == cards
    # the log is queued for sync; the derived tables are not
    queued = {r["entity"] for r in services.db.query("SELECT entity FROM sync_outbox")}
    assert "learning_interactions" in queued and "topic_mastery" not in queued


def test_fsrs_due_dates(services: Any, school8: Any, books: Any) -> None:
    from tutor_desktop.core.progress import ProgressService

    now = [datetime(2026, 3, 2, 8, tzinfo=UTC)]
    progress = ProgressService(services.db, services.accounts, clock=lambda: now[0])
    item = progress.items(book=books["biology"], kind="cloze")[0]
    session = school8.anu_session
    progress.answer(session, item.id, item.answer, duration_ms=4000)
    card = services.db.query_one("SELECT due FROM review_cards WHERE item_id = ?", (item.id,))
    due = datetime.fromisoformat(card["due"])
    assert due > datetime.now(UTC)                # a right answer is not due at once
    wrong = progress.items(book=books["biology"], kind="cloze")[1]
    progress.answer(session, wrong.id, "буруу", duration_ms=4000)
    wrong_due = datetime.fromisoformat(services.db.query_one(
        "SELECT due FROM review_cards WHERE item_id = ?", (wrong.id,))["due"])
    assert wrong_due < due                        # a wrong one comes back sooner
    now[0] = datetime.now(UTC) + timedelta(days=60)
    assert progress.due_count(session) == 2
    assert [i.id for i in progress.review_items(session)] == [wrong.id, item.id]
    assert wrong.topic_id is not None
    assert progress.practice_set(session, wrong.topic_id)[0].id == wrong.id


def test_practice_changes_the_level_and_feedback_links_the_page(
        school8: Any, books: Any, progress: Any) -> None:
    topic = next(t for t in progress.topics(books["physics"]) if t.title.startswith("2.4"))
    items = progress.practice_set(school8.anu_session, topic.id)
    assert len(items) == 5
    levels = []
    for item in items:
        feedback = progress.answer(school8.anu_session, item.id, item.answer, duration_ms=5000)
        assert feedback.verdict.correct and feedback.item.page == 4
        assert feedback.item.book == "Physics 8"
        levels.append(feedback.level_after)
    assert levels[0] == "intermediate" and levels[-1] == "mastered"
    mine = progress.my_progress(school8.anu_session)
    assert [(t.title, t.level) for t in mine.subjects["physics"]] == [
        ("2.4 Newton's second law", "mastered")]


def test_a_topic_without_items_gives_an_empty_set(school8: Any, books: Any,
                                                  progress: Any) -> None:
    chapter = progress.topics(books["biology"])[0]     # the chapter heading has no passages
    assert progress.practice_set(school8.anu_session, chapter.id) == []


def test_tutor_answer_records_question_and_topic(services: Any, school8: Any,
                                                 books: Any) -> None:
    from tutor_desktop.core.progress.tutor_hook import on_message_final

    assert on_message_final in services.conversations.observers   # wired by composition
    store, session = services.conversations, school8.anu_session
    chunk = services.db.query_one(
        "SELECT c.id, c.topic_id FROM chunks c WHERE c.text LIKE '%хлорофилл хэмээх%'")
    conv = store.create(session, subject="biology", grade=7)
    store.add_message(session, conv.id, "user", "Хлорофилл гэж юу вэ?")
    answer = store.add_message(session, conv.id, "assistant", "", status="partial",
                               citations=[{"chunk_id": chunk["id"], "book": "Биологи 7",
                                           "page": 2}])
    assert services.db.query("SELECT * FROM learning_interactions") == []
    store.update_message(session, answer.id, "Хлорофилл бол ногоон пигмент.",
                         status="complete")
    rows = services.db.query("SELECT kind, topic, subject, message_id FROM "
                             "learning_interactions ORDER BY kind")
    assert [(r["kind"], r["topic"], r["subject"]) for r in rows] == [
        ("explanation", chunk["topic_id"], "biology"), ("question", chunk["topic_id"], "biology")]
    assert {r["message_id"] for r in rows} == {answer.id}
    # a regenerated answer is another explanation, not another question
    again = store.add_message(session, conv.id, "assistant", "Дахин.", status="complete",
                              citations=[{"chunk_id": chunk["id"]}])
    kinds = [r["kind"] for r in services.db.query(
        "SELECT kind FROM learning_interactions WHERE message_id = ?", (again.id,))]
    assert kinds == ["explanation"]
    # a step of the textbook tutor's hint ladder is logged as a hint, on the same topic
    hint = store.add_message(session, conv.id, "assistant", "Сэжүүр: ногоон ...",
                             status="complete", backend="textbook", model="hint-1",
                             citations=[{"chunk_id": chunk["id"]}])
    rows = services.db.query("SELECT kind, topic FROM learning_interactions "
                             "WHERE message_id = ?", (hint.id,))
    assert [(r["kind"], r["topic"]) for r in rows] == [("hint", chunk["topic_id"])]
    # the student's attempt and the ladder's next step: one more hint, not a new question
    store.add_message(session, conv.id, "user", "Ногоон өнгө?")
    step2 = store.add_message(session, conv.id, "assistant", "Сэжүүр 2: ...",
                              status="complete", backend="textbook", model="hint-2",
                              citations=[{"chunk_id": chunk["id"]}])
    kinds = [r["kind"] for r in services.db.query(
        "SELECT kind FROM learning_interactions WHERE message_id = ?", (step2.id,))]
    assert kinds == ["hint"]
    # no passage: the subject only
    store.add_message(session, conv.id, "user", "Сайн уу?")
    store.add_message(session, conv.id, "assistant", "Сайн.", status="complete")
    last = services.db.query_one("SELECT topic, subject FROM learning_interactions "
                                 "WHERE kind = 'question' ORDER BY created_at DESC LIMIT 1")
    assert (last["topic"], last["subject"]) == ("", "biology")


@pytest.mark.parametrize("who", ["teacher_8b", "student_other"])
def test_privacy(services: Any, school8: Any, books: Any, progress: Any, who: str) -> None:
    from tutor_desktop.core.i18n import TutorError

    item = progress.items(book=books["biology"])[0]
    progress.answer(school8.anu_session, item.id, item.answer)
    progress.answer(school8.saraa_session, item.id, "буруу")
    if who == "teacher_8b":
        with pytest.raises(TutorError) as refused:
            progress.class_progress(school8.dorj, school8.class_7a.id)
        assert refused.value.message_id == "not_allowed"
        with pytest.raises(TutorError) as refused:
            progress.student_progress(school8.dorj, school8.anu.id)
        assert refused.value.message_id == "not_allowed"
        assert progress.class_progress(school8.dorj, school8.class_8b.id).students[0].id == \
            school8.saraa.id
        assert progress.class_progress(school8.admin, school8.class_7a.id).cells
        grid = progress.class_progress(school8.teacher_session, school8.class_7a.id)
        assert {s.display_name for s in grid.students} == {"Анужин", "Тэмүүлэн"}
    else:
        with pytest.raises(TutorError) as refused:
            progress.student_progress(school8.temuulen_session, school8.anu.id)
        assert refused.value.message_id == "not_allowed"
        with pytest.raises(TutorError) as refused:
            progress.class_progress(school8.anu_session, school8.class_7a.id)
        assert refused.value.message_id == "not_allowed"
        assert progress.my_progress(school8.temuulen_session).subjects == {}


def test_a_practice_set_left_half_way_goes_on_where_it_stopped(
        school8: Any, books: Any, progress: Any) -> None:
    topic = next(t for t in progress.topics(books["physics"]) if t.title.startswith("2.4"))
    assigned = progress.assign(school8.teacher_session, school8.class_7a.id, topic.title,
                               [topic.id], 3, "2026-12-07")
    anu = school8.anu_session
    first = progress.assignment_items(anu, assigned.id)
    assert len(first) == 3
    progress.answer(anu, first[0].id, first[0].answer, assignment_id=assigned.id)
    rest = progress.assignment_items(anu, assigned.id)
    assert len(rest) == 2 and first[0].id not in [i.id for i in rest]
    for item in rest:
        progress.answer(anu, item.id, "0", assignment_id=assigned.id)   # wrong still counts
    assert progress.assignment_items(anu, assigned.id) == []
    assert progress.assignments(school8.teacher_session, school8.class_7a.id)[0].done == {
        school8.anu.id: 3}
    # a classmate starts from the beginning
    assert len(progress.assignment_items(school8.temuulen_session, assigned.id)) == 3


def test_the_class_grid_shows_a_merged_topic_once_from_its_busiest_row(
        services: Any, school8: Any, books: Any, progress: Any) -> None:
    """A student with rows for several topics shown in one column (a merged topic, or a
    question filed under the conversation's other subject) gets the busiest row in the
    grid; "asked about most" counts the questions of every row; the reason a cell gives
    is the one the student's own view gives."""
    from tutor_desktop.core.progress.service import record_interaction

    first, second = progress.topics(books["physics"])[:2]
    anu, temuulen = school8.anu.id, school8.temuulen.id
    log = ([(anu, "physics", first.id, "quiz", True)] * 4
           + [(anu, "physics", first.id, "question", None)] * 2
           + [(anu, "physics", second.id, "quiz", False)] * 7
           + [(anu, "biology", first.id, "question", None)]
           + [(temuulen, "physics", second.id, "question", None)])
    with services.db.write() as conn:
        for user_id, subject, topic, kind, correct in log:
            record_interaction(conn, user_id=user_id, subject=subject, topic=topic, kind=kind,
                               correct=correct)
    teacher, class_id = school8.teacher_session, school8.class_7a.id
    grid = progress.class_progress(teacher, class_id)
    assert [t.id for t in grid.topics] == [first.id, second.id]
    mastered = grid.cells[(anu, first.id)]          # not the biology row (1 interaction)
    assert (mastered.level, mastered.attempts, mastered.questions) == ("mastered", 4, 2)
    own = {t.topic_id: t for t in progress.student_progress(teacher, anu).subjects["physics"]}
    assert mastered.reason == own[first.id].reason == "level_reason_mastered"
    assert grid.cells[(anu, second.id)].reason == own[second.id].reason == "level_reason_wrong"
    assert [(t.id, n) for t, n in grid.most_asked] == [(first.id, 3), (second.id, 1)]
    assert [(h.student, h.reason, h.detail) for h in grid.needs_help] == [
        ("Анужин", "help_many_wrong", {"wrong": 7})]
    progress.merge_topics(teacher, second.id, first.id)
    merged = progress.class_progress(teacher, class_id)
    assert [t.id for t in merged.topics] == [first.id]
    busiest = merged.cells[(anu, first.id)]         # the 7 wrong answers, moved here
    assert (busiest.level, busiest.attempts, busiest.correct) == ("beginner", 7, 0)
    assert merged.cells[(temuulen, first.id)].reason == "level_reason_started"
    assert [(t.id, n) for t, n in merged.most_asked] == [(first.id, 4)]
    assert [(h.student, h.topic, h.reason) for h in merged.needs_help] == [
        ("Анужин", first.title, "help_many_wrong")]
    physics = progress.class_progress(teacher, class_id, subject="physics")
    assert [(t.id, n) for t, n in physics.most_asked] == [(first.id, 3)]
    assert physics.cells[(anu, first.id)] == busiest
