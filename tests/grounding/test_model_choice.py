"""Which chat model a PC loads: among the model files that fit in its RAM, the best stored
tutoring exam result that is fast enough; a model that failed the exam only when nothing
else is there, and it never writes an answer. Real GGUF files (the embedded Gemma 3 270M
under five names, described by a folder manifest) and real stored exam results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from model_files import gemma_gguf, link_into

from tutor_desktop.core.accounts import SYSTEM
from tutor_desktop.core.grounding.exam import ExamResult

# name: (manifest quality, min_ram_gb, stored exam: (verdict, score) or None)
MODELS = {
    "tutor-a": (30, 1, ("fail", 0.35)),      # the manifest's favourite, failed the exam
    "tutor-b": (20, 1, ("pass", 0.86)),
    "tutor-c": (10, 4096, ("pass", 0.99)),   # the best result, but needs 4 TB of RAM
    "tutor-d": (15, 1, ("slow", 0.95)),      # good answers at 2 tokens/s
    "tutor-e": (5, 1, None),                 # not examined yet
}


@pytest.fixture
def five_models(data_dir: Path) -> Path:
    """The five files and their manifest in the data folder's models/ (before services)."""
    folder = data_dir / "models"
    lines: list[str] = []
    for name, (quality, ram, _exam) in MODELS.items():
        link_into(gemma_gguf(), folder, f"{name}.gguf")
        lines += ["[[model]]", f'name = "{name}"', 'kind = "chat"', f'file = "{name}.gguf"',
                  f"quality = {quality}", f"min_ram_gb = {ram}", 'chat_format = "gemma"',
                  "n_ctx = 1024", ""]
    (folder / "manifest.toml").write_text("\n".join(lines), encoding="utf-8")
    return folder


def _ours(services: Any) -> list[str]:
    return [f.name for f in services.models.candidates() if f.name in MODELS]


def test_the_best_exam_result_that_fits_and_is_fast_loads(five_models: Path,
                                                          services: Any) -> None:
    # Before any exam: the manifest's order, and the 4 TB model is left out.
    assert _ours(services) == ["tutor-a", "tutor-b", "tutor-d", "tutor-e"]
    for name, (_quality, _ram, exam) in MODELS.items():
        if exam is not None:
            verdict, score = exam
            speed = 2.0 if verdict == "slow" else 40.0
            services.exams.save(ExamResult(name, "local", score, round(30 * score), 30,
                                           speed, verdict))
    # Passed first, then not examined, then slow; the failed one last (a fall-back only).
    assert _ours(services) == ["tutor-b", "tutor-e", "tutor-d", "tutor-a"]
    status = services.models.wait()
    assert (status.state.value, status.model) == ("ready", "tutor-b")
    gate = services.tutor.may_write
    assert gate("tutor-b") and not gate("tutor-a")


def test_a_failed_model_alone_loads_but_the_textbook_answers(data_dir: Path,
                                                             services: Any) -> None:
    link_into(gemma_gguf(), data_dir / "models", "tutor-a.gguf")
    services.models.folders = [data_dir / "models"]
    services.exams.save(ExamResult("tutor-a", "local", 0.35, 10, 30, 40.0, "fail"))
    assert [f.name for f in services.models.candidates()] == ["tutor-a"]
    reply = services.tutor.answer_once(SYSTEM, "Фотосинтез гэж юу вэ?", grade=7, subject="biology",
                                       language="mn")
    assert reply.backend == "textbook" and reply.status == "complete"
