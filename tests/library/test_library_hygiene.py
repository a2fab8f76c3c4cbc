"""Hyphenation marks from real PDFs (U+FFFE, soft hyphens) never reach passages, the
full-text index or the screen; old libraries are cleaned once by a migration; a PDF with a
few words is "too little text", not a scan."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from library_helpers import meta_for

from tutor_desktop.core.library import BookMeta, LibraryError
from tutor_desktop.core.storage.connection import open_connection
from tutor_desktop.core.storage.migrations import MIGRATIONS, migrate

MARKS = ("\ufffe", "\u00ad")
HYPHENATED = ("Цэргийн тушаа-\nлын тухай бичсэн хуудас. Ардын зу§раач нар "
              "уулын зургийг зурсан. Энэ бол hyphen-\nation test юм.\n")


def hyphenated_pdf(path: Path) -> Path:
    """A PDF whose text layer has what TeX books have: a hyphen at a line end (PDFium reads
    it as U+FFFE inside the word) and a soft hyphen (U+00AD) in the ToUnicode map."""
    from tutor_desktop.core.library.samples import new_pdf

    pdf = new_pdf()
    pdf.compress = False          # so the ToUnicode map can be edited below
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 9, "Хими 8", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, HYPHENATED * 4)
    pdf.output(str(path))
    data = re.sub(rb"(<[0-9A-F]{4}> ?)<00A7>", rb"\1<00AD>", path.read_bytes())
    path.write_bytes(data)
    return path


def test_the_pdf_really_carries_the_marks(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(hyphenated_pdf(tmp_path / "h.pdf")))
    raw = document[0].get_textpage().get_text_range()
    document.close()
    assert "тушаа\ufffeлын" in raw and "зу\u00adраач" in raw


def test_imported_passages_index_and_page_view_are_clean(library: Any, tmp_path: Path) -> None:
    from tutor_desktop.core.library.pdf import read_page
    from tutor_desktop.core.retrieval.hybrid import HybridRetriever

    path = hyphenated_pdf(tmp_path / "chemistry8.pdf")
    library.import_file(path, BookMeta("Хими 8", 8, "chemistry", "mn"))
    texts = [r["text"] + r["heading"] for r in library.db.query("SELECT text, heading FROM chunks")]
    assert texts and not any(m in t for t in texts for m in MARKS)
    assert any("тушаалын" in t and "зураач" in t and "hyphenation" in t for t in texts)
    # The keyword index finds the whole word (it used to hold "тушаа\ufffeлын").
    hits = HybridRetriever(library.db, lambda: None).search("тушаалын", k=3)
    assert hits and "тушаалын" in hits[0].text
    # The page viewer's text (straight from the PDF) is clean too.
    page = read_page(path, 1)
    assert page is not None and "тушаалын" in page.text
    assert not any(m in page.text for m in MARKS)


def test_migration_cleans_an_old_library_and_rebuilds_its_index(tmp_path: Path) -> None:
    conn = open_connection(tmp_path / "old.sqlite3")
    migrate(conn, MIGRATIONS[:-1])      # as the app left it before the clean-up
    conn.execute("INSERT INTO textbooks (id, title, subject, grade, language, sha256, status, "
                 "created_at, updated_at) VALUES ('b', 'Хими 8', 'chemistry', 8, 'mn', 'x', "
                 "'ready', '2026-01-01', '2026-01-01')")
    conn.execute("INSERT INTO chunks (rowid, id, textbook_id, ordinal, page_start, page_end, "
                 "heading, text, created_at, updated_at) VALUES (1, 'c', 'b', 0, 1, 1, "
                 "'Хуу\u00adдас', 'Цэргийн тушаа\ufffeлын тухай.', '2026-01-01', '2026-01-01')")
    conn.execute("INSERT INTO chunks_fts (rowid, text, heading) SELECT rowid, text, heading "
                 "FROM chunks")
    assert not conn.execute("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH "
                            "'тушаалын'").fetchall()
    migrate(conn)
    row = conn.execute("SELECT text, heading FROM chunks").fetchone()
    assert (row[0], row[1]) == ("Цэргийн тушаалын тухай.", "Хуудас")
    found = conn.execute("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH 'тушаалын'")
    assert [r[0] for r in found.fetchall()] == [1]
    conn.close()


def test_a_few_words_is_too_little_text_not_a_scan(library: Any, tmp_path: Path) -> None:
    from tutor_desktop.core.library.samples import new_pdf

    pdf = new_pdf()
    pdf.add_page()
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, "Хими 8. Гарчиг")
    path = tmp_path / "cover.pdf"
    pdf.output(str(path))
    with pytest.raises(LibraryError) as caught:
        library.import_file(path, BookMeta("Хими 8", 8, "chemistry", "mn"))
    assert caught.value.message_id == "library_too_little_text"
    assert "too little text" in caught.value.message("en")
    assert "scanned" not in caught.value.message("en")
    assert meta_for  # the helper module stays importable for the other library tests
