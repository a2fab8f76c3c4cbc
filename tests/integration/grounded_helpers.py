"""Helpers for the grounded-answer tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from staff import as_teacher


def import_samples(services: Any, pdfs: list[tuple[Path, Any]]) -> None:
    """Import the sample books the way the window does (same Library service)."""
    from tutor_desktop.core.library import BookMeta

    library = services.library
    for path, book in pdfs:
        library.import_file(as_teacher(),
            path, BookMeta(book.title, book.grade, book.subject, book.language))


MANUAL_PAGES = [
    "1.1 LaTeX гэж юу вэ\nLaTeX бол баримт бичгийг хэвлэлд бэлтгэх програм юм. Эх файлыг "
    "текст засварлагчаар бичиж, дараа нь хөрвүүлж PDF файл гаргана. Тушаал бүр налуу "
    "зураасаар эхэлнэ.",
    "2.8 Холбох заагчид\nЗураг, хүснэгт болон бүлгийг \\label, \\ref тушаалаар заана. "
    "\\pageref тушаал нь хуудасны дугаарыг хэвлэнэ.",
    "2.9 Зүүлтүүд\nХуудасны доод хэсэгт зүүлт үүсгэхдээ \\footnote{тайлбар} тушаалыг "
    "ашиглана. Зүүлт нь ямагт холбогдох үг буюу өгүүлбэрийнхээ ард байрлана. Өгүүлбэрийг "
    "зааж байвал зүүлтийг цэг, таслалын ард бичнэ.",
    "2.10 Онцолсон үгс\nХэвлэлд үгийг онцлохдоо налуу фонт ашиглана. LaTeX үүнийг \\emph{текст} "
    "тушаалаар гүйцэтгэнэ.",
]


# Like the real lshort-mn, whose PDF page 52 prints "38": front matter numbered i, ii,
# then the chapters from 1 (the PDF's own /PageLabels). The footnote section is on the
# PDF's page 5, printed "3".
FRONT_MATTER = ["LaTeX гарын авлага\nМонгол хэлний орчуулга. Хэвлэлийн хоёр дахь засвар.",
                "Өмнөх үг\nЭнэ номыг анхлан суралцагчдад зориулан бичсэн болно."]
MANUAL_FIRST_PAGE = len(FRONT_MATTER) + 1


def import_manual(services: Any, folder: Path) -> None:
    """An unrelated book (a LaTeX manual, informatics, grade 10), like the real lshort-mn:
    a physics or maths question must never be answered from it."""
    from fpdf.enums import PageLabelStyle

    from tutor_desktop.core.library import BookMeta
    from tutor_desktop.core.library.samples import new_pdf

    pdf = new_pdf()
    for index, text in enumerate([*FRONT_MATTER, *MANUAL_PAGES]):
        heading, body = text.split("\n", 1)
        pdf.add_page()
        if index == 0:
            pdf.set_page_label(PageLabelStyle.LOWER_ROMAN, label_start=1)
        if index == len(FRONT_MATTER):
            pdf.set_page_label(PageLabelStyle.NUMBER, label_start=1)
        pdf.set_font("DejaVu", "B", 16)
        pdf.multi_cell(0, 9, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "latex_manual_mn.pdf"
    pdf.output(str(path))
    services.library.import_file(as_teacher(), path, BookMeta("LaTeX гарын авлага", 10,
                                                          "informatics", "mn"))
