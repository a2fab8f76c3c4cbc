"""Helpers for the progress tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


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
    embedder = services.embedder
    with services.db.write() as conn:
        conn.execute("UPDATE textbooks SET status = 'ready', embed_model = ? WHERE id = ?",
                     (embedder.model_id if embedder is not None else "", book_id))
    return book_id
