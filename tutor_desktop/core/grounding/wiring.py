"""The textbook tutor's answer gate and the exam's doctor lines (used by composition).

Why a gate: a model that failed its fitness exam (or the embedded base model,
before and after its exam) must not write answers for children; the textbook
tutor answers instead. ``answer_gate = false`` in the config (``TUTOR_ANSWER_GATE=0``)
lets every model write, for IT checking a model's raw text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tutor_desktop.core.config import Config
from tutor_desktop.core.doctor import Check, Status
from tutor_desktop.core.grounding.exam import ExamStore
from tutor_desktop.core.i18n import tr


def base_models(models: Any) -> set[str]:
    """Chat models that cannot tutor before any exam: the embedded base model(s)."""
    entries = getattr(models, "entries", None) or []
    return {e.name for e in entries if getattr(e, "kind", "") == "chat"
            and getattr(e, "embedded", False)}


def chosen_model(models: Any) -> str:
    """The local model this PC would load (a router names none before loading)."""
    try:
        found = models.candidates() if models is not None else []
    except Exception:  # an unreadable models folder: the model checks report it
        return ""
    return str(found[0].name) if found else ""


def answer_gate(config: Config, store: ExamStore, models: Any) -> Callable[[str], bool] | None:
    """``may_write(model)`` for the tutor, or None when the config turns the gate off."""
    if not getattr(config, "answer_gate", True):
        return None
    unexamined_base = base_models(models)

    def may_write(model: str) -> bool:
        return store.may_write(model or chosen_model(models), unexamined_base)

    return may_write


def model_exam_checks(store: ExamStore, models: Any) -> list[Check]:
    """``tutor doctor``: each chat model's exam verdict (or that it has not sat it yet)."""
    examined = {r.model: r for r in store.all()}
    names = list(examined)
    status_model = str(getattr(getattr(models, "status", None), "model", "") or "")
    current = status_model or chosen_model(models)
    if current and current not in examined:
        names.insert(0, current)
    base = base_models(models)
    results: list[Check] = []
    for name in names:
        result = examined.get(name)
        if result is None and name in base:
            results.append(Check(f"exam:{name}", Status.OK,
                                 tr("exam_base_model", "en", model=name),
                                 f"`tutor models exam {name}` measures its score."))
            continue
        if result is None:
            results.append(Check(f"exam:{name}", Status.WARN,
                                 tr("exam_not_run", "en", model=name),
                                 f"Run `tutor models exam {name}`."))
            continue
        line = tr("exam_summary", "en", model=name,
                  verdict=tr(f"exam_verdict_{result.verdict}", "en"),
                  score=round(result.score * 100), passed=result.passed_items,
                  total=result.total_items, speed=result.tokens_per_s)
        results.append(Check(f"exam:{name}", Status.OK if result.passed else Status.WARN, line,
                             "" if result.passed else
                             "Students get textbook answers; install a model that passes."))
    return results
