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
from tutor_desktop.core.llm.discovery import ModelFile, Ranking


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


def exam_ranking(store: ExamStore) -> Ranking:
    """Orders the chat models that fit in RAM by what their tutoring exam showed.

    Why: the manifest's quality is a guess made before anyone tried the model on this
    PC; the exam is a measurement. First the models that passed (fast enough), best
    score first; then models not examined yet (their exam runs once loaded), in the
    manifest's order; then those that answered well but too slowly for a child to wait;
    then an embedded base model (it cannot tutor, examined or not); a model that failed
    comes last, loaded only when there is nothing else, and even then it writes no
    answer (:func:`answer_gate`): the textbook tutor answers.
    """

    def rank(files: list[ModelFile]) -> list[ModelFile]:
        def key(item: tuple[int, ModelFile]) -> tuple[int, float, int]:
            index, file = item
            result = store.get(file.name)
            if result is None:
                return (3 if file.entry.embedded else 1, 0.0, index)
            group = {"pass": 0, "slow": 2}.get(result.verdict, 4)
            return (group, -result.score, index)

        return [file for _, file in sorted(enumerate(files), key=key)]

    return rank


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
