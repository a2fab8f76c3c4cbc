"""Hyphenation marks from real PDFs (U+FFFE, soft hyphens) never reach passages, the
full-text index or the screen; old libraries are cleaned once by a migration; a PDF with a
few words is "too little text", not a scan."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from library_helpers import meta_for
from staff import as_teacher

from tutor_desktop.core.library import BookMeta, LibraryError
from tutor_desktop.core.storage.connection import open_connection
from tutor_desktop.core.storage.migrations import MIGRATIONS, migrate

MARKS = ("\ufffe", "\u00ad")
# The migration that cleans the marks (the ones before it: an older app's database).
_HYGIENE = next(i for i, m in enumerate(MIGRATIONS) if "char(65534)" in m)
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
    library.import_file(as_teacher(), path, BookMeta("Хими 8", 8, "chemistry", "mn"))
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
    migrate(conn, MIGRATIONS[:_HYGIENE])    # as the app left it before the clean-up
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
    # Its vectors were made from the marked text: the library checks the book once.
    assert conn.execute("SELECT marks_checked FROM textbooks").fetchone()[0] == 0
    conn.close()


def test_passages_embedded_with_marks_are_embedded_again(library: Any, tmp_path: Path,
                                                         sample_pdfs: Any) -> None:
    """A library imported before the clean-up: the passages of a page whose PDF text has
    U+FFFE get the clean text's vector at the next resume; other books are left alone."""
    import numpy as np

    from tutor_desktop.core.library.service import passage_text
    from tutor_desktop.core.retrieval.vector_index import VectorIndex, VectorRow, to_blob

    marked = library.import_file(as_teacher(), hyphenated_pdf(tmp_path / "chemistry8.pdf"),
                                 BookMeta("Хими 8", 8, "chemistry", "mn")).book
    path, book = sample_pdfs["biology7_photosynthesis_mn.pdf"]
    plain = library.import_file(as_teacher(), path, meta_for(book)).book
    index = VectorIndex(library.db)

    def vectors(book_id: str) -> dict[int, Any]:
        rows = library.db.query("SELECT rowid FROM chunks WHERE textbook_id = ?", (book_id,))
        return {rowid: np.frombuffer(blob, dtype="<f4")
                for rowid, blob in index.vectors([int(r["rowid"]) for r in rows])}

    # As an older version left it: vectors of the text with the marks, book not checked.
    old = library.embedder().embed_passages(["Цэргийн тушаа￾лын тухай бичсэн хуудас."])[0]
    stale = list(vectors(marked.id))
    with library.db.write() as conn:
        index.delete(conn, stale)
        VectorIndex.insert(conn, [VectorRow(r, 8, "chemistry", "mn", to_blob(old))
                                  for r in stale])
        conn.execute("UPDATE textbooks SET marks_checked = 0")
    plain_before = vectors(plain.id)

    library.resume_pending(as_teacher())

    rows = library.db.query("SELECT rowid, heading, text FROM chunks WHERE textbook_id = ?",
                            (marked.id,))
    clean = library.embedder().embed_passages([passage_text(r["heading"], r["text"])
                                               for r in rows])
    now = vectors(marked.id)
    for row, want in zip(rows, clean, strict=True):
        got = now[int(row["rowid"])]
        assert float(got @ want) > 0.9999 and float(got @ old) < 0.9999
    assert all(np.array_equal(plain_before[r], v) for r, v in vectors(plain.id).items())
    assert {b.status for b in library.books()} == {"ready"} and not library.pending()
    assert library.db.query_one("SELECT 1 FROM textbooks WHERE marks_checked = 0") is None


def test_a_few_words_is_too_little_text_not_a_scan(library: Any, tmp_path: Path) -> None:
    from tutor_desktop.core.library.samples import new_pdf

    pdf = new_pdf()
    pdf.add_page()
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, "Хими 8. Гарчиг")
    path = tmp_path / "cover.pdf"
    pdf.output(str(path))
    with pytest.raises(LibraryError) as caught:
        library.import_file(as_teacher(), path, BookMeta("Хими 8", 8, "chemistry", "mn"))
    assert caught.value.message_id == "library_too_little_text"
    assert "too little text" in caught.value.message("en")
    assert "scanned" not in caught.value.message("en")
    assert meta_for  # the helper module stays importable for the other library tests
