"""Class reports: a CSV (one row per student x topic) and a printable PDF.

CSV cells that begin with ``= + - @`` (or a tab/CR) are prefixed with ``'``:
spreadsheet programs would otherwise run them as formulas (CSV injection), and
student names and topic titles are typed by people. The PDF embeds DejaVu Sans
(bundled in resources/fonts), which has the Mongolian letters Ө and Ү.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

from tutor_desktop.core.i18n import tr
from tutor_desktop.core.progress.service import ClassProgress

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(_DANGEROUS) else text


def csv_report(progress: ClassProgress, language: str = "mn") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["student", "topic", "book", "level", "level_name", "answers", "correct",
                     "questions", "last_activity"])
    for student in progress.students:
        for topic in progress.topics:
            cell = progress.cells.get((student.id, topic.id))
            if cell is None:
                continue
            writer.writerow([safe_cell(v) for v in (
                student.display_name, topic.title, topic.book, cell.level,
                tr(f"level_{cell.level}", language), cell.attempts, cell.correct, cell.questions,
                cell.last_interaction_at[:10])])
    # UTF-8 BOM: spreadsheet programs on Windows then read Cyrillic correctly
    return "\ufeff" + out.getvalue()


def write_csv(progress: ClassProgress, path: Path, language: str = "mn") -> Path:
    path.write_text(csv_report(progress, language), encoding="utf-8", newline="")
    return path


LEVEL_COLOURS = {"beginner": (244, 204, 204), "intermediate": (255, 229, 153),
                 "advanced": (182, 215, 168), "mastered": (106, 168, 79)}


def pdf_report(progress: ClassProgress, path: Path, language: str = "mn",
               today: date | None = None) -> Path:
    """A4 landscape: title, a students x topics table coloured by level, then who needs
    help and why. Topics are split over several tables when they do not fit."""
    from tutor_desktop.core.library.samples import new_pdf

    pdf = new_pdf()
    pdf.set_title(tr("report_title", language, name=progress.class_name))
    pdf.add_page(orientation="L")
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 10, tr("report_title", language, name=progress.class_name),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(0, 6, tr("report_generated", language, date=(today or date.today()).isoformat()),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if not progress.students or not progress.topics:
        pdf.set_font("DejaVu", "", 12)
        pdf.cell(0, 10, tr("report_empty", language), new_x="LMARGIN", new_y="NEXT")
        for student in progress.students:
            pdf.cell(0, 6, student.display_name, new_x="LMARGIN", new_y="NEXT")
        pdf.output(str(path))
        return path
    name_w, cell_w, per_table = 48.0, 22.0, 9
    row_h, header_h = 6.0, 12.0
    labels = {level: tr(f"level_{level}", language) for level in LEVEL_COLOURS}
    student_label = tr("report_student", language)

    def header(topics: list[Any]) -> None:
        """The table's header row: drawn again at the top of every page the table runs
        onto, so a printed page never shows levels without their topics."""
        pdf.set_font("DejaVu", "B", 7)
        pdf.set_fill_color(240, 240, 240)
        y = pdf.get_y()
        pdf.multi_cell(name_w, header_h, student_label, border=1, fill=True,
                       new_x="RIGHT", new_y="TOP")
        for topic in topics:
            x = pdf.get_x()
            pdf.multi_cell(cell_w, 3, _clip(topic.title, 48), border=0, align="C",
                           new_x="RIGHT", new_y="TOP", max_line_height=3)
            pdf.rect(x, y, cell_w, header_h)
            pdf.set_xy(x + cell_w, y)
        pdf.set_xy(pdf.l_margin, y + header_h)
        pdf.set_font("DejaVu", "", 8)

    bottom = pdf.h - pdf.b_margin
    for start in range(0, len(progress.topics), per_table):
        topics = progress.topics[start:start + per_table]
        if pdf.get_y() + header_h + row_h > bottom:    # never a header alone at the foot
            pdf.add_page(orientation="L")
        header(topics)
        # Cells drawn as rectangles and text: a class of 40 x 300 topics is 12,000 cells,
        # and fpdf2's cell() layout made that report take several seconds.
        offsets = {level: (cell_w - pdf.get_string_width(text)) / 2
                   for level, text in labels.items()}
        for student in progress.students:
            if pdf.get_y() + row_h > bottom:
                pdf.add_page(orientation="L")
                header(topics)
            y = pdf.get_y()
            pdf.cell(name_w, row_h, _clip(student.display_name, 30), border=1)
            x = pdf.l_margin + name_w
            for topic in topics:
                cell = progress.cells.get((student.id, topic.id))
                if cell is None:
                    pdf.rect(x, y, cell_w, row_h)
                else:
                    pdf.set_fill_color(*LEVEL_COLOURS.get(cell.level, (255, 255, 255)))
                    pdf.rect(x, y, cell_w, row_h, style="DF")
                    pdf.text(x + offsets.get(cell.level, 1), y + 4.2, labels.get(cell.level, ""))
                x += cell_w
            pdf.set_xy(pdf.l_margin, y + row_h)
        pdf.ln(4)
    if progress.needs_help:
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(0, 8, tr("report_needs_help", language), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        for need in progress.needs_help:
            reason = tr(need.reason, language, **need.detail)
            line = f"{need.student}: {need.topic + ' — ' if need.topic else ''}{reason}"
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
