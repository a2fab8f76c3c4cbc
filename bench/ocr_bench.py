"""OCR benchmark: pages/s and character accuracy of Tesseract on textbook pages.

Pages of the sample books (Mongolian biology, English physics) are rendered with
pypdfium2 at 150 and 300 dpi, as a scanner would deliver them, and read twice in
the same run, alternating:

* raw: the ``tesseract`` program on a PNG file (``tesseract IMG stdout -l LANG``);
* app: :class:`tutor_desktop.core.ocr.TesseractEngine` (PNG over a pipe, TSV output
  parsed into text + confidence), what the import and the chat use.

Accuracy is difflib's ratio against the page's own PDF text layer after collapsing
whitespace (core/ocr/quality.py). Targets: Mongolian at 300 dpi >= 0.90 accuracy
(150 dpi is much worse, which is why the import renders Mongolian at 300); the
app's pages/s >= 0.9 x raw (the TSV parse and the pipe cost nothing noticeable).
Usage::

    .venv/bin/python bench/ocr_bench.py [--pages N] [--dpi 150 300] [--json]
    .venv/bin/python bench/ocr_bench.py --smoke     # one page per language, 150 dpi
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tutor_desktop.core.library.samples import generate_samples
from tutor_desktop.core.ocr import TesseractEngine, char_accuracy
from tutor_desktop.core.ocr.engine import tesseract_languages


def page_images(pdf: Path, dpi: int, pages: int) -> list[tuple[Any, str]]:
    """(greyscale PIL image, the page's text layer) for the first ``pages`` pages."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    out: list[tuple[Any, str]] = []
    try:
        for index in range(min(pages, len(document))):
            page = document[index]
            textpage = page.get_textpage()
            text = textpage.get_text_range().replace("\r\n", "\n")
            textpage.close()
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            out.append((image, text))
    finally:
        document.close()
    return out


def raw_tesseract(image: Any, language: str, dpi: int, folder: Path) -> tuple[str, float]:
    """The program itself on a PNG file: the baseline."""
    path = folder / "page.png"
    image.save(path, dpi=(dpi, dpi))
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    started = time.perf_counter()
    done = subprocess.run(["tesseract", str(path), "stdout", "-l",
                           tesseract_languages(language), "--dpi", str(dpi)],
                          capture_output=True, check=True, env=env)
    return done.stdout.decode("utf-8", "replace"), time.perf_counter() - started


def run(pages: int, dpis: list[int]) -> dict[str, Any]:
    engine = TesseractEngine()
    if engine.executable is None or shutil.which("tesseract") is None:
        raise SystemExit("tesseract is not installed: run installers/apt-deps.sh")
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        books = generate_samples(folder / "samples")
        for pdf, book in books:
            for dpi in dpis:
                app_s: list[float] = []
                raw_s: list[float] = []
                accuracy: list[float] = []
                raw_accuracy: list[float] = []
                confidence: list[float] = []
                for image, truth in page_images(pdf, dpi, pages):
                    raw_text, seconds = raw_tesseract(image, book.language, dpi, folder)
                    raw_s.append(seconds)
                    raw_accuracy.append(char_accuracy(truth, raw_text))
                    started = time.perf_counter()
                    result = engine.recognise(image, book.language, dpi=dpi)
                    app_s.append(time.perf_counter() - started)
                    accuracy.append(char_accuracy(truth, result.text))
                    confidence.append(result.confidence)
                results.append({
                    "language": book.language, "dpi": dpi, "pages": len(app_s),
                    "app_pages_per_s": round(len(app_s) / sum(app_s), 3),
                    "raw_pages_per_s": round(len(raw_s) / sum(raw_s), 3),
                    "app_vs_raw": round(sum(raw_s) / sum(app_s), 3),
                    "accuracy": round(statistics.mean(accuracy), 4),
                    "raw_accuracy": round(statistics.mean(raw_accuracy), 4),
                    "min_accuracy": round(min(accuracy), 4),
                    "confidence": round(statistics.mean(confidence), 3),
                })
    return {"tesseract": engine.version, "results": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=5, help="pages per book (default 5)")
    parser.add_argument("--dpi", type=int, nargs="+", default=[150, 300])
    parser.add_argument("--smoke", action="store_true",
                        help="one page per language at 150 dpi (seconds)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    pages, dpis = (1, [150]) if args.smoke else (args.pages, args.dpi)
    report = run(pages, dpis)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"OCR bench ({report['tesseract']}, OMP_THREAD_LIMIT=1)")
    print(f"{'lang':4} {'dpi':>4} {'pages':>5} {'app p/s':>8} {'raw p/s':>8} {'app/raw':>7} "
          f"{'accuracy':>8} {'raw acc':>7} {'min acc':>7} {'conf':>5}")
    for r in report["results"]:
        print(f"{r['language']:4} {r['dpi']:>4} {r['pages']:>5} {r['app_pages_per_s']:>8} "
              f"{r['raw_pages_per_s']:>8} {r['app_vs_raw']:>7} {r['accuracy']:>8} "
              f"{r['raw_accuracy']:>7} {r['min_accuracy']:>7} {r['confidence']:>5}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
