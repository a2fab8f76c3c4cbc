"""What :class:`~tutor_desktop.core.tutor.service.TutorService` asks of grounding.

Kept here so the tutor service only calls in (the safety, progress and privacy
features hook into the same ``ask``): choosing the passages worth citing,
deciding whether the chosen model may write the answer, and the state of a
conversation's hint ladder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tutor_desktop.core.grounding.passages import Passage, select_passages
from tutor_desktop.core.grounding.tutor import (
    BACKEND,
    HINT_STEPS,
    is_maths_question,
    maths_filter,
)
from tutor_desktop.core.i18n import Notice
from tutor_desktop.core.retrieval.types import Hit
from tutor_desktop.core.subjects import canonical_subject

HINT_MODEL = "hint-{step}"          # the ``model`` of a stored hint message
ANSWER_MODEL = "textbook"
RETRIEVE_K = 8                       # passages fetched before the relevance floor
ATTEMPT_MAX_WORDS = 8
# Shown under a textbook answer given because no model could answer at all.
NO_MODEL_NOTICE = Notice("textbook_no_model")
# The ``finish_reason`` of a stream that failed before its first word (quietly: the
# textbook answers instead of an error).
FAILED_QUIETLY = "no_backend"


def passage_of(hit: Hit) -> Passage:
    return Passage(chunk_id=hit.chunk_id, book=hit.book, page=hit.page_start, text=hit.text,
                   heading=hit.heading, subject=hit.subject, language=hit.language,
                   score=hit.score, label=hit.label_start, cross_score=hit.cross_score)


def cited_hits(question: str, hits: Sequence[Hit], subject: str, language: str,
               limit: int) -> tuple[list[Hit], list[Notice]]:
    """The hits worth citing (relevance floor, no repeats, Mathematics never borrows another
    subject's page) and the notices to show (another subject's book used, or none found)."""
    wanted = canonical_subject(subject)
    by_id = {h.chunk_id: h for h in hits}
    candidates = maths_filter(question, [passage_of(h) for h in hits], wanted)
    chosen = select_passages(question, candidates, subject=wanted, limit=limit)
    notices: list[Notice] = []
    if chosen.other_subject:
        notices.append(Notice("textbook_other_subject",
                              {"books": ", ".join(chosen.other_subject)}))
    return [by_id[p.chunk_id] for p in chosen.passages], notices


def first_model(backend: Any) -> str:
    """The model that would answer first (a router's first route, or the backend's own)."""
    candidates = getattr(backend, "candidate_models", None)
    if callable(candidates):
        names = candidates()
        if names:
            return str(names[0])
    return str(getattr(backend, "model", "") or "")


def model_may_write(gate: Callable[[str], bool] | None, backend: Any, prefer: str) -> bool:
    """Whether the model may write this answer: a backend asked for by name (IT testing a
    model with ``tutor ask --backend local``) always may; "auto" asks the exam's verdict."""
    if gate is None or prefer != "auto":
        return True
    return gate(first_model(backend))


@dataclass(frozen=True)
class LadderState:
    """Where a conversation's hint ladder stands."""

    question: str           # the question the hints are for ("" when none)
    step: int               # hints given for it so far (0-3)
    awaiting: bool          # the last message is a hint step 1 or 2: the student may answer


def hint_step_of(message: Any) -> int:
    model = str(getattr(message, "model", "") or "")
    if getattr(message, "backend", "") != BACKEND or not model.startswith("hint-"):
        return 0
    try:
        return int(model.split("-", 1)[1])
    except ValueError:
        return 0


def ladder_state(messages: Sequence[Any]) -> LadderState:
    """The question being hinted at and the last step given (attempts in between are
    the student's answers, not new questions)."""
    step = 0
    question = ""
    previous_hint = 0
    for message in messages:
        if message.role == "assistant":
            found = hint_step_of(message)
            if found:
                step = max(step, found)
            previous_hint = found
            continue
        if message.role != "user":
            continue
        if previous_hint and previous_hint < HINT_STEPS and looks_like_attempt(message.content):
            continue                    # an answer to a hint, not a new question
        question, step, previous_hint = message.content, 0, 0
    last = messages[-1] if messages else None
    awaiting = last is not None and 0 < hint_step_of(last) < HINT_STEPS
    return LadderState(question, step, awaiting)


def looks_like_attempt(text: str) -> bool:
    """A short answer ("органик", "newtons"), not a new question."""
    text = text.strip()
    return bool(text) and "?" not in text and len(text.split()) <= ATTEMPT_MAX_WORDS \
        and not is_maths_question(text)
