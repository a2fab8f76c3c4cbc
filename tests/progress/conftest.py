"""Fixtures for the progress tests: a school with two classes and the sample books
stored through the library's own import step (passages + topics + items)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from progress_helpers import store_book


@pytest.fixture(scope="session")
def sample_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    from tutor_desktop.core.library.samples import generate_samples

    written = generate_samples(tmp_path_factory.mktemp("samples"))
    return {path.name: (path, book) for path, book in written}


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
