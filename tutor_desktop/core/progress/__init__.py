"""Learning progress: topics from the books, practice items made without a model,
answer checking, mastery per student x topic, FSRS review, and class views."""

from tutor_desktop.core.progress.checking import Verdict, check_item, normalise
from tutor_desktop.core.progress.service import (
    Assignment,
    ClassProgress,
    Feedback,
    PracticeItem,
    ProgressService,
    StudentProgress,
    Topic,
    TopicLevel,
    record_interaction,
)

__all__ = [
    "Assignment",
    "ClassProgress",
    "Feedback",
    "PracticeItem",
    "ProgressService",
    "StudentProgress",
    "Topic",
    "TopicLevel",
    "Verdict",
    "check_item",
    "normalise",
    "record_interaction",
]
