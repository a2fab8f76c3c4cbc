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


#: A physics chapter whose printed numbers are not the PDF's: a cover and two pages of
#: contents (ii, iii) come first, so printed page 2 is the PDF's page 5. On printed
#: page 2 section 2.8 ends and 2.9 begins.
PRINTED_BOOK = [
    (None, [("h", "Физик 8"), ("p", "Сурах бичиг. Улаанбаатар хот.")]),
    ("ii", [("h", "Гарчиг"), ("p", "2.8 Үрэлтийн хүч . . . 1"), ("p", "2.9 Даралт . . . 2")]),
    ("iii", [("h", "Гарчиг"), ("p", "2.10 Архимедийн хүч . . . 4")]),
    ("1", [("h", "2.8 Үрэлтийн хүч"),
           ("p", "Үрэлтийн хүч нь хоёр биеийн шүргэлцэх гадаргуу дээр үүсдэг. " * 6)]),
    ("2", [("p", "Гулсалтын үрэлт нь биеийн жингээс хамаардаг бөгөөд тослох үед багасна. " * 3),
           ("h", "2.9 Даралт"),
           ("p", "Даралт гэдэг нь гадаргуугийн нэгж талбайд үйлчлэх хүч юм. " * 5)]),
    ("3", [("p", "Шингэний даралт гүн рүү орох тусам нэмэгддэг. Шумбагч үүнийг мэднэ. " * 5)]),
    ("4", [("h", "2.10 Архимедийн хүч"),
           ("p", "Шингэнд живсэн биеийг түлхэх хүчийг Архимедийн хүч гэнэ. " * 5)]),
]


def printed_numbers_pdf(path: Path, *, defined_labels: bool = False) -> Path:
    """:data:`PRINTED_BOOK` as a PDF: printed numbers in the running heads (even pages
    "2  Бүлэг 2. Хүч ба даралт", odd pages "Хүч ба хөдөлгөөн  3"), or with
    ``defined_labels`` the PDF's own /PageLabels and no numbers printed at all."""
    from fpdf import FPDF
    from fpdf.enums import PageLabelStyle

    from tutor_desktop.core.library.samples import font_path

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font("DejaVu", "", str(font_path()))
    pdf.add_font("DejaVu", "B", str(font_path(bold=True)))
    for index, (printed, blocks) in enumerate(PRINTED_BOOK):
        pdf.add_page()
        if defined_labels and index == 0:
            pdf.set_page_label(PageLabelStyle.LOWER_ROMAN, label_start=1)
        if defined_labels and index == 3:
            pdf.set_page_label(PageLabelStyle.NUMBER, label_start=1)
        if printed and not defined_labels:
            pdf.set_font("DejaVu", "", 9)
            even = printed.isdigit() and int(printed) % 2 == 0
            head = (f"{printed}  Бүлэг 2. Хүч ба даралт" if even
                    else f"Хүч ба хөдөлгөөн  {printed}")
            pdf.cell(0, 6, head, align="L" if even else "R", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        for kind, text in blocks:
            bold = kind == "h"
            pdf.set_font("DejaVu", "B" if bold else "", 16 if bold else 11)
            pdf.multi_cell(0, 9 if bold else 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path
