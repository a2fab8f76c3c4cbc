"""Citations give the page number printed in the book, not the PDF's.

Students look pages up in the printed book: "х. 2" must be the page that says 2,
while the viewer still opens the PDF's page behind it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from library_helpers import printed_numbers_pdf
from staff import as_teacher

from tutor_desktop.core.library.pdf import extract_pages, page_labels

#: The cover prints no number; it counts as i before ii and iii, as in a printed book.
EXPECTED = ["i", "ii", "iii", "1", "2", "3", "4"]


def test_printed_numbers_are_read_from_the_running_heads(tmp_path: Path) -> None:
    path = printed_numbers_pdf(tmp_path / "physics8.pdf")
    pages = extract_pages(path)
    assert [page.label for page in pages] == EXPECTED
    assert [page.number for page in pages] == [1, 2, 3, 4, 5, 6, 7]
    assert page_labels(path) == EXPECTED   # the same for books imported earlier


def test_the_pdfs_own_page_labels_win(tmp_path: Path) -> None:
    path = printed_numbers_pdf(tmp_path / "labelled.pdf", defined_labels=True)
    assert page_labels(path) == EXPECTED
    assert [page.label for page in extract_pages(path)] == EXPECTED


def test_a_book_numbered_like_the_pdf_keeps_the_pdf_numbers(sample_pdfs) -> None:
    path, _book = sample_pdfs["biology7_photosynthesis_mn.pdf"]
    labels = page_labels(path)
    assert labels == [str(n) for n in range(1, len(labels) + 1)]


def test_years_and_footnotes_do_not_pass_for_page_numbers(tmp_path: Path) -> None:

    from fpdf import FPDF

    from tutor_desktop.core.library.samples import font_path

    doc = FPDF()
    doc.add_font("DejaVu", "", str(font_path()))
    doc.set_font("DejaVu", "", 11)
    for year in (1921, 1990, 2006, 1206):
        doc.add_page()
        doc.multi_cell(0, 6, f"Монгол улсын түүхэнд чухал он бол {year}", new_x="LMARGIN",
                       new_y="NEXT")
        doc.multi_cell(0, 6, "Энэ хуудсанд дугаар хэвлээгүй. " * 5)
    path = tmp_path / "years.pdf"
    doc.output(str(path))
    assert page_labels(path) == ["1", "2", "3", "4"]


LSHORT = os.environ.get("LSHORT_MN_PDF", "")


@pytest.mark.skipif(not Path(LSHORT).is_file(), reason="set LSHORT_MN_PDF to lshort-mn.pdf"
                    " (Debian texlive-lang-cyrillic) to run against a real book")
def test_the_real_mongolian_book_running_heads_agree_with_its_labels() -> None:
    """lshort-mn: the PDF's page 52 is printed page 38; the running heads say the same
    on all 155 pages (roman front matter included) when the labels are ignored."""
    import pypdfium2 as pdfium

    from tutor_desktop.core.library import pdf as pdf_module

    path = Path(LSHORT)
    labels = page_labels(path)
    assert (labels[0], labels[13], labels[14], labels[51]) == ("i", "xiv", "1", "38")
    document = pdfium.PdfDocument(str(path))
    try:
        lines = [pdf_module._page_lines(document, i) for i in range(len(document))]
    finally:
        document.close()
    assert pdf_module._labels([], lines) == labels


def _import_printed_book(library, tmp_path: Path):
    from tutor_desktop.core.library import BookMeta

    path = printed_numbers_pdf(tmp_path / "physics8.pdf")
    return library.import_file(as_teacher(), path, BookMeta("Физик 8", 8, "physics", "mn")).book


def test_citations_give_the_printed_page_and_open_the_pdf_page(library, tmp_path: Path) -> None:
    from tutor_desktop.core.retrieval.hybrid import HybridRetriever

    book = _import_printed_book(library, tmp_path)
    hits = HybridRetriever(library.db, library.embedder).search(
        "Даралт гэдэг нь нэгж талбайд үйлчлэх хүч", grade=8)
    hit = next(h for h in hits if "нэгж талбайд" in h.text)
    assert (hit.page_start, hit.page_label) == (5, "2")
    assert hit.citation()["page"] == 5 and hit.citation()["label"] == "2"
    assert library.passages([hit.chunk_id])[0].page_label == "2"

    # The viewer's page: the printed number, and the section that starts on it (2.9),
    # not the one the page opens with (the end of 2.8).
    info = library.page_info(book.id, 5)
    assert (info.label, info.section) == ("2", "2.9 Даралт")
    following = library.page_info(book.id, 6)
    assert (following.label, following.section) == ("3", "2.9 Даралт")
    assert library.page_info(book.id, 4).section == "2.8 Үрэлтийн хүч"


def test_books_imported_before_labels_get_them_lazily(library, tmp_path: Path) -> None:
    book = _import_printed_book(library, tmp_path)
    with library.db.write() as conn:   # as a database from the previous version leaves it
        conn.execute("DELETE FROM textbook_pages")
    chunk = library.db.query_one(
        "SELECT id FROM chunks WHERE textbook_id = ? AND page_start = 6", (book.id,))["id"]
    assert library.passages([chunk])[0].printed_start == "6"   # no labels yet: the PDF's
    assert library.backfill_page_labels() == 1
    assert library.passages([chunk])[0].printed_start == "3"
    assert library.backfill_page_labels() == 0               # done once
    with library.db.write() as conn:
        conn.execute("DELETE FROM textbook_pages")
    assert library.page_info(book.id, 6).label == "3"       # the viewer fills them too


@pytest.fixture
def mongolian_ui(qapp) -> Iterator[None]:
    from tutor_desktop.ui.app import load_fonts
    from tutor_desktop.ui.i18n import ui_language

    load_fonts(qapp)
    ui_language().set_language("mn")
    yield
    ui_language().set_language("en")


def test_the_page_viewer_title_is_the_printed_page_and_its_section(
        qtbot, services, embedder_installed: Path, tmp_path: Path, mongolian_ui) -> None:
    from tutor_desktop.ui.library_view import PageViewer, make_page_viewer

    book = _import_printed_book(services.library, tmp_path)
    dialog = make_page_viewer((book.id, 5), services)
    assert isinstance(dialog, PageViewer)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=30_000):
        dialog.show()
    assert dialog.title.text() == "Физик 8, х. 2 · 2.9 Даралт"
    assert dialog.page_number == 5 and "нэгж талбайд" in dialog.text.toPlainText()
