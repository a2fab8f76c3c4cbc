"""Fixtures for the tutor tests: a data folder with the real embedded model installed."""

from __future__ import annotations

from pathlib import Path

import pytest
from model_files import gemma_gguf, link_into


@pytest.fixture(scope="session")
def gguf_path() -> Path:
    """The Gemma 3 270M Q4_K_M file from its PyPI package (written once, sha256-checked)."""
    return gemma_gguf()


@pytest.fixture
def model_installed(data_dir: Path, gguf_path: Path) -> Path:
    """The embedded model in the data folder's models/ (a hard link: no 250 MB copy)."""
    return link_into(gguf_path, data_dir / "models")


@pytest.fixture
def small_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the model with a 1024-token window and short answers (fast, overflows easily).

    These tests check streaming, stopping and storage, so the small base model's raw
    text is let through: with the echo guard on it mostly recites its prompt and is
    cut off at once (tests/llm/test_echo_guard.py checks that). The exam gate is off too:
    otherwise the textbook tutor answers for the embedded model (tests/integration)."""
    monkeypatch.setenv("TUTOR_N_CTX", "1024")
    monkeypatch.setenv("TUTOR_ECHO_GUARD", "0")
    monkeypatch.setenv("TUTOR_ANSWER_GATE", "0")
    monkeypatch.setenv("TUTOR_MAX_NEW_TOKENS", "24")


@pytest.fixture
def student(services, school):
    """Анужин of class 7A, signed in."""
    return services.accounts.sign_in_student(school.anu.id, "1234")
