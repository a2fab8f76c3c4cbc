"""Scanned textbooks: pages without a text layer are read by the real Tesseract during
import (progress, cancel, resume), marked as recognised, and found by search."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from library_helpers import meta_for, text_pdf
from model_files import app_embedder
from ocr_scans import join_pdfs, scan_copy
from staff import as_teacher

from tutor_desktop.core.library import BookMeta, ImportCancelled, Library, LibraryError
from tutor_desktop.core.library.evaluation import evaluate, load_questions
from tutor_desktop.core.library.pdf import extract_pages
from tutor_desktop.core.ocr import TesseractEngine, char_accuracy
from tutor_desktop.core.progress.topics import build_topics, heading_marks
from tutor_desktop.core.retrieval.hybrid import HybridRetriever
from tutor_desktop.core.storage import Database

PHYSICS = ["Forces\nA force is a push or a pull. Forces change how objects move.",
           "Friction\nFriction is a force that slows a sliding box on a rough floor.",
           "Gravity\nGravity pulls every apple towards the centre of the Earth.",
           "Magnets\nA magnet attracts iron nails and repels another magnet's like pole."]


class CountingEngine(TesseractEngine):
    """The real engine, counting the pages it is asked to read."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def recognise(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return super().recognise(*args, **kwargs)


@pytest.fixture(scope="module")
def e5(e5_path: Path) -> Iterator[Any]:
    with app_embedder(e5_path) as embedder:
        yield embedder


@pytest.fixture
def ocr_library(tmp_path: Path, e5: Any) -> Any:
    db = Database(tmp_path / "library.sqlite3")
    engine = CountingEngine()
    library = Library(db, tmp_path / "books", lambda: e5, ocr=engine)
    yield library
    library.close()
    db.close()


def test_a_scanned_sample_book_imports_through_ocr_and_questions_find_their_pages(
        tmp_path: Path, ocr_library: Any, e5: Any,
        sample_pdfs: dict[str, tuple[Path, Any]]) -> None:
    source, book = sample_pdfs["biology7_photosynthesis_mn.pdf"]
    scanned = scan_copy(source, tmp_path / "biology7_scanned.pdf")
    seen: list[Any] = []
    result = ocr_library.import_file(as_teacher(), scanned, meta_for(book), progress=seen.append)
    english, english_book = sample_pdfs["physics8_forces_en.pdf"]
    ocr_library.import_file(as_teacher(), english, meta_for(english_book))

    assert result.recognised_pages == (1, 2, 3, 4, 5)
    assert result.low_confidence_pages == ()
    assert result.ocr_pages_per_second and result.ocr_pages_per_second > 0
    recognising = [p for p in seen if p.stage == "recognising"]
    assert [p.pages_done for p in recognising] == [0, 1, 2, 3, 4, 5]
    assert all(p.seconds_left is not None for p in recognising[1:])  # from measured pages/s
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    flags = ocr_library.db.query(
        "SELECT DISTINCT c.recognised FROM chunks c JOIN textbooks t ON t.id = c.textbook_id "
        "WHERE t.title = ?", (book.title,))
    assert [r[0] for r in flags] == [1]

    questions = [q for q in load_questions() if q.book == "biology7_photosynthesis_mn.pdf"]
    score = evaluate(ocr_library.db, HybridRetriever(ocr_library.db, lambda: e5),
                     questions)
    print(f"\nscanned Mongolian sample book: hit@5 {score.hit_at_k:.3f} "
          f"(hit@1 {score.hit_at_1:.3f}, {len(questions)} questions), "
          f"OCR {result.ocr_pages_per_second:.3f} pages/s")
    assert score.hit_at_k >= 0.8, score.misses

    page = ocr_library.page_info(result.book.id, 2)
    assert page.recognised and page.confidence is not None and page.confidence > 0.75
    assert "хлоропласт" in page.text.lower()

    # Headings from the scan's larger type give the book a topic tree (chapter ->
    # sections), the same one its text layer gives, not "pp. 1-10".
    printed = [(t.level, t.title) for t in build_topics(
        book.title, 5, "mn", headings=heading_marks(extract_pages(source)))]
    topics = ocr_library.db.query(
        "SELECT level, title, source FROM topics WHERE textbook_id = ? ORDER BY ordinal",
        (result.book.id,))
    assert {t["source"] for t in topics} == {"headings"}
    assert [t["level"] for t in topics] == [level for level, _title in printed]
    assert printed[0][0] == 1 and len(printed) >= 4
    for topic, (_level, title) in zip(topics, printed, strict=True):
        assert char_accuracy(title, topic["title"]) >= 0.85, (title, topic["title"])
    headed = ocr_library.db.query(
        "SELECT count(*) AS n FROM chunks WHERE textbook_id = ? AND heading != ''",
        (result.book.id,))
    assert headed[0]["n"] == result.book.chunk_count     # every passage names its section


def test_a_mixed_book_is_read_page_by_page(tmp_path: Path, ocr_library: Any) -> None:
    text_part = text_pdf(tmp_path / "text.pdf", PHYSICS[:2])
    scanned_part = scan_copy(text_pdf(tmp_path / "printed.pdf", PHYSICS[2:3]),
                             tmp_path / "scan.pdf")
    last = text_pdf(tmp_path / "last.pdf", PHYSICS[3:])
    mixed = join_pdfs([text_part, scanned_part, last], tmp_path / "mixed.pdf")
    result = ocr_library.import_file(as_teacher(),
        mixed, BookMeta("Physics mixed", 8, "physics", "en"))
    assert result.recognised_pages == (3,)
    assert ocr_library.ocr.calls == 1
    rows = ocr_library.db.query(
        "SELECT page_start, page_end, recognised, text FROM chunks WHERE textbook_id = ?",
        (result.book.id,))
    scanned = [r for r in rows if r["page_start"] <= 3 <= r["page_end"]]
    printed = [r for r in rows if not r["page_start"] <= 3 <= r["page_end"]]
    assert scanned and all(r["recognised"] == 1 for r in scanned)
    assert any("apple" in r["text"] for r in scanned)
    assert printed and all(r["recognised"] == 0 for r in printed)
    assert not ocr_library.page_info(result.book.id, 1).recognised
    assert ocr_library.page_info(result.book.id, 3).recognised


def test_cancel_during_ocr_then_import_again_continues_after_the_read_pages(
        tmp_path: Path, ocr_library: Any) -> None:
    scanned = scan_copy(text_pdf(tmp_path / "book.pdf", PHYSICS), tmp_path / "scanned.pdf")
    meta = BookMeta("Physics scanned", 8, "physics", "en")
    cancel = threading.Event()

    def cancel_after_two(progress: Any) -> None:
        if progress.stage == "recognising" and progress.pages_done >= 2:
            cancel.set()

    with pytest.raises(ImportCancelled):
        ocr_library.import_file(as_teacher(),
            scanned, meta, progress=cancel_after_two, cancel=cancel)
    assert ocr_library.books() == []                      # nothing half-imported
    assert ocr_library.ocr.calls == 2                     # no page started after the cancel
    kept = ocr_library.db.query_one("SELECT count(*) FROM ocr_pages")[0]
    assert kept == 2
    assert not list((tmp_path / "books").glob("*.pdf"))

    ocr_library.ocr.calls = 0
    result = ocr_library.import_file(as_teacher(), scanned, meta)
    assert ocr_library.ocr.calls == 2                     # only the pages not read before
    assert result.recognised_pages == (1, 2, 3, 4)
    assert result.book.searchable
    ocr_library.remove(as_teacher(), result.book.id)
    assert ocr_library.db.query_one("SELECT count(*) FROM ocr_pages")[0] == 0


def test_without_tesseract_a_scanned_book_gets_a_clear_message(
        tmp_path: Path, e5: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    scanned = scan_copy(text_pdf(tmp_path / "book.pdf", PHYSICS[:1]), tmp_path / "scanned.pdf")
    monkeypatch.setenv("PATH", str(tmp_path))
    db = Database(tmp_path / "library.sqlite3")
    library = Library(db, tmp_path / "books", lambda: e5, ocr=TesseractEngine())
    try:
        with pytest.raises(LibraryError) as caught:
            library.import_file(as_teacher(), scanned, BookMeta("Scan", 8, "physics", "en"))
        assert caught.value.message_id == "library_scan_needs_ocr"
        assert "Tesseract" in caught.value.message("mn")
        assert library.books() == []
    finally:
        library.close()
        db.close()


def test_the_page_viewer_says_a_scanned_page_shows_recognised_text(
        tmp_path: Path, ocr_library: Any, qtbot: Any) -> None:
    from types import SimpleNamespace

    from tutor_desktop.ui.library_view import make_page_viewer

    printed = text_pdf(tmp_path / "printed.pdf", PHYSICS[:1])
    mixed = join_pdfs([printed, scan_copy(text_pdf(tmp_path / "p2.pdf", PHYSICS[1:2]),
                                          tmp_path / "scan.pdf")], tmp_path / "mixed.pdf")
    book = ocr_library.import_file(as_teacher(),
        mixed, BookMeta("Physics", 8, "physics", "en")).book
    services: Any = SimpleNamespace(library=ocr_library)  # the viewer needs only the library
    for page, recognised in ((2, True), (1, False)):
        viewer: Any = make_page_viewer((book.id, page), services, None)
        qtbot.addWidget(viewer)
        with qtbot.waitSignal(viewer.loaded, timeout=20_000):
            viewer.show()
        assert ("Recognised text (OCR" in viewer.note.text()) is recognised
        if recognised:
            assert "Friction is a force that slows a sliding box" in viewer.text.toPlainText()


def test_hard_to_read_scanned_pages_are_listed_for_the_teacher(
        tmp_path: Path, ocr_library: Any) -> None:
    from tutor_desktop.core.library.samples import sample_dir

    source = sample_dir() / "biology7_photosynthesis_mn.txt"
    text = "Фотосинтез\n" + source.read_text(encoding="utf-8").splitlines()[3]
    clear = scan_copy(text_pdf(tmp_path / "a.pdf", [text]), tmp_path / "clear.pdf", dpi=300)
    poor = scan_copy(text_pdf(tmp_path / "b.pdf", [text]), tmp_path / "poor.pdf", dpi=40)
    book = join_pdfs([clear, poor], tmp_path / "book.pdf")
    result = ocr_library.import_file(as_teacher(),
        book, BookMeta("Биологи скан", 7, "biology", "mn"))
    assert result.recognised_pages == (1, 2)
    assert result.low_confidence_pages == (2,)
    from tutor_desktop.cli.commands.library import _result_message

    assert "2" in _result_message(result, "mn").splitlines()[-1]
    assert "хэцүү" in _result_message(result, "mn")
    assert "2 scanned page(s) were read by text recognition" in _result_message(result, "en")
