"""What the tutor does with the classifier's verdict: the reply, the teacher's note, fair use.

TutorService calls into this module at three points and nothing more: before a question
is stored (fair use), before any model call (the question), and on the model's own text
before it is stored as the answer (replaced when unsafe).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from tutor_desktop.core.accounts import Session
from tutor_desktop.core.i18n import tr
from tutor_desktop.core.safety.classifier import SafetyClassifier, SafetyResult
from tutor_desktop.core.safety.events import SafetyEventStore
from tutor_desktop.core.safety.examples import DISTRESS
from tutor_desktop.core.safety.fair_use import FairUse, FairUseLimits

log = logging.getLogger(__name__)

REPLY_IDS = {
    "self_harm": "safety_distress_self_harm",
    "bullying": "safety_distress_bullying",
    "abuse_home": "safety_distress_abuse_home",
    "grooming": "safety_distress_grooming",
    "violence": "safety_violence",
    "dangerous": "safety_dangerous",
    "sexual": "safety_sexual",
}
# Cases the class's teachers are told about: a child who may be in danger, or who says
# they will hurt someone.
RECORDED = (*DISTRESS, "violence")
# What the model itself must never show a child. Distress categories are left out of the
# embedding part for answers: a tutor explaining how to stop bullying sits near the
# bullying examples and is fine. Their first-person patterns still apply.
ANSWER_CATEGORIES = ("self_harm", "violence", "dangerous", "sexual")


@dataclass(frozen=True)
class SafetyVerdict:
    """A flagged message: its category, how sure, and what to tell the student."""

    category: str
    score: float
    source: str
    detail: str = ""

    @property
    def topic(self) -> str:
        return self.category

    @property
    def distress(self) -> bool:
        return self.category in DISTRESS

    @property
    def reply_id(self) -> str:
        return REPLY_IDS.get(self.category, "safety_refusal")

    def reply(self, language: str) -> str:
        return tr(self.reply_id, language)

    def as_dict(self) -> dict[str, Any]:
        return {"category": self.category, "score": round(self.score, 4),
                "source": self.source, "distress": self.distress}

    @classmethod
    def of(cls, result: SafetyResult) -> SafetyVerdict | None:
        if result.category is None:
            return None
        return cls(result.category, result.score, result.source, result.detail)


class AnswerScreen:
    """Watches the model's text while it streams: once the patterns see something unsafe,
    nothing more is shown (the end-of-answer check then replaces the whole answer).

    Only the patterns run per piece, on the last ``WINDOW`` characters (patterns are
    local), so the cost stays well under a millisecond per token."""

    WINDOW = 400

    def __init__(self, classifier: SafetyClassifier) -> None:
        self.classifier = classifier
        self.text = ""
        self.blocked = False

    def blocks(self, piece: str) -> bool:
        if not self.blocked:
            self.text = (self.text + piece)[-self.WINDOW:]
            self.blocked = bool(self.classifier.patterns.match(self.text))
        return self.blocked


class SafetyGuard:
    """The classifier plus the teacher's list and the per-minute limits (both optional)."""

    def __init__(self, classifier: SafetyClassifier | None = None, *,
                 events: SafetyEventStore | None = None,
                 fair_use: FairUse | None = None) -> None:
        self.classifier = classifier or SafetyClassifier()
        self.events = events
        self.fair_use = fair_use

    @property
    def degraded(self) -> bool:
        return self.classifier.degraded

    def check(self, text: str) -> SafetyVerdict | None:
        """A student's message: None when it may go to the model."""
        return SafetyVerdict.of(self.classifier.check(text))

    def check_answer(self, text: str) -> SafetyVerdict | None:
        """The model's text: None when it may be shown."""
        if not text.strip():
            return None
        result = self.classifier.check(text)
        if result.category is None:
            return None
        if result.source == "embedding" and result.category not in ANSWER_CATEGORIES:
            return None
        return SafetyVerdict.of(result)

    def answer_screen(self) -> AnswerScreen:
        """A fresh watcher for one streamed answer."""
        return AnswerScreen(self.classifier)

    def before_question(self, session: Session) -> None:
        """Raise :class:`RateLimited` when the student asked too often this minute."""
        if self.fair_use is not None:
            self.fair_use.check_question(session)

    def before_recording(self, session: Session) -> None:
        """Count one voice recording; raise :class:`RateLimited` past the class's limit."""
        if self.fair_use is not None:
            self.fair_use.start_recording(session)

    def fair_use_limits(self, class_id: str | None) -> FairUseLimits:
        return self.fair_use.limits(class_id) if self.fair_use else FairUseLimits()

    def set_fair_use_limits(self, session: Session, class_id: str, *,
                            questions_per_minute: int | None = None,
                            recordings_per_minute: int | None = None) -> FairUseLimits:
        if self.fair_use is None:
            return FairUseLimits()
        return self.fair_use.set_limits(session, class_id,
                                        questions_per_minute=questions_per_minute,
                                        recordings_per_minute=recordings_per_minute)

    def record(self, session: Session, verdict: SafetyVerdict, message: str,
               conversation_id: str | None) -> None:
        """Tell the class's teachers (students only: staff testing the check are not cases)."""
        if self.events is None or verdict.category not in RECORDED or not session.is_student:
            return
        try:
            self.events.record(session, verdict.category, message, conversation_id)
        except Exception:  # the child still gets the caring reply if the disk is full
            log.exception("could not record a safety event")
