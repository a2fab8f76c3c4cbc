"""The safety classifier: stem-aware patterns plus similarity to labelled examples.

Why two parts: patterns are exact and cost nothing, but children say the same thing
in endless ways ("nobody would care if I was gone"); the multilingual e5 embedder the
app already ships places such a message near the examples of its category even when
no pattern foresaw the words. e5 similarities are compressed (unrelated Mongolian
sentences still score ~0.8), so the embedding part never thresholds a raw similarity:
it compares the *margin* between a category's nearest examples and the nearest
ordinary school questions, and each category's threshold is calibrated at start-up on
the tuning examples (leave-one-out), so a dropped-in embedding model gets thresholds
that fit it. Without an embedder the check runs on patterns alone and says so
(``degraded``; ``tutor doctor`` warns).

Example vectors are cached on disk under a key made of the model id and a digest of
the example texts, so start-up after the first run costs one file read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tutor_desktop.core.embeddings.base import Embedder
from tutor_desktop.core.safety.examples import (
    CATEGORIES,
    DISTRESS,
    SAFE,
    TUNING,
    Example,
    data_dir,
    load_examples,
)
from tutor_desktop.core.safety.patterns import PatternSet

log = logging.getLogger(__name__)

TOP_K = 3
# Share of school questions that may cross a threshold in the calibration's half-splits.
SCHOOL_FALSE_ALARMS = 0.01
# Safety gaps above the highest school margin that calibration tries, smallest first.
GAPS = (0.0, 0.0025, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.025, 0.03, 0.04)
# When several categories fire, the child's possible danger comes first: a message that is
# both "violence" and "bullying" gets the caring reply.
PRIORITY = ("self_harm", "grooming", "abuse_home", "bullying", "violence", "dangerous",
            "sexual")

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class SafetyResult:
    """What the check found. ``category`` is None for an ordinary message."""

    category: str | None
    score: float            # 1.0 for a pattern; else the embedding margin over its threshold
    source: str = ""        # "pattern", "embedding" or "" (ordinary)
    detail: str = ""        # the matching pattern or the nearest labelled example
    margins: dict[str, float] = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        return self.category is not None

    @property
    def distress(self) -> bool:
        return self.category in DISTRESS


@dataclass
class _Space:
    """Example vectors in one embedding space, with calibrated thresholds."""

    vectors: Matrix
    labels: list[str]
    texts: list[str]
    thresholds: dict[str, float]
    index: dict[str, npt.NDArray[np.intp]]


class SafetyClassifier:
    """Thread-safe after :meth:`warm`; the first check warms it (embeds or loads the cache)."""

    def __init__(self, embedder: Embedder | None = None, *, cache_dir: Path | None = None,
                 examples: Sequence[Example] | None = None,
                 patterns: PatternSet | None = None, folder: Path | None = None,
                 off_reason: str = "") -> None:
        folder = folder or data_dir()
        self.patterns = patterns or PatternSet(folder / "patterns.toml")
        self.examples = list(examples) if examples is not None else load_examples(folder)
        self.embedder = embedder
        self.cache_dir = cache_dir
        self.off_reason = off_reason   # why there is no embedder, for `tutor doctor`
        self.shipped_dir = folder / "vectors"
        self._space: _Space | None = None
        self._failed = ""
        self._lock = threading.Lock()

    # -- state ----------------------------------------------------------------
    @property
    def degraded(self) -> bool:
        """True when only the patterns run (no embedder, or it failed to load)."""
        return self.embedder is None or bool(self._failed)

    @property
    def status(self) -> str:
        if self.embedder is None:
            return f"patterns only: {self.off_reason or 'no embedding model'}"
        if self._failed:
            return f"patterns only: the embedding model failed ({self._failed})"
        return f"patterns + embeddings ({self.embedder.model_id})"

    @property
    def thresholds(self) -> dict[str, float]:
        space = self.warm()
        return dict(space.thresholds) if space else {}

    def warm(self) -> _Space | None:
        """Embed (or load) the example vectors and calibrate; None when degraded."""
        if self.embedder is None or self._failed:
            return None
        with self._lock:
            if self._space is None and not self._failed:
                try:
                    self._space = self._build_space(self.embedder)
                except Exception as exc:  # a broken model must never stop the safety check
                    log.exception("safety embeddings unavailable; patterns only")
                    self._failed = type(exc).__name__
            return self._space

    # -- checking -------------------------------------------------------------
    def check(self, text: str) -> SafetyResult:
        """Classify one message (a student's question or the model's answer)."""
        hits = self.patterns.match(text)
        space = self.warm()
        margins: dict[str, float] = {}
        nearest = ""
        if space is not None and self.embedder is not None and text.strip():
            try:
                query = self.embedder.embed_query(text)
            except Exception:
                log.exception("safety embedding failed for one message; patterns only")
            else:
                margins, nearest = _margins(space, query)
        if hits:
            # Patterns are precise; among several, the child's possible danger comes first.
            best = min(hits, key=lambda h: PRIORITY.index(h.category))
            return SafetyResult(best.category, 1.0, "pattern", best.pattern, margins)
        over = {c: m for c, m in margins.items() if m > 0}
        if over:
            distress = [c for c in over if c in DISTRESS]
            pool = distress or list(over)
            category = max(pool, key=lambda c: over[c])
            return SafetyResult(category, round(over[category], 4), "embedding", nearest,
                                margins)
        return SafetyResult(None, 0.0, "", nearest, margins)

    # -- building ---------------------------------------------------------------
    def _build_space(self, embedder: Embedder) -> _Space:
        texts = [e.text for e in self.examples]
        labels = [e.label for e in self.examples]
        vectors = self._vectors(embedder, texts)
        index = {label: np.flatnonzero(np.asarray(labels) == label)
                 for label in (*CATEGORIES, SAFE)}
        space = _Space(vectors, labels, texts, {}, index)
        space.thresholds = calibrate(space, self.patterns,
                                     [e.split == TUNING for e in self.examples])
        return space

    def _vectors(self, embedder: Embedder, texts: list[str]) -> Matrix:
        name = vector_file_name(embedder.model_id, texts)
        path = Path(self.cache_dir) / name if self.cache_dir is not None else None
        # The app ships the vectors of its own examples for its default model, so even
        # the first start of a fresh install embeds nothing but the student's message.
        for candidate in (path, self.shipped_dir / name):
            if candidate is not None and candidate.is_file():
                try:
                    cached: Matrix = np.load(candidate).astype(np.float32)
                    if cached.shape == (len(texts), embedder.dim):
                        return cached
                except (OSError, ValueError):
                    log.warning("unreadable safety vectors %s; rebuilding", candidate)
        vectors = np.vstack([embedder.embed_query(t) for t in texts]).astype(np.float32)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                # Named per process: two apps (or test workers) may write the same vectors.
                part = path.with_suffix(f".{os.getpid()}.part.npy")
                np.save(part, vectors)
                part.replace(path)
            except OSError:
                log.warning("could not cache safety vectors in %s", path)
        return vectors


def vector_file_name(model_id: str, texts: Sequence[str]) -> str:
    """Keyed by the model and the exact example texts: a change to either rebuilds."""
    digest = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]
    safe_id = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in model_id)
    return f"safety-{safe_id}-{digest}.npy"


def _top_mean(sims: npt.NDArray[np.float32], k: int = TOP_K) -> float:
    if sims.size == 0:
        return 0.0
    k = min(k, sims.size)
    return float(np.mean(np.partition(sims, sims.size - k)[-k:]))


def raw_margins(space: _Space, sims: npt.NDArray[np.float32]) -> dict[str, float]:
    """Per category: mean of its k nearest examples minus that of the k nearest school ones."""
    school = _top_mean(sims[space.index[SAFE]])
    return {c: _top_mean(sims[space.index[c]]) - school
            for c in CATEGORIES if space.index[c].size}


def _margins(space: _Space, query: npt.NDArray[np.float32]) -> tuple[dict[str, float], str]:
    sims = space.vectors @ query
    raw = raw_margins(space, sims)
    nearest = space.texts[int(np.argmax(sims))]
    return {c: round(m - space.thresholds.get(c, np.inf), 4) for c, m in raw.items()}, nearest


def _margin_matrix(sims: Matrix, labels: npt.NDArray[np.str_], k: int = TOP_K) -> Matrix:
    """Rows: queries; columns: CATEGORIES; each the top-k mean minus the school top-k mean.
    ``sims`` holds -inf where a query must not see a reference (itself, another fold)."""
    def top(label: str) -> npt.NDArray[np.float32]:
        block = sims[:, labels == label]
        kk = min(k, block.shape[1])
        if kk == 0:
            return np.full(sims.shape[0], -1.0, dtype=np.float32)
        best = -np.partition(-block, kk - 1, axis=1)[:, :kk]
        finite = np.isfinite(best)
        total = np.where(finite, best, 0.0).sum(axis=1)
        count = finite.sum(axis=1)
        return np.where(count > 0, total / np.maximum(count, 1), -1.0).astype(np.float32)

    school = top(SAFE)
    return np.stack([top(c) - school for c in CATEGORIES], axis=1)


def calibrate(space: _Space, patterns: PatternSet, tuning: Sequence[bool]) -> dict[str, float]:
    """Each category's margin threshold, from the tuning examples only.

    A threshold sits above every tuning school question's leave-one-out margin, plus a
    safety gap: the smallest gap for which school questions stay under
    ``SCHOOL_FALSE_ALARMS`` when thresholds set on one half of the tuning examples are
    tried on the other half (four fixed random halvings). A wrongly refused homework
    question teaches a child the tutor is useless; the patterns carry most of the recall.
    """
    use = np.flatnonzero(np.asarray(tuning, dtype=bool))
    labels = np.asarray([space.labels[i] for i in use])
    sims = (space.vectors[use] @ space.vectors[use].T).astype(np.float32)
    np.fill_diagonal(sims, -np.inf)
    school = labels == SAFE

    def thresholds_from(rows: npt.NDArray[np.bool_]) -> npt.NDArray[np.float32]:
        if not school[rows].any():  # nothing to compare with: the embeddings stay silent
            return np.full(len(CATEGORIES), np.inf, dtype=np.float32)
        masked = np.where(rows[None, :], sims, -np.inf)[rows]
        margins = _margin_matrix(masked.astype(np.float32), labels)
        result: npt.NDArray[np.float32] = margins[school[rows]].max(axis=0)
        return result

    rng = np.random.default_rng(15)
    trials: list[tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]] = []
    for _ in range(4):
        half = rng.random(len(use)) < 0.5
        for ref, test in ((half, ~half), (~half, half)):
            base = thresholds_from(ref)
            masked = np.where(ref[None, :], sims, -np.inf)[test & school]
            trials.append((base, _margin_matrix(masked.astype(np.float32), labels)))
    gap = GAPS[-1]
    for candidate in GAPS:
        alarms = sum(int(np.any(m > b + candidate, axis=1).sum()) for b, m in trials)
        tried = sum(m.shape[0] for _, m in trials)
        if tried and alarms / tried <= SCHOOL_FALSE_ALARMS:
            gap = candidate
            break
    full = thresholds_from(np.ones(len(use), dtype=bool))
    return {c: float(full[i] + gap) for i, c in enumerate(CATEGORIES)}
