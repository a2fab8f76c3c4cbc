"""Spaced review with FSRS (the maintained ``fsrs`` package, major version 6).

Why derived: like mastery, a card's state is replayed from the student's quiz
answers (in log order, at their logged times), so it never needs syncing and
merged logs give the same due dates. Fuzzing is off: it draws random numbers.

Rating from an answer: wrong -> Again; right but slow (over
:data:`SLOW_ANSWER_MS`) -> Hard; right -> Good.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SLOW_ANSWER_MS = 30_000


@dataclass(frozen=True)
class Answer:
    id: str
    item_id: str
    correct: bool
    duration_ms: int | None
    created_at: str


@dataclass(frozen=True)
class CardState:
    item_id: str
    due: str                    # UTC ISO
    card_json: str


def new_scheduler() -> Any:
    """One FSRS scheduler (no fuzzing); reuse it for many replays, it keeps no card state."""
    from fsrs import Scheduler

    return Scheduler(enable_fuzzing=False)


_shared: list[Any] = []


def shared_scheduler() -> Any:
    """The process's scheduler (it holds only parameters; review_card copies the card)."""
    if not _shared:
        _shared.append(new_scheduler())
    return _shared[0]


def rating_for(answer: Answer) -> Any:
    from fsrs import Rating

    if not answer.correct:
        return Rating.Again
    if answer.duration_ms is not None and answer.duration_ms > SLOW_ANSWER_MS:
        return Rating.Hard
    return Rating.Good


def replay(item_id: str, answers: Iterable[Answer], scheduler: Any = None) -> CardState:
    """The card of one student x item after all their answers, in log order."""
    from fsrs import Card

    scheduler = scheduler or shared_scheduler()
    ordered = sorted(answers, key=lambda a: (a.created_at, a.id))
    card = Card(card_id=1)
    for answer in ordered:
        when = datetime.fromisoformat(answer.created_at)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        card, _log = scheduler.review_card(card, rating_for(answer), review_datetime=when)
    due = card.due.astimezone(UTC).isoformat(timespec="milliseconds")
    return CardState(item_id, due, json.dumps(card.to_dict(), ensure_ascii=False,
                                              default=str))


def is_due(state_due: str, now: datetime) -> bool:
    return datetime.fromisoformat(state_due) <= now
