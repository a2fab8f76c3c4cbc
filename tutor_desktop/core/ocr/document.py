"""OCR of a whole file: a picture, or every page of a PDF (``tutor ocr``), and the
rendering of one PDF page for OCR (also used by the textbook import).

Mongolian is rendered at 300 dpi: measured on real Mongolian pages, Tesseract's
``mon`` data reads ~0.95 of the characters at 300 dpi but only ~0.72 at 150 dpi
(English reads ~1.0 at both; see ``bench/ocr_bench.py``).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor_desktop.core.ocr.engine import (
    OcrError,
    OcrResult,
    StopFn,
    TesseractEngine,
    unwrap_lines,
)
from tutor_desktop.core.ocr.images import IMAGE_SUFFIXES, MAX_OCR_PIXELS, load_image

if TYPE_CHECKING:
    from PIL import Image

DPI = {"mn": 300, "en": 300}
DEFAULT_DPI = 300


def dpi_for(language: str) -> int:
    return DPI.get(language, DEFAULT_DPI)


def render_pdf_page(page: Any, dpi: int) -> tuple[Image.Image, int]:
    """A greyscale image of a pypdfium2 page at ``dpi`` (lowered so it stays under
    ``MAX_OCR_PIXELS``); returns the image and the dpi actually used."""
    width_pt, height_pt = max(1.0, page.get_width()), max(1.0, page.get_height())
    scale = dpi / 72.0
    if width_pt * height_pt * scale * scale > MAX_OCR_PIXELS:
        scale = 0.99 * (MAX_OCR_PIXELS / (width_pt * height_pt)) ** 0.5
    bitmap = page.render(scale=scale, grayscale=True)
    image = bitmap.to_pil().convert("L")
    return image, max(1, round(scale * 72))


def recognise_file(engine: TesseractEngine, path: Path, language: str,
                   should_stop: StopFn | None = None) -> OcrResult:
    """Text of a picture or of every page of a PDF, with confidence and page count."""
    path = Path(path)
    if not path.is_file():
        raise OcrError("ocr_file_missing", file=str(path))
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _recognise_pdf(engine, path, language, should_stop)
    if suffix not in IMAGE_SUFFIXES:
        raise OcrError("ocr_unsupported_file", file=path.name)
    engine.check_language(language)  # before decoding a large picture for nothing
    image = load_image(path)
    return engine.recognise(image, language, should_stop=should_stop)


def _recognise_pdf(engine: TesseractEngine, path: Path, language: str,
                   should_stop: StopFn | None) -> OcrResult:
    import pypdfium2 as pdfium

    engine.check_language(language)
    started = time.monotonic()
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise OcrError("ocr_unreadable_pdf", file=path.name) from exc
    texts: list[str] = []
    weights: list[tuple[float, int]] = []
    words = 0
    try:
        for index in range(len(document)):
            page = document[index]
            try:
                image, dpi = render_pdf_page(page, dpi_for(language))
            finally:
                page.close()
            result = engine.recognise(image, language, dpi=dpi, should_stop=should_stop)
            texts.append(result.text)
            weights.append((result.confidence, max(1, len(result.text))))
            words += result.words
        pages = len(document)
    finally:
        document.close()
    total = sum(w for _c, w in weights)
    confidence = sum(c * w for c, w in weights) / total if total else 0.0
    return OcrResult("\n\n\f".join(texts).replace("\f", "").strip(), confidence, words,
                     time.monotonic() - started, pages=pages,
                     page_confidences=tuple(c for c, _w in weights))


def picture_language(ui_language: str) -> str:
    """A student's picture: Mongolian problems carry Latin letters (x, y, units), so a
    Mongolian student's picture is read with both languages' data."""
    return "both" if ui_language == "mn" else ui_language


def read_picture(engine: TesseractEngine, source: Path | bytes, language: str,
                 name: str = "", should_stop: StopFn | None = None) -> OcrResult:
    """The text of a photographed or pasted problem, for the chat's input box.

    The picture stays in memory (a pasted image is never written to disk); an image
    where nothing was read raises ``ocr_no_text`` so the student is told why.
    """
    engine.check_language(language)
    image = load_image(source, name)
    result = engine.recognise(image, language, should_stop=should_stop)
    if result.empty:
        raise OcrError("ocr_no_text")
    return replace(result, text=unwrap_lines(result.text))
