"""Reading PDFs into headed, page-accurate passages (no model needed)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

from tutor_desktop.core.library.chunking import MAX_CHARS, chunk_pages
from tutor_desktop.core.library.pdf import extract_pages


def test_headings_come_from_font_size_and_page_numbers_are_dropped(
        sample_pdfs: dict[str, Any]) -> None:
    pages = extract_pages(sample_pdfs["biology7_photosynthesis_mn.pdf"][0])
    assert len(pages) == 5
    first = pages[0].blocks
    assert (first[0].heading, first[0].level, first[0].text) == (True, 1, "I БҮЛЭГ. ФОТОСИНТЕЗ")
    assert (first[1].heading, first[1].level) == (True, 2)
    assert first[1].text == "1.1 Ургамал хэрхэн хооллодог вэ?"
    assert not first[2].heading and first[2].text.startswith("Амьд бүх организмд")
    assert all(not block.text.isdigit() for page in pages for block in page.blocks)
    # subscripts are normalised (NFKC) so "CO2" is searchable as typed on a keyboard
    assert "6CO2 + 6H2O → C6H12O6 + 6O2" in pages[2].text


def test_passages_carry_book_page_and_section(sample_pdfs: dict[str, Any]) -> None:
    pages = extract_pages(sample_pdfs["physics8_forces_en.pdf"][0])
    drafts = chunk_pages(pages)
    assert [d.ordinal for d in drafts] == list(range(len(drafts)))
    assert all(len(d.text) <= MAX_CHARS for d in drafts)
    newton = [d for d in drafts if "F = m a" in d.text]
    assert newton and all(d.heading == "2.4 Newton's second law" and d.page_start == 4
                          for d in newton)
    # consecutive passages of a section overlap, so no answer is cut in half
    same_section = [(a, b) for a, b in pairwise(drafts)
                    if a.heading == b.heading]
    assert same_section
    assert any(b.text.split(". ")[0] in a.text for a, b in same_section)


def test_a_sentence_over_a_page_break_records_both_pages(tmp_path: Path) -> None:
    from tutor_desktop.core.library.samples import new_pdf

    pdf = new_pdf()
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 10, "Magnetism", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, "A magnet has two poles. Like poles repel each other and unlike "
                         "poles attract, which is why a compass needle", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.add_page()
    pdf.multi_cell(0, 6, "always turns to point north. The Earth behaves like a huge magnet.",
                   new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "magnets.pdf"
    pdf.output(str(path))
    drafts = chunk_pages(extract_pages(path))
    spanning = [d for d in drafts if "compass needle always turns" in d.text]
    assert len(spanning) == 1
    assert (spanning[0].page_start, spanning[0].page_end) == (1, 2)
    assert spanning[0].heading == "Magnetism"
