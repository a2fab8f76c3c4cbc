"""OCR of scanned pages during a textbook import: render, recognise, keep, report.

Each recognised page is written to ``ocr_pages`` (by the file's sha256) as soon as it
is read, in its own short transaction: OCR costs 5–10 s a page here, so an import
that is cancelled, suspended (app closing) or killed continues after the last
recognised page when the same file is imported again, instead of starting over.
The measured pages/s gives the progress bar its time estimate.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from tutor_desktop.core.library.pdf import RecognisedText
from tutor_desktop.core.ocr.document import dpi_for, render_pdf_page
from tutor_desktop.core.ocr.engine import OcrCancelled, OcrError, TesseractEngine
from tutor_desktop.core.storage import Database, utc_now

#: Pages read with less confidence are listed for the teacher to check.
LOW_CONFIDENCE = 0.75


def ocr_usable(engine: TesseractEngine | None, language: str) -> bool:
    """True when Tesseract and the book language's data are installed here."""
    if engine is None:
        return False
    try:
        engine.check_language(language)
    except OcrError:
        return False
    return True


class BookRecogniser:
    """The ``recognise`` hook of :func:`~tutor_desktop.core.library.pdf.extract_pages`
    for one book; ``pages_per_second`` is measured on pages actually recognised."""

    def __init__(self, db: Database, engine: TesseractEngine, sha256: str, language: str,
                 should_stop: Callable[[], bool],
                 on_first_ocr: Callable[[], None] | None = None) -> None:
        self.db = db
        # Called once, before the first page that really needs OCR: from then on the
        # import is long enough to be worth resuming by itself after a kill.
        self._on_first_ocr = on_first_ocr
        self.engine = engine
        self.sha256 = sha256
        self.language = language
        self.should_stop = should_stop
        self.recognised = 0         # pages OCR'd in this run (not taken from earlier runs)
        self.seconds = 0.0
        self._lock = threading.Lock()

    @property
    def pages_per_second(self) -> float | None:
        return self.recognised / self.seconds if self.recognised and self.seconds > 0 else None

    def __call__(self, number: int, page: Any) -> RecognisedText:
        row = self.db.query_one(
            "SELECT text, confidence, sizes FROM ocr_pages WHERE sha256 = ? AND page = ? "
            "AND language = ?", (self.sha256, number, self.language))
        if row is not None:  # read by an earlier, interrupted import of this file
            return RecognisedText(str(row["text"]), float(row["confidence"]),
                                  _sizes(str(row["sizes"] or "")))
        if self._on_first_ocr is not None:
            first, self._on_first_ocr = self._on_first_ocr, None
            first()
        started = time.monotonic()
        image, dpi = render_pdf_page(page, dpi_for(self.language))
        try:
            result = self.engine.recognise(image, self.language, dpi=dpi,
                                           should_stop=self.should_stop)
            text, confidence, sizes = result.text, result.confidence, result.sizes
        except OcrCancelled:
            raise
        except OcrError:
            # One unreadable page (Tesseract crashed or timed out) must not lose the
            # book: it is kept empty with confidence 0, so the teacher sees it listed.
            text, confidence, sizes = "", 0.0, ()
        seconds = time.monotonic() - started
        with self.db.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO ocr_pages (sha256, page, language, text, confidence, "
                "seconds, created_at, sizes) VALUES (?,?,?,?,?,?,?,?)",
                (self.sha256, number, self.language, text, confidence, seconds, utc_now(),
                 json.dumps(list(sizes))))
        with self._lock:
            self.recognised += 1
            self.seconds += seconds
        return RecognisedText(text, confidence, tuple(sizes))


def _sizes(raw: str) -> tuple[float, ...]:
    """Paragraph sizes stored with a page ("" for pages read before they were kept)."""
    try:
        values = json.loads(raw) if raw else []
    except ValueError:
        return ()
    return tuple(float(v) for v in values if isinstance(v, int | float))


def recognised_pages(db: Database, sha256: str, language: str) -> list[tuple[int, float]]:
    """(page, confidence) of a book's pages that were read by OCR, in page order."""
    rows = db.query("SELECT page, confidence FROM ocr_pages WHERE sha256 = ? AND language = ? "
                    "ORDER BY page", (sha256, language))
    return [(int(r["page"]), float(r["confidence"])) for r in rows]
