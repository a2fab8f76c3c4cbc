"""Helpers for the grounded-answer tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def import_samples(services: Any, pdfs: list[tuple[Path, Any]]) -> None:
    """Import the sample books the way the window does (same Library service)."""
    from tutor_desktop.core.library import BookMeta

    library = services.library
    for path, book in pdfs:
        library.import_file(path, BookMeta(book.title, book.grade, book.subject, book.language))
