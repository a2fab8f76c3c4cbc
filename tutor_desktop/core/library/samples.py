"""The sample library: two short textbook chapters shipped as text, rendered to PDF at set-up.

PDFs are generated (not committed) so the repository stays small and the
pages are reproducible: the question set in ``questions.toml`` names the page
that answers each question, and generation fails loudly if the layout ever
moves a page break.

Source format (one ``.txt`` per book): ``# `` chapter title, ``## `` section
heading, ``= `` a centred formula line, ``---`` a page break, anything else a
paragraph.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tutor_desktop.core.paths import resources_dir


@dataclass(frozen=True)
class SampleBook:
    file: str
    source: str
    title: str
    grade: int
    subject: str
    language: str


def sample_dir() -> Path:
    return resources_dir() / "sample_library"


def font_path(bold: bool = False) -> Path:
    """DejaVu Sans: it has the Mongolian Cyrillic letters Ө and Ү."""
    return resources_dir() / "fonts" / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")


def sample_books(folder: Path | None = None) -> list[SampleBook]:
    folder = folder or sample_dir()
    with (folder / "library.toml").open("rb") as handle:
        data = tomllib.load(handle)
    return [SampleBook(file=str(b["file"]), source=str(b["source"]), title=str(b["title"]),
                       grade=int(b["grade"]), subject=str(b["subject"]),
                       language=str(b["language"])) for b in data["book"]]


def new_pdf() -> Any:
    """An A4 fpdf2 document with the Cyrillic-capable fonts registered."""
    from fpdf import FPDF

    class _Book(FPDF):
        def footer(self) -> None:
            """The page number at the bottom, as in a printed book."""
            self.set_y(-15)
            self.set_font("DejaVu", "", 9)
            self.cell(0, 6, str(self.page_no()), align="C")

    pdf = _Book(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font("DejaVu", "", str(font_path()))
    pdf.add_font("DejaVu", "B", str(font_path(bold=True)))
    return pdf


def render_pages(pdf: Any, source_text: str) -> int:
    """Render the mini-markup into ``pdf`` (adding pages); returns the pages it intended."""
    pages = [page.strip("\n") for page in source_text.split("\n---\n")]
    for page_text in pages:
        pdf.add_page()
        for raw in page_text.splitlines():
            line = raw.strip()
            if not line:
                continue
            if line.startswith("## "):
                pdf.ln(2)
                pdf.set_font("DejaVu", "B", 14)
                pdf.multi_cell(0, 8, line[3:], align="L", new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1)
            elif line.startswith("# "):
                pdf.set_font("DejaVu", "B", 18)
                pdf.multi_cell(0, 10, line[2:], align="L", new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
            elif line.startswith("= "):
                pdf.set_font("DejaVu", "", 12)
                pdf.multi_cell(0, 8, line[2:], align="C", new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.set_font("DejaVu", "", 11)
                pdf.multi_cell(0, 5.6, line, align="J", new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1.5)
    return len(pages)


def generate_samples(out_dir: Path, folder: Path | None = None) -> list[tuple[Path, SampleBook]]:
    """Write every sample book's PDF into ``out_dir``; returns (pdf path, metadata) pairs."""
    folder = folder or sample_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, SampleBook]] = []
    for book in sample_books(folder):
        pdf = new_pdf()
        pdf.set_title(book.title)
        # a fixed date -> the same bytes and sha256 on every PC
        pdf.set_creation_date(datetime(2025, 1, 1, tzinfo=UTC))
        intended = render_pages(pdf, (folder / book.source).read_text(encoding="utf-8"))
        if pdf.page_no() != intended:
            raise RuntimeError(f"{book.source}: rendered {pdf.page_no()} pages, expected "
                               f"{intended}; shorten a page so questions.toml stays right")
        target = out_dir / book.file
        pdf.output(str(target))
        written.append((target, book))
    return written


if __name__ == "__main__":  # set-up step: python -m tutor_desktop.core.library.samples [DIR]
    import sys

    destination = Path(sys.argv[1]) if len(sys.argv) > 1 else sample_dir()
    for path, _book in generate_samples(destination):
        print(path)
