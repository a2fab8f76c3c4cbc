"""Optical character recognition with Tesseract: scanned textbook pages and photographed
problems become text on this PC (Mongolian Cyrillic and English)."""

from tutor_desktop.core.ocr.engine import (
    OcrError,
    OcrResult,
    TesseractEngine,
    tesseract_languages,
)
from tutor_desktop.core.ocr.images import MAX_OCR_PIXELS, load_image
from tutor_desktop.core.ocr.quality import char_accuracy

__all__ = ["MAX_OCR_PIXELS", "OcrError", "OcrResult", "TesseractEngine", "char_accuracy",
           "load_image", "tesseract_languages"]
