"""PDF text extraction with pypdfium2 (BSD/Apache; ~900 pages/s measured here).

Each page becomes a list of blocks: headings (lines set in a clearly larger
font than the body text) and body paragraphs. Running headers/footers and
bare page numbers are dropped so they do not pollute search. Bad input is
turned into a :class:`LibraryError` that names the file and the reason.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor_desktop.core.embeddings.text import normalize_text
from tutor_desktop.core.library.errors import LibraryError

HEADING_RATIO = 1.15        # a line this much larger than body text is a heading
# Scanned pages: OCR measures each paragraph's width per letter, noisier than a text
# layer's font sizes (at 300 dpi: body 25-28.5 px, 14 pt headings 37-38.5, 18 pt 52).
OCR_HEADING_RATIO = 1.2
OCR_LEVEL_STEP = 1.15       # heading sizes within 15 % of each other are one level
MAX_HEADING_CHARS = 150
MIN_TEXT_CHARS = 40         # fewer letters in the whole file: a scan without a text layer
_PAGE_NUMBER = re.compile(r"^(page|хуудас|х\.)?\s*\d{1,4}\s*$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_HYPHENATION_MARKS = ("\ufffe", "\u00ad")


@dataclass(frozen=True)
class Block:
    text: str
    heading: bool = False
    level: int = 0          # 1 = largest heading size in the book


@dataclass
class Page:
    number: int             # 1-based PDF index: what opens the page
    blocks: list[Block] = field(default_factory=list)
    label: str = ""         # the printed page number ("38", "xiv"); see page_labels()
    #: Set when the page had no usable text layer and its text came from OCR (0..1).
    ocr_confidence: float | None = None

    @property
    def recognised(self) -> bool:
        return self.ocr_confidence is not None

    @property
    def text(self) -> str:
        return "\n".join(block.text for block in self.blocks)


@dataclass(frozen=True)
class _Line:
    text: str
    size: float


def check_file(path: Path) -> None:
    """Cheap checks before PDFium sees the file: exists, not empty, starts like a PDF."""
    name = path.name
    if not path.is_file():
        raise LibraryError("library_file_missing", file=str(path))
    if path.stat().st_size == 0:
        raise LibraryError("library_empty_file", file=name)
    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise LibraryError("library_not_pdf", file=name)


def _open(path: Path):  # type: ignore[no-untyped-def]
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise LibraryError("library_encrypted", file=path.name) from exc
        raise LibraryError("library_corrupt", file=path.name,
                           reason=str(exc).rstrip(". ")) from exc


#: A school textbook has a few hundred pages; the largest reference manuals ~2,500.
#: Beyond this a file is refused with a clear message instead of hours of work.
MAX_PAGES = 5000


def _check_pages(document, path: Path) -> int:  # type: ignore[no-untyped-def]
    count = len(document)
    if count > MAX_PAGES:
        raise LibraryError("library_too_many_pages", file=path.name, pages=count,
                           limit=MAX_PAGES)
    return count


def page_count(path: Path) -> int:
    check_file(path)
    document = _open(path)
    try:
        return _check_pages(document, path)
    finally:
        document.close()


def _page_lines(document, index: int) -> list[_Line]:  # type: ignore[no-untyped-def]
    """The page's text lines, each with the font size of its first visible character."""
    import pypdfium2.raw as pdfium_c

    page = document[index]
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        lines: list[_Line] = []
        offset = 0
        # PDFium separates lines with generated "\r\n" characters that count as
        # characters, so text offsets are character indices (BMP text).
        for raw_line in text.split("\r\n"):
            stripped = raw_line.strip()
            if stripped:
                first = offset + (len(raw_line) - len(raw_line.lstrip()))
                size = float(pdfium_c.FPDFText_GetFontSize(textpage.raw, first))
                lines.append(_Line(stripped, size))
            offset += len(raw_line) + 2
        return lines
    finally:
        textpage.close()
        page.close()


def _body_size(pages: list[list[_Line]]) -> float:
    """The font size most characters are set in."""
    weights: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            weights[round(line.size, 1)] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 0.0


def _running_lines(pages: list[list[_Line]]) -> set[str]:
    """First/last lines repeated on many pages (running headers and footers)."""
    if len(pages) < 4:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        edge = {_DIGITS.sub("#", line.text) for line in lines[:1] + lines[-1:]}
        counts.update(edge)
    return {text for text, count in counts.items() if count >= max(3, len(pages) // 2)}


def _join_body(lines: list[str]) -> str:
    """Join wrapped lines into a paragraph, undoing end-of-line hyphenation."""
    out = ""
    for line in lines:
        if out.endswith(_HYPHENATION_MARKS):
            out = out[:-1] + line       # "тушаа\ufffe" + "лын": one word, no space
        elif out.endswith("-") and line[:1].islower():
            out = out[:-1] + line
        elif out:
            out += " " + line
        else:
            out = line
    return out


ProgressFn = Callable[[int, int], None]

#: A page with fewer letters in its text layer and an image on it is a scanned page.
MIN_PAGE_LETTERS = 20


@dataclass(frozen=True)
class RecognisedText:
    """What OCR read on one page: paragraphs separated by blank lines, confidence 0..1."""

    text: str
    confidence: float
    #: Each paragraph's type size (OcrResult.sizes); empty when not measured.
    sizes: tuple[float, ...] = ()


#: ``(1-based page number, pypdfium2 page) -> RecognisedText``; raises to stop the import.
Recogniser = Callable[[int, Any], RecognisedText]


def _has_image(document: Any, index: int) -> bool:
    import pypdfium2.raw as pdfium_c

    page = document[index]
    try:
        return any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,),
                                                  max_depth=2))
    finally:
        page.close()


def scanned_pages(raw_pages: list[list[_Line]], document: Any) -> list[int]:
    """0-based indexes of pages without a usable text layer that carry a picture."""
    return [index for index, lines in enumerate(raw_pages)
            if sum(ch.isalnum() for line in lines for ch in line.text) < MIN_PAGE_LETTERS
            and _has_image(document, index)]


def extract_pages(path: Path, progress: ProgressFn | None = None,
                  should_stop: Callable[[], bool] | None = None,
                  recognise: Recogniser | None = None,
                  ocr_progress: ProgressFn | None = None) -> list[Page]:
    """All pages of ``path`` as heading/body blocks, or a :class:`LibraryError`.

    Scanned pages (no text layer, an image) go through ``recognise`` (OCR) page by
    page, after the text layer of every page was read, so the number of pages to
    recognise is known for the time estimate. Without ``recognise`` a book of
    scanned pages only is refused with a message that says OCR is missing; the
    text pages of a mixed book are imported.
    """
    import pypdfium2 as pdfium

    check_file(path)
    document = _open(path)
    recognised: dict[int, RecognisedText] = {}
    try:
        total = _check_pages(document, path)
        if total == 0:
            raise LibraryError("library_corrupt", file=path.name, reason="no pages")
        defined = _defined_labels(document, total)
        raw_pages: list[list[_Line]] = []
        for index in range(total):
            if should_stop and should_stop():
                return []
            try:
                raw_pages.append(_page_lines(document, index))
            except pdfium.PdfiumError as exc:
                raise LibraryError("library_corrupt", file=path.name,
                                   reason=f"page {index + 1}: {exc}") from exc
            if progress:
                progress(index + 1, total)
        scans = scanned_pages(raw_pages, document)
        if recognise is not None:
            for done, index in enumerate(scans):
                if ocr_progress:
                    ocr_progress(done, len(scans))
                # Checked after the report, so a cancel made while it is shown starts no
                # new page (5-10 s of Tesseract) that the teacher has just stopped.
                if should_stop and should_stop():
                    return []
                page = document[index]
                try:
                    recognised[index] = recognise(index + 1, page)
                finally:
                    page.close()
            if ocr_progress and scans:
                ocr_progress(len(scans), len(scans))
    finally:
        document.close()

    letters = sum(ch.isalnum() for lines in raw_pages for line in lines for ch in line.text)
    letters += sum(ch.isalnum() for page in recognised.values() for ch in page.text)
    if letters < MIN_TEXT_CHARS:
        if recognise is None and len(scans) > 0:
            raise LibraryError("library_scan_needs_ocr", file=path.name)
        if letters == 0:
            raise LibraryError("library_no_text", file=path.name)
        # A few real words (a cover, a title page) is not a scan: say what is wrong.
        raise LibraryError("library_too_little_text", file=path.name, letters=letters)

    body = _body_size(raw_pages)
    heading_sizes = sorted({round(line.size, 1) for lines in raw_pages for line in lines
                            if body and line.size >= body * HEADING_RATIO}, reverse=True)
    running = _running_lines(raw_pages)
    ocr_body, ocr_levels = ocr_heading_levels(list(recognised.values()))
    pages = [_recognised_page(number, recognised[number - 1], ocr_body, ocr_levels)
             if number - 1 in recognised
             else _page_blocks(number, lines, heading_sizes, running)
             for number, lines in enumerate(raw_pages, start=1)]
    for page, printed in zip(pages, _labels(defined, raw_pages), strict=True):
        page.label = printed
    return pages


def _ocr_lines(ocr: RecognisedText) -> list[list[tuple[str, float]]]:
    """The page's paragraphs as (line, size) lists; size 0 where none was measured (a
    page read by an older version)."""
    paragraphs = [[line.strip() for line in paragraph.splitlines() if line.strip()]
                  for paragraph in ocr.text.split("\n\n")]
    count = sum(len(lines) for lines in paragraphs)
    sizes = iter(ocr.sizes if len(ocr.sizes) == count else (0.0,) * count)
    return [[(line, next(sizes)) for line in lines] for lines in paragraphs]


def ocr_heading_levels(pages: list[RecognisedText]) -> tuple[float, list[list[float]]]:
    """The body size of a book's scanned pages (the size most of its letters are set in)
    and its heading sizes grouped into levels, largest first.

    Judged over all scanned pages together, as font sizes are for text pages: a page
    with only a heading and a short paragraph must not make its body a heading.
    """
    samples = [(size, sum(ch.isalnum() for ch in line)) for ocr in pages
               for paragraph in _ocr_lines(ocr) for line, size in paragraph if size > 0]
    letters = sum(chars for _size, chars in samples)
    if not letters:
        return 0.0, []
    body, seen = 0.0, 0
    for size, chars in sorted(samples):
        seen += chars
        if seen * 2 >= letters:
            body = size
            break
    larger = sorted({size for size, chars in samples
                     if size >= body * OCR_HEADING_RATIO and chars <= MAX_HEADING_CHARS},
                    reverse=True)
    levels: list[list[float]] = []
    for size in larger:
        if levels and size * OCR_LEVEL_STEP >= levels[-1][0]:
            levels[-1].append(size)
        else:
            levels.append([size])
    return body, levels


def _recognised_page(number: int, ocr: RecognisedText, body: float = 0.0,
                     levels: list[list[float]] | None = None) -> Page:
    """OCR paragraphs as blocks: lines set clearly larger than the book's body text are
    headings (:func:`ocr_heading_levels`), also where OCR put a heading and the text
    under it in one paragraph; a bare page number line is dropped as in text pages."""
    page = Page(number, ocr_confidence=ocr.confidence)
    level_of = {size: level for level, group in enumerate(levels or [], start=1)
                for size in group}
    for paragraph in _ocr_lines(ocr):
        page.blocks += _paragraph_blocks(paragraph, level_of)
    return page


def _paragraph_blocks(paragraph: list[tuple[str, float]],
                      level_of: dict[float, int]) -> list[Block]:
    """One OCR paragraph as blocks: a run of heading lines of one level, then body."""
    blocks: list[Block] = []
    run: list[str] = []
    run_level = 0       # the run's heading level; 0 = body text
    for line, size in paragraph:
        if _PAGE_NUMBER.match(line):
            continue
        level = level_of.get(size, 0) if len(line) <= MAX_HEADING_CHARS else 0
        if run and level != run_level:
            blocks.append(_run_block(run, run_level))
            run = []
        run_level = level
        run.append(line)
    if run:
        blocks.append(_run_block(run, run_level))
    return [block for block in blocks if block.text]


def _run_block(lines: list[str], level: int) -> Block:
    if level:
        return Block(normalize_text(" ".join(lines)), True, level)
    return Block(normalize_text(_join_body(lines)))


def _page_blocks(number: int, lines: list[_Line], heading_sizes: list[float],
                 running: set[str]) -> Page:
    """Group a page's lines into heading and body blocks."""
    page = Page(number)
    body: list[str] = []
    heading: list[str] = []
    heading_level = 0

    def flush() -> None:
        if heading:
            page.blocks.append(Block(normalize_text(" ".join(heading)), True, heading_level))
            heading.clear()
        if body:
            page.blocks.append(Block(normalize_text(_join_body(body))))
            body.clear()

    for line in lines:
        if _PAGE_NUMBER.match(line.text) or _DIGITS.sub("#", line.text) in running:
            continue
        size = round(line.size, 1)
        if size in heading_sizes and len(line.text) <= MAX_HEADING_CHARS:
            level = heading_sizes.index(size) + 1
            if body or (heading and level != heading_level):
                flush()
            heading_level = level
            heading.append(line.text)
        else:
            if heading:
                flush()
            body.append(line.text)
    flush()
    page.blocks = [block for block in page.blocks if block.text]
    return page


def marked_pages(path: Path) -> set[int]:
    """1-based pages whose text layer carries U+FFFE (a TeX hyphenation point).

    Passages of such pages imported by older versions were embedded with the mark
    inside words (the embedder already dropped soft hyphens): the library embeds them
    again. An unreadable file has none (it was reported when it was imported).
    """
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError):
        return set()
    found: set[int] = set()
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            try:
                if _HYPHENATION_MARKS[0] in textpage.get_text_range():
                    found.add(index + 1)
            finally:
                textpage.close()
                page.close()
    finally:
        document.close()
    return found


def read_page(path: Path, number: int) -> Page | None:
    """One page as blocks (for the page viewer); headings judged against this page alone."""
    check_file(path)
    document = _open(path)
    try:
        if not 1 <= number <= len(document):
            return None
        lines = _page_lines(document, number - 1)
    finally:
        document.close()
    body = _body_size([lines])
    heading_sizes = sorted({round(line.size, 1) for line in lines
                            if body and line.size >= body * HEADING_RATIO}, reverse=True)
    return _page_blocks(number, lines, heading_sizes, set())


# ------------------------------------------------------------- printed page numbers
#: A number at the start ("38 Эх бэлтгэх") or the end ("2.11 Хүрээллүүд 39") of a
#: running head or foot, or alone ("12", "х. 12"). "2.11 …" is a section number, not 2.
_EDGE_NUMBER = re.compile(r"^(?:(?:page|хуудас|х\.)\s*)?(\d{1,4})(?:\s|$)|\s(\d{1,4})$",
                          re.IGNORECASE)
_EDGE_LINES = 2             # lines looked at on each edge of a page
MIN_PRINTED_SHARE = 0.3     # of the pages must carry the same offset to trust it


def _defined_labels(document, total: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The PDF's own page labels (/PageLabels), or [] when it defines none."""
    import pypdfium2 as pdfium

    try:
        labels = [str(document.get_page_label(index) or "") for index in range(total)]
    except (pdfium.PdfiumError, ValueError, UnicodeError):  # a broken label tree
        return []
    return labels if any(labels) else []


def _printed_numbers(pages: list[list[_Line]]) -> list[str]:
    """Page numbers detected in the running heads/feet, or [] when there is no pattern.

    Printed numbers run in step with the PDF's pages at a fixed offset (front
    matter, a cover), so each number near a page's edge votes for an offset and
    the offset most pages agree on wins; stray numbers (a year in the last line,
    a footnote) do not agree with each other. Pages before printed page 1 keep
    their PDF number.
    """
    votes: Counter[int] = Counter()
    numbered = 0
    for index, lines in enumerate(pages):
        edge = lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]
        offsets = {int(m.group(1) or m.group(2)) - (index + 1)
                   for line in edge if (m := _EDGE_NUMBER.search(line.text))}
        numbered += bool(offsets)
        votes.update(offsets)
    if not votes:
        return []
    offset, support = votes.most_common(1)[0]
    if support < 2 or support < MIN_PRINTED_SHARE * len(pages) or offset == 0:
        return []
    front = _roman_offset(pages[:max(0, -offset)])
    return [str(number + offset) if number + offset >= 1
            else _roman(number + front) if front is not None and number + front >= 1
            else str(number)
            for number in range(1, len(pages) + 1)]


_EDGE_ROMAN = re.compile(r"^([ivxlc]{1,7})(?:\s|$)|\s([ivxlc]{1,7})$")
_ROMAN_VALUES = (("c", 100), ("xc", 90), ("l", 50), ("xl", 40), ("x", 10), ("ix", 9),
                 ("v", 5), ("iv", 4), ("i", 1))


def _roman(number: int) -> str:
    out = ""
    for letters, value in _ROMAN_VALUES:
        count, number = divmod(number, value)
        out += letters * count
    return out


def _roman_value(text: str) -> int | None:
    """``text`` as a lower-case roman numeral (1-399), None if it is not one."""
    total, rest = 0, text
    for letters, value in _ROMAN_VALUES:
        while rest.startswith(letters):
            total, rest = total + value, rest[len(letters):]
    return total if not rest and total and _roman(total) == text else None


def _roman_offset(front: list[list[_Line]]) -> int | None:
    """The offset of front matter numbered i, ii, iii… (two pages must agree)."""
    votes: Counter[int] = Counter()
    for index, lines in enumerate(front):
        edge = lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]
        values = {_roman_value(m.group(1) or m.group(2))
                  for line in edge if (m := _EDGE_ROMAN.search(line.text))}
        votes.update(value - (index + 1) for value in values if value is not None)
    if not votes:
        return None
    offset, support = votes.most_common(1)[0]
    return offset if support >= 2 else None


def _labels(defined: list[str], pages: list[list[_Line]]) -> list[str]:
    """Printed label per page: the PDF's labels, else detected numbers, else the index."""
    fallback = [str(number) for number in range(1, len(pages) + 1)]
    if defined:
        return [label or number for label, number in zip(defined, fallback, strict=True)]
    return _printed_numbers(pages) or fallback


def page_labels(path: Path) -> list[str]:
    """The printed label of every page of ``path`` (for books imported before labels).

    Reads only the edge lines' text when the PDF defines no labels itself.
    """
    check_file(path)
    document = _open(path)
    try:
        total = _check_pages(document, path)
        defined = _defined_labels(document, total)
        if defined:
            return _labels(defined, [[] for _ in range(total)])
        return _labels([], [_page_lines(document, index) for index in range(total)])
    finally:
        document.close()
