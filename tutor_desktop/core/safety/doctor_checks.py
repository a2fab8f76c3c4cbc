"""``tutor doctor``: says when the safety check runs on patterns only (no embedder)."""

from __future__ import annotations

from tutor_desktop.core.doctor import EXTRA_CHECKS, Check, DoctorContext, Status
from tutor_desktop.core.i18n import tr
from tutor_desktop.core.safety.guard import SafetyGuard


def check_safety(ctx: DoctorContext) -> Check:
    services = ctx.services
    guard = getattr(services, "safety", None) if services is not None else None
    if guard is None and services is not None:
        guard = getattr(services, "extras", {}).get("safety")
    if not isinstance(guard, SafetyGuard):
        return Check("safety", Status.WARN, "the safety check is not wired")
    classifier = guard.classifier
    if classifier.degraded:
        return Check("safety", Status.WARN, classifier.status,
                     tr("safety_degraded", ctx.config.language))
    return Check("safety", Status.OK, classifier.status)


def register_doctor_check() -> None:
    if check_safety not in EXTRA_CHECKS:
        EXTRA_CHECKS.append(check_safety)
