"""Is a passage in the other language really about the question? (hubness-corrected e5)

Why: the relevance floor (core/grounding) compares words, so an English question
about a Mongolian book ("Why do leaves look green?") finds no word in common and is
told "not found", although retrieval ranked the right page first. The e5 vectors do
cross languages, but their raw cosines cannot be thresholded: related and unrelated
Mongolian/English pairs both score 0.78-0.88, and a few passages are close to every
question ("hubs"). The fix used for cross-lingual word retrieval, CSLS (Conneau et
al., 2018, "Word translation without parallel data"), corrects both sides:

    csls(q, p) = 2·cos(q, p) − r_q − r_p

``r_q``: the mean cosine of the question to its :data:`K` nearest passages in the
searched books (a question close to everything is discounted); ``r_p``: the mean
cosine of the passage to its :data:`K` nearest *anchor questions* in the question's
language — typical student questions of every subject (the fitness exam's, in
``resources/exam/fitness.toml``), embedded once per embedder (a passage close to every
question is discounted).

Measured on the sample library (tests/library/test_library_relevance.py): the four
cross-language sample questions score 0.018-0.053 on their answer page; eleven
off-topic cross-language questions score at most 0.014 (0.009 outside maths, whose
equations never borrow another subject's page anyway). :data:`CROSS_LANGUAGE_FLOOR`
sits between them.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tutor_desktop.core.embeddings.base import Embedder
from tutor_desktop.core.paths import resources_dir

K = 3
CROSS_LANGUAGE_FLOOR = 0.02

_lock = threading.Lock()
_anchors: dict[tuple[str, str], npt.NDArray[np.float32]] = {}


def anchor_questions(language: str, path: Path | None = None) -> list[str]:
    """Typical student questions in ``language`` (the fitness exam's), across subjects."""
    path = path or resources_dir() / "exam" / "fitness.toml"
    with path.open("rb") as handle:
        items = tomllib.load(handle).get("item", [])
    return [str(i["question"]) for i in items if i.get("language") == language]


def anchor_vectors(embedder: Embedder, language: str) -> npt.NDArray[np.float32]:
    """The anchor questions' vectors, embedded once per embedder model and language."""
    key = (embedder.model_id, language)
    with _lock:
        found = _anchors.get(key)
    if found is not None:
        return found
    questions = anchor_questions(language)
    vectors = (np.stack([_unit(embedder.embed_query(q)) for q in questions])
               if questions else np.zeros((0, embedder.dim), dtype=np.float32))
    with _lock:
        _anchors[key] = vectors
    return vectors


def csls(question: npt.NDArray[np.float32], passages: npt.NDArray[np.float32],
         neighbours: Sequence[float], anchors: npt.NDArray[np.float32]) -> list[float]:
    """CSLS of ``question`` with each of ``passages`` (rows); ``neighbours``: the cosines
    of the question to its nearest passages in the searched books."""
    if not len(passages) or not len(anchors):
        return [0.0] * len(passages)
    q = _unit(question)
    rows = np.stack([_unit(p) for p in passages])
    cos = rows @ q
    r_q = float(np.mean(sorted(neighbours, reverse=True)[:K])) if neighbours else 0.0
    to_anchors = rows @ anchors.T                         # (passages, anchors)
    k = min(K, anchors.shape[0])
    r_p = np.sort(to_anchors, axis=1)[:, -k:].mean(axis=1)
    return [float(v) for v in 2 * cos - r_q - r_p]


def _unit(vector: npt.ArrayLike) -> npt.NDArray[np.float32]:
    array = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(array))
    return array / norm if norm else array
