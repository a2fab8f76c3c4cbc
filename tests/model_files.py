"""Model files for tests, shared by every area: built once into tests/.cache/ and
hard-linked (not copied) into each test's models folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CACHE_DIR = Path(__file__).resolve().parent / ".cache"


def link_into(source: Path, folder: Path, name: str | None = None) -> Path:
    """A hard link (or copy) of ``source`` in ``folder``: no 250 MB copy per test."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or source.name)
    if not target.exists():
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
    return target
