"""``tutor doctor`` lines for OCR: can pictures and scanned pages be read, per language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tutor_desktop.core.config import LANGUAGES
from tutor_desktop.core.ocr.engine import TESSERACT_CODES, TesseractEngine

if TYPE_CHECKING:
    from tutor_desktop.core.doctor import Check

INSTALL_HINT = ("Debian/Ubuntu: sudo apt-get install tesseract-ocr tesseract-ocr-mon "
                "tesseract-ocr-eng; the Windows installer carries its own copy.")


def ocr_checks(engine: TesseractEngine) -> list[Check]:
    """One line per UI language: is its Tesseract data installed."""
    from tutor_desktop.core.doctor import Check, Status

    if engine.executable is None:
        return [Check("ocr", Status.WARN,
                      "Tesseract is not installed: scanned books and pictures cannot be read",
                      INSTALL_HINT)]
    installed = engine.installed_languages()
    results: list[Check] = []
    for language in LANGUAGES:
        code = TESSERACT_CODES.get(language)
        if code is None:
            continue
        if code in installed:
            results.append(Check(f"ocr:{language}", Status.OK,
                                 f"{engine.version or 'Tesseract'} ({code})"))
        else:
            results.append(Check(f"ocr:{language}", Status.WARN,
                                 f"no Tesseract data for {code}: scanned {language} pages "
                                 "cannot be read", f"sudo apt-get install tesseract-ocr-{code}"))
    return results
