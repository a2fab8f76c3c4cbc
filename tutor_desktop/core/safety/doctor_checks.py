"""``tutor doctor``: says when the safety check runs on patterns only (no embedder).

The composition root binds it to its safety guard.
"""

from __future__ import annotations

from tutor_desktop.core.doctor import Check, Status
from tutor_desktop.core.i18n import tr
from tutor_desktop.core.safety.guard import SafetyGuard


def safety_check(guard: SafetyGuard, language: str) -> Check:
    """OK with the embedder; WARN (degraded, with the fix) on patterns alone."""
    classifier = guard.classifier
    if classifier.degraded:
        return Check("safety", Status.WARN, classifier.status, tr("safety_degraded", language))
    return Check("safety", Status.OK, classifier.status)
