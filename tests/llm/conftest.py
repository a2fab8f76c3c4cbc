"""Fixtures for the model engine tests: the real embedded GGUF, assembled once."""

from __future__ import annotations

from pathlib import Path

import pytest
from llm_helpers import embedded_gguf


@pytest.fixture(scope="session")
def gguf_path() -> Path:
    return embedded_gguf()


@pytest.fixture(scope="session")
def engine(gguf_path: Path):
    """One loaded engine shared by the engine tests (small context keeps them quick)."""
    from tutor_desktop.core.llm.local import LocalBackend

    backend = LocalBackend(gguf_path, model_name="gemma3-270m", chat_format="gemma", n_ctx=2048)
    backend.load()
    yield backend
    backend.close()
