"""Fixtures for the progress tests: a school with two classes and the sample books
stored through the library's own import step (passages + topics + items)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def sample_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    from tutor_desktop.core.library.samples import generate_samples

    written = generate_samples(tmp_path_factory.mktemp("samples"))
    return {path.name: (path, book) for path, book in written}


def store_book(services: Any, path: Path, book: Any) -> str:
    """The import's step 2 (read, chunk, store passages with topics and items), without
    embedding: what progress needs from a book is all written there."""
    from tutor_desktop.core.library import BookMeta, Library
    from tutor_desktop.core.library.chunking import chunk_pages
    from tutor_desktop.core.library.pdf import extract_pages
    from tutor_desktop.core.library.service import file_sha256

    library = Library(services.db, services.paths.library_dir, lambda: None)
    pages = extract_pages(path)
    meta = BookMeta(book.title, book.grade, book.subject, book.language)
    book_id: str = library._store(path, file_sha256(path), meta, pages, chunk_pages(pages), "")
    # Mark it done for the current embedder, so the window's library tab does not start
    # embedding it in the background (progress needs only the passages).
    embedder = services.extras.get("embedder")
    with services.db.write() as conn:
        conn.execute("UPDATE textbooks SET status = 'ready', embed_model = ? WHERE id = ?",
                     (embedder.model_id if embedder is not None else "", book_id))
    return book_id


@pytest.fixture
def books(services: Any, sample_pdfs: dict[str, tuple[Path, Any]]) -> dict[str, str]:
    """Sample book ids by subject (biology: Mongolian, physics: English)."""
    return {book.subject: store_book(services, path, book) for path, book in sample_pdfs.values()}


@pytest.fixture
def progress(services: Any) -> Any:
    from tutor_desktop.core.progress import ProgressService

    return ProgressService(services.db, services.accounts, services.paths.library_dir)


@pytest.fixture
def school8(services: Any, school: Any) -> Any:
    """Besides the shared school: class 8B with its own teacher and a student."""
    accounts = services.accounts
    accounts.create_teacher(school.admin, "dorj", "Dorj Teacher", "teacher-pass-2")
    dorj = accounts.sign_in_staff("dorj", "teacher-pass-2")
    class_8b = accounts.create_class(dorj, "8B", 8)
    saraa = accounts.create_student(dorj, class_8b.id, "Сараа", "4321")
    school.dorj = dorj
    school.class_8b = class_8b
    school.saraa = saraa
    school.anu_session = accounts.sign_in_student(school.anu.id, "1234")
    school.temuulen_session = accounts.sign_in_student(school.temuulen.id, "5678")
    school.saraa_session = accounts.sign_in_student(saraa.id, "4321")
    return school
