"""Scanned copies of PDFs for the OCR import tests: every page rendered to a picture
and saved as an image-only PDF, as a school scanner would make it."""

from __future__ import annotations

from pathlib import Path


def scan_copy(source: Path, target: Path, *, dpi: int = 300,
              pages: list[int] | None = None) -> Path:
    """``source``'s pages (1-based ``pages``, default all) as greyscale page images only."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(source))
    try:
        numbers = pages or list(range(1, len(document) + 1))
        images = []
        for number in numbers:
            page = document[number - 1]
            images.append(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
            page.close()
    finally:
        document.close()
    images[0].save(target, save_all=True, append_images=images[1:], resolution=dpi)
    return target


def join_pdfs(parts: list[Path], target: Path) -> Path:
    """One PDF with the pages of ``parts`` in order (a book with some scanned pages)."""
    import pypdfium2 as pdfium

    merged = pdfium.PdfDocument.new()
    for part in parts:
        source = pdfium.PdfDocument(str(part))
        merged.import_pages(source)
        source.close()
    merged.save(str(target))
    merged.close()
    return target
