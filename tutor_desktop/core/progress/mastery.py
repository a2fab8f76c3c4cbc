"""Mastery per student x topic as a pure function of the interaction log.

Why pure: logs recorded on several lab PCs are merged by the sync service; if
mastery were updated in place, two PCs would disagree. Here the table is only
ever ``mastery_of(log)``: recomputing from the merged log gives the same rows
whatever order the interactions arrived in (they are sorted by time, then id).

Levels (the original design's four), each explainable in one sentence:

- mastered:     at least M of the last N practice answers are right (Kolibri's
                "m of n", M=4, N=5);
- advanced:     at least 3 answers and 60 % of the last N right;
- intermediate: at least one right answer, or several questions asked to the tutor
                about the topic (tutoring counts, lightly);
- beginner:     otherwise.

A Bayesian knowledge-tracing estimate (standard parameters) is kept beside the
level as ``mastery`` (0..1) for sorting; the level does not depend on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import NamedTuple

LEVELS = ("beginner", "intermediate", "advanced", "mastered")
M_OF_N = (4, 5)
ADVANCED_SHARE = 0.6
ADVANCED_MIN_ANSWERS = 3
QUESTIONS_FOR_INTERMEDIATE = 3
# BKT: prior, learn, slip, guess (Corbett & Anderson's usual starting values)
BKT = (0.2, 0.15, 0.1, 0.2)
QUIZ = "quiz"


class Interaction(NamedTuple):
    """One log row, as mastery needs it (a tuple: a school's log is a million rows)."""

    id: str
    user_id: str
    subject: str
    topic: str
    kind: str                   # question | explanation | hint | quiz
    correct: bool | None
    created_at: str
    grade: int | None = None


class Mastery(NamedTuple):
    user_id: str
    subject: str
    topic: str
    grade: int | None
    level: str
    mastery: float              # BKT estimate
    attempts: int               # practice answers
    correct: int
    total_interactions: int
    questions: int
    wrong_streak: int
    last_interaction_at: str
    reason: str                 # message id that explains the level


# Log order: time, then id (two PCs can log the same millisecond). attrgetter: C speed.
order_key = attrgetter("created_at", "id")


def _bkt(answers: Sequence[bool]) -> float:
    known, learn, slip, guess = BKT
    for right in answers:
        if right:
            evidence = known * (1 - slip) / (known * (1 - slip) + (1 - known) * guess)
        else:
            evidence = known * slip / (known * slip + (1 - known) * (1 - guess))
        known = evidence + (1 - evidence) * learn
    return round(known, 6)


def reason_for(level: str, attempts: int, correct: int) -> str:
    """The message id that explains ``level`` in one sentence. A function of the level
    and the totals, so a view that reads only those (the class grid) says the same."""
    if level in ("mastered", "advanced"):
        return f"level_reason_{level}"
    if level == "intermediate":
        return "level_reason_some_right" if correct else "level_reason_questions"
    return "level_reason_wrong" if attempts else "level_reason_started"


def topic_mastery(rows: Iterable[Interaction]) -> Mastery:
    """The mastery of one student on one topic (all ``rows`` share user and topic)."""
    ordered = sorted(rows, key=order_key)
    if not ordered:
        raise ValueError("no interactions")
    first = ordered[0]
    answers = [bool(r.correct) for r in ordered if r.kind == QUIZ and r.correct is not None]
    questions = sum(1 for r in ordered if r.kind == "question")
    right = sum(answers)
    m, n = M_OF_N
    recent = answers[-n:]
    right_recent = sum(recent)
    wrong_streak = 0
    for answer in reversed(answers):
        if answer:
            break
        wrong_streak += 1
    if len(recent) >= m and right_recent >= m:
        level = "mastered"
    elif len(answers) >= ADVANCED_MIN_ANSWERS and right_recent >= ADVANCED_SHARE * len(recent):
        level = "advanced"
    elif right or questions >= QUESTIONS_FOR_INTERMEDIATE:
        level = "intermediate"
    else:
        level = "beginner"
    reason = reason_for(level, len(answers), right)
    grade = None
    for row in reversed(ordered):
        if row.grade is not None:
            grade = row.grade
            break
    return Mastery(first.user_id, first.subject, first.topic, grade, level,
                   _bkt(answers) if answers else BKT[0], len(answers), right, len(ordered),
                   questions, wrong_streak, ordered[-1].created_at, reason)


def mastery_of(log: Iterable[Interaction]) -> dict[tuple[str, str, str], Mastery]:
    """Every (user, subject, topic) in the log -> its mastery. Order of ``log`` is irrelevant."""
    groups: dict[tuple[str, str, str], list[Interaction]] = {}
    for row in log:
        groups.setdefault((row.user_id, row.subject, row.topic), []).append(row)
    return {key: topic_mastery(rows) for key, rows in groups.items()}
