"""Headings on scanned pages: the English sample book, scanned (pages rendered to images
only), gets the same topic tree from OCR as from its text layer (real Tesseract).
The Mongolian sample's tree is checked through a full import in test_library_ocr.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocr_scans import scan_copy

from tutor_desktop.core.library.pdf import RecognisedText, extract_pages
from tutor_desktop.core.ocr import TesseractEngine
from tutor_desktop.core.ocr.document import render_pdf_page
from tutor_desktop.core.progress.topics import build_topics, heading_marks


def test_a_scanned_english_book_gets_the_topic_tree_of_its_printed_copy(
        tmp_path: Path, sample_pdfs: dict[str, tuple[Path, Any]]) -> None:
    source, _book = sample_pdfs["physics8_forces_en.pdf"]
    engine = TesseractEngine()

    read: dict[int, RecognisedText] = {}

    def recognise(number: int, page: Any) -> RecognisedText:
        image, dpi = render_pdf_page(page, 300)
        result = engine.recognise(image, "en", dpi=dpi)
        read[number] = RecognisedText(result.text, result.confidence, result.sizes)
        return read[number]

    scan = scan_copy(source, tmp_path / "scan.pdf")
    scanned = extract_pages(scan, recognise=recognise)
    printed = extract_pages(source)
    assert all(page.recognised for page in scanned)

    def tree(pages: list[Any]) -> list[tuple[int, str, int, str]]:
        return [(t.level, t.title, t.page_start, t.source)
                for t in build_topics("sha", len(pages), "en", headings=heading_marks(pages))]

    expected = tree(printed)
    assert [level for level, *_rest in expected] == [1, 2, 2, 2, 2, 2]
    assert tree(scanned) == expected
    # The same text without the line sizes (a page read by an older version): no
    # headings, the tree falls back to page ranges. The sizes made the difference.
    unsized = extract_pages(scan, recognise=lambda number, _page: RecognisedText(
        read[number].text, read[number].confidence))
    assert {source for *_rest, source in tree(unsized)} == {"pages"}
