"""A new embedding model never mixes its vectors with the old ones: it re-indexes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from library_helpers import link_into, meta_for
from staff import as_teacher


def test_model_change_forces_reindex(tmp_path: Path, embedder: Any, e5_path: Path,
                                     sample_pdfs: dict[str, Any]) -> None:
    from tutor_desktop.core.embeddings import LazyEmbedder
    from tutor_desktop.core.library import Library
    from tutor_desktop.core.retrieval.hybrid import HybridRetriever
    from tutor_desktop.core.storage import Database
    from tutor_desktop.core.storage.settings import get_setting

    db = Database(tmp_path / "db.sqlite3")
    old = Library(db, tmp_path / "books", lambda: embedder)
    path, book = sample_pdfs["physics8_forces_en.pdf"]
    imported = old.import_file(as_teacher(), path, meta_for(book)).book
    assert old.vectors.current() == (embedder.model_id, 384)

    # IT staff drop a different embedding model into models/
    new_model = LazyEmbedder(link_into(e5_path, tmp_path / "models", "e5-upgrade-embed.gguf"))
    try:
        library = Library(db, tmp_path / "books", lambda: new_model)
        retriever = HybridRetriever(db, lambda: new_model)
        assert [b.id for b in library.pending()] == [imported.id]

        before = retriever.search_detailed("What is terminal velocity?", k=3)
        assert not before.vectors_used                 # old vectors are not compared
        assert before.hits and before.hits[0].page_start == 5   # keywords still answer

        library.resume_pending(as_teacher())
        assert library.vectors.current() == ("e5-upgrade-embed", 384)
        assert get_setting(db, "library.vector_model")["model_id"] == "e5-upgrade-embed"
        rebuilt = library.get(imported.id)
        assert rebuilt is not None and rebuilt.embed_model == "e5-upgrade-embed"
        assert library.vectors.count() == rebuilt.chunk_count and library.pending() == []

        after = retriever.search_detailed("What is terminal velocity?", k=3)
        assert after.vectors_used and after.hits[0].page_start == 5

        # and the old model, if it comes back, is detected the same way
        assert [b.id for b in old.pending()] == [imported.id]
    finally:
        new_model.close()
        db.close()
