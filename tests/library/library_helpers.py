"""Helpers for the library tests: real model file, sample and bad PDFs (all generated)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from model_files import e5_gguf, link_into  # noqa: F401 (re-exported for tests)


def meta_for(book: Any) -> Any:
    """BookMeta for a sample book."""
    from tutor_desktop.core.library import BookMeta

    return BookMeta(book.title, book.grade, book.subject, book.language)


def text_pdf(path: Path, pages: list[str], *, password: str | None = None) -> Path:
    """A PDF whose pages hold ``pages`` (with the bundled Cyrillic font)."""
    from tutor_desktop.core.library.samples import new_pdf

    pdf = new_pdf()
    for text in pages:
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 16)
        pdf.multi_cell(0, 9, text.split("\n", 1)[0], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(0, 6, text.split("\n", 1)[-1], new_x="LMARGIN", new_y="NEXT")
    if password:
        pdf.set_encryption(owner_password="owner-" + password, user_password=password)
    pdf.output(str(path))
    return path


def bad_pdfs(folder: Path, good_pdf: Path) -> dict[str, Path]:
    """One file per kind of bad input a teacher might pick."""
    import pypdfium2 as pdfium
    from fpdf import FPDF

    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    files["empty"] = folder / "empty.pdf"
    files["empty"].write_bytes(b"")
    files["not_pdf"] = folder / "notes.pdf"
    files["not_pdf"].write_text("Lesson notes, saved as text with the wrong extension.")
    files["encrypted"] = text_pdf(folder / "locked.pdf",
                                  ["Locked\n" + "A password protected textbook page. " * 8],
                                  password="secret")
    data = good_pdf.read_bytes()
    files["corrupt"] = folder / "broken.pdf"
    files["corrupt"].write_bytes(data[:9] + bytes(range(256)) * 40)
    document = pdfium.PdfDocument(str(good_pdf))
    image = document[0].render(scale=1).to_pil()
    document.close()
    picture = folder / "scan.png"
    image.save(picture)
    scan = FPDF()
    scan.add_page()
    scan.image(str(picture), x=0, y=0, w=210)
    files["image_only"] = folder / "scan.pdf"
    scan.output(str(files["image_only"]))
    return files


EXPECTED_ERRORS = {
    "empty": "library_empty_file",
    "not_pdf": "library_not_pdf",
    "encrypted": "library_encrypted",
    "corrupt": "library_corrupt",
    "image_only": "library_scan_needs_ocr",  # the fixture library has no OCR engine
}


def long_book(path: Path, pages: int) -> Path:
    """A longer generated textbook (the sample chapters repeated with page-specific words)."""
    from tutor_desktop.core.library.samples import new_pdf, render_pages, sample_dir

    source = (sample_dir() / "physics8_forces_en.txt").read_text(encoding="utf-8")
    sections = source.split("\n---\n")
    parts = []
    for number in range(pages):
        body = sections[number % len(sections)]
        parts.append(body.replace("## ", f"## Lesson {number + 1}: ", 1)
                     + f"\nPage marker word: marker{number + 1}.")
    pdf = new_pdf()
    render_pages(pdf, "\n---\n".join(parts))
    pdf.output(str(path))
    return path
