"""Textbook import speed (not a timed test).

Generates a 200-page textbook PDF (the sample chapters, varied per page),
then measures in the same run:

- PDF reading alone (pages/s);
- the raw embedder on exactly the passages the import will embed (chunks/s);
- a full import through :class:`Library` -- read, chunk, embed, store, publish
  (pages/s and chunks/s);

and prints the ratio end-to-end chunks/s / raw embedder chunks/s (target >= 0.9:
everything but the model should be noise). Also compares embedding one text
per call with llama.cpp's multi-sequence batching.

    python bench/ingest_bench.py [--pages 200] [--threads N]
    python bench/ingest_bench.py --smoke     # tiny sizes (or BENCH_SMOKE=1)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tutor_desktop.core.accounts import SYSTEM
from tutor_desktop.core.embeddings import LlamaEmbedder, ensure_default_embedder
from tutor_desktop.core.embeddings.text import normalize_for_embedding
from tutor_desktop.core.library import BookMeta, Library
from tutor_desktop.core.library.chunking import chunk_pages
from tutor_desktop.core.library.pdf import extract_pages
from tutor_desktop.core.library.samples import new_pdf, render_pages, sample_dir
from tutor_desktop.core.library.service import passage_text
from tutor_desktop.core.paths import install_dir
from tutor_desktop.core.storage import Database


def textbook(path: Path, pages: int) -> Path:
    """Both sample chapters, repeated with per-page lesson numbers, ``pages`` pages long."""
    sections: list[str] = []
    for name in ("biology7_photosynthesis_mn.txt", "physics8_forces_en.txt"):
        sections += (sample_dir() / name).read_text(encoding="utf-8").split("\n---\n")
    parts = []
    for number in range(pages):
        body = sections[number % len(sections)]
        parts.append(body.replace("## ", f"## {number + 1}. ", 1))
    pdf = new_pdf()
    render_pages(pdf, "\n---\n".join(parts))
    pdf.output(str(path))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--threads", type=int, default=0, help="embedder threads (0 = default)")
    parser.add_argument("--batch-compare", type=int, default=24,
                        help="texts for the one-by-one vs batched comparison (0 = skip)")
    parser.add_argument("--smoke", action="store_true",
                        default=os.environ.get("BENCH_SMOKE") == "1",
                        help="tiny sizes: only checks that the bench runs (make test)")
    args = parser.parse_args()
    if args.smoke:
        # One embedder thread: two spinning threads crawl when other work holds a core.
        args.pages, args.batch_compare, args.threads = 3, 4, 1

    model = ensure_default_embedder(install_dir() / "tests" / ".cache" / "models")
    embedder = LlamaEmbedder(model, n_threads=args.threads or None)
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as folder:
        pdf = textbook(Path(folder) / f"textbook-{args.pages}.pdf", args.pages)

        started = time.perf_counter()
        pages = extract_pages(pdf)
        read_s = time.perf_counter() - started
        drafts = chunk_pages(pages)
        texts = [passage_text(d.heading, d.text) for d in drafts]

        def raw_pass() -> float:
            """The embedder alone on the same passages, in the same batches as the import."""
            started = time.perf_counter()
            for start in range(0, len(texts), 8):
                embedder.embed_passages(texts[start:start + 8])
            return len(texts) / (time.perf_counter() - started)

        embedder.embed_passages(texts[:2])  # warm-up
        raw_before = raw_pass()

        db = Database(Path(folder) / "bench.sqlite3")
        library = Library(db, Path(folder) / "books", lambda: embedder)
        started = time.perf_counter()
        result = library.import_file(SYSTEM, pdf, BookMeta("Bench textbook", 8, "physics", "en"))
        import_s = time.perf_counter() - started
        library.close()
        db.close()
        # the machine is shared and noisy: measure the raw rate before AND after the import
        raw_after = raw_pass()
        raw_rate = (raw_before + raw_after) / 2

        comparison = ""
        if args.batch_compare:
            sample = [embedder._passage_prefix + normalize_for_embedding(t)
                      for t in texts[:args.batch_compare]]
            llama = embedder._llama
            started = time.perf_counter()
            for text in sample:
                llama.embed(text)
            single = len(sample) / (time.perf_counter() - started)
            started = time.perf_counter()
            llama.embed(sample)
            batched = len(sample) / (time.perf_counter() - started)
            comparison = (f"one text per call {single:.1f} texts/s vs one list per call "
                          f"{batched:.1f} texts/s (n_batch 512)")

    chunks = result.book.chunk_count
    end_to_end = chunks / import_s
    sample_tokens = [len(embedder._llama.tokenize(t.encode())) for t in texts[:50]]
    tokens = sum(sample_tokens) / max(1, len(sample_tokens))
    print(f"{args.pages} pages, {chunks} passages (~{tokens:.0f} tokens each), "
          f"{os.cpu_count()} CPUs, embedder threads {args.threads or 'default'}")
    print(f"PDF reading only: {args.pages / read_s:,.0f} pages/s")
    print(f"raw embedder: {raw_rate:.2f} chunks/s (before the import {raw_before:.2f}, "
          f"after {raw_after:.2f})")
    print(f"full import: {import_s:.1f} s = {args.pages / import_s:.2f} pages/s, "
          f"{end_to_end:.2f} chunks/s")
    print(f"ratio end-to-end / raw embedder: {end_to_end / raw_rate:.3f} (target >= 0.9: "
          f"{'MET' if end_to_end / raw_rate >= 0.9 else 'NOT MET'})")
    if comparison:
        print(comparison)
    embedder.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
