"""Helpers for tests that need the real embedded model file."""

from __future__ import annotations

from pathlib import Path

from model_files import gemma_gguf
from model_files import link_into as link_model  # noqa: F401 (re-exported for tests)


def embedded_gguf() -> Path:
    """The Gemma 3 270M Q4_K_M file from its PyPI package (written once, sha256-checked)."""
    return gemma_gguf()
