"""Tutoring: prompts, the daily limit, context fitting, the tutor service (safety: core/safety)."""

from tutor_desktop.core.tutor.limits import DailyLimit, DailyUsage
from tutor_desktop.core.tutor.prompts import PromptLibrary
from tutor_desktop.core.tutor.service import TutorReply, TutorService, title_for

__all__ = [
    "DailyLimit",
    "DailyUsage",
    "PromptLibrary",
    "TutorReply",
    "TutorService",
    "title_for",
]
