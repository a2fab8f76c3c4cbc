"""Files from outside (PDFs, sidecars) cannot exhaust a lab PC: the page viewer
renders a bounded number of pixels, huge page counts are refused, and a maliciously deep
JSON sidecar fails its own book with a clear message while the batch goes on."""

from __future__ import annotations

import shutil
import tracemalloc
from pathlib import Path

import pytest

from tutor_desktop.core.library import pdf as pdf_module
from tutor_desktop.core.library import plan_imports, validate_meta
from tutor_desktop.core.library.errors import LibraryError
from tutor_desktop.core.library.service import MAX_RENDER_PIXELS
from tutor_desktop.core.storage import new_id, utc_now


def _blank_pdf(path: Path, sizes: list[tuple[float, float]]) -> Path:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for width, height in sizes:
        document.new_page(width, height)
    document.save(str(path))
    document.close()
    return path


def _stored_book(services, pdf: Path) -> str:
    library = services.library
    library.library_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, library.library_dir / pdf.name)
    book_id, now = new_id(), utc_now()
    with services.db.write() as conn:
        conn.execute("INSERT INTO textbooks (id, title, subject, grade, language, sha256, "
                     "stored_path, page_count, status, created_at, updated_at) VALUES "
                     "(?, 'Tall', 'math', 7, 'mn', ?, ?, 1, 'ready', ?, ?)",
                     (book_id, book_id, pdf.name, now, now))
    return book_id


def test_a_very_tall_page_renders_within_the_pixel_cap(services, tmp_path: Path) -> None:
    library = services.library
    tall = _stored_book(services, _blank_pdf(tmp_path / "tall.pdf", [(100, 14_400)]))
    tracemalloc.start()
    try:
        page = library.render_page(tall, 1, width_px=900)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert page is not None
    assert page.width * page.height <= MAX_RENDER_PIXELS
    assert page.height > 10 * page.width  # still the whole page, just smaller
    assert peak < 2 * 4 * MAX_RENDER_PIXELS + 16 * 2**20  # was ~930 MB
    # An ordinary A4 page is still rendered at the full requested width.
    a4 = _stored_book(services, _blank_pdf(tmp_path / "a4.pdf", [(595, 842)]))
    normal = library.render_page(a4, 1, width_px=900)
    assert normal is not None and normal.width == 900


def test_a_pdf_with_too_many_pages_is_refused_clearly(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(pdf_module, "MAX_PAGES", 3)
    many = _blank_pdf(tmp_path / "many.pdf", [(595, 842)] * 4)
    with pytest.raises(LibraryError) as info:
        pdf_module.extract_pages(many)
    assert info.value.message_id == "library_too_many_pages"
    assert "4 pages" in info.value.message("en")
    assert info.value.message("mn") != info.value.message("en")


def test_a_deeply_nested_json_sidecar_fails_only_its_own_book(tmp_path: Path) -> None:
    folder = tmp_path / "books"
    folder.mkdir()
    _blank_pdf(folder / "a_good.pdf", [(595, 842)])
    (folder / "a_good.json").write_text('{"grade": 7, "subject": "math", "language": "mn"}',
                                        encoding="utf-8")
    _blank_pdf(folder / "b_evil.pdf", [(595, 842)])
    (folder / "b_evil.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    _blank_pdf(folder / "c_huge.pdf", [(595, 842)])
    (folder / "c_huge.json").write_text('{"title": "' + "x" * 400_000 + '"}', encoding="utf-8")

    plan = plan_imports([folder], {})
    assert [p.name for p, _ in plan] == ["a_good.pdf", "b_evil.pdf", "c_huge.pdf"]
    assert validate_meta(plan[0][1], plan[0][0]).grade == 7
    for (pdf, values), says in zip(plan[1:], ("nested too deeply", "larger than"), strict=True):
        with pytest.raises(LibraryError) as info:
            validate_meta(values, pdf)
        assert info.value.message_id == "library_bad_metadata"
        assert says in info.value.message("en")
