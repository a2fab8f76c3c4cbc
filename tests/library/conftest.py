"""Fixtures for the library tests: the real e5 GGUF (converted once), sample PDFs, a library."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from library_helpers import e5_gguf, link_into, meta_for
from model_files import app_embedder
from staff import as_teacher


@pytest.fixture(scope="session")
def e5_path() -> Path:
    return e5_gguf()


@pytest.fixture(scope="session")
def embedder(e5_path: Path) -> Iterator[Any]:
    """One loaded embedder shared by every library test (llama.cpp, 384 dims)."""
    with app_embedder(e5_path) as loaded:
        yield loaded


@pytest.fixture(scope="session")
def sample_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    """The two sample textbooks, generated from resources/sample_library."""
    from tutor_desktop.core.library.samples import generate_samples

    written = generate_samples(tmp_path_factory.mktemp("samples"))
    return {path.name: (path, book) for path, book in written}


@pytest.fixture
def embedder_installed(data_dir: Path, e5_path: Path) -> Path:
    """The default embedder in the data folder's models/, as set-up leaves it."""
    return link_into(e5_path, data_dir / "models")


@pytest.fixture
def library(tmp_path: Path, embedder: Any) -> Iterator[Any]:
    """A Library on a fresh database, using the shared embedder."""
    from tutor_desktop.core.library import Library
    from tutor_desktop.core.storage import Database

    db = Database(tmp_path / "library.sqlite3")
    built = Library(db, tmp_path / "books", lambda: embedder)
    yield built
    built.close()
    db.close()


@pytest.fixture(scope="session")
def sample_library(tmp_path_factory: pytest.TempPathFactory, embedder: Any,
                   sample_pdfs: dict[str, tuple[Path, Any]]) -> Iterator[Any]:
    """A library with both sample books imported, shared by the search tests (read-only)."""
    from types import SimpleNamespace

    from tutor_desktop.core.library import Library
    from tutor_desktop.core.retrieval.hybrid import HybridRetriever
    from tutor_desktop.core.storage import Database

    folder = tmp_path_factory.mktemp("sample-library")
    db = Database(folder / "library.sqlite3")
    library = Library(db, folder / "books", lambda: embedder)
    for path, book in sample_pdfs.values():
        library.import_file(as_teacher(), path, meta_for(book))
    yield SimpleNamespace(db=db, library=library,
                          retriever=HybridRetriever(db, lambda: embedder))
    library.close()
    db.close()
