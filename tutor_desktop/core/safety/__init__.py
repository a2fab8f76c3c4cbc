"""Child safety: a classifier that catches what children actually write (patterns plus
the e5 embedder), caring replies, the teacher's "Needs attention" list and fair use."""

from tutor_desktop.core.safety.classifier import SafetyClassifier, SafetyResult
from tutor_desktop.core.safety.events import SafetyEvent, SafetyEventStore
from tutor_desktop.core.safety.examples import CATEGORIES, DISTRESS, Example, load_examples
from tutor_desktop.core.safety.fair_use import FairUse, FairUseLimits, RateLimited
from tutor_desktop.core.safety.guard import SafetyGuard, SafetyVerdict
from tutor_desktop.core.safety.patterns import PatternSet, fold

__all__ = [
    "CATEGORIES",
    "DISTRESS",
    "Example",
    "FairUse",
    "FairUseLimits",
    "PatternSet",
    "RateLimited",
    "SafetyClassifier",
    "SafetyEvent",
    "SafetyEventStore",
    "SafetyGuard",
    "SafetyResult",
    "SafetyVerdict",
    "fold",
    "load_examples",
]
