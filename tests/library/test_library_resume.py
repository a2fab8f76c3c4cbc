"""An import killed half-way is never searchable, and resumes where it stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from library_helpers import long_book
from staff import as_teacher

from tutor_desktop.cli.main import main as tutor


def _kill_when(process: subprocess.Popen[bytes], seconds: float,
               ready: Callable[[], bool]) -> bool:
    """SIGKILL ``process`` (a power cut) as soon as ``ready()``; True if it was killed
    then, False if it ended or the time ran out first. The process is gone either way."""
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and process.poll() is None:
            if ready():
                process.send_signal(signal.SIGKILL)
                return True
            time.sleep(0.05)
        return False
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def _progress(db_file: Path) -> tuple[str, int, int] | None:
    from tutor_desktop.core.storage import open_connection

    if not db_file.exists():
        return None
    conn = open_connection(db_file)
    try:
        row = conn.execute(
            "SELECT t.status, (SELECT count(*) FROM chunks c WHERE c.textbook_id = t.id), "
            "(SELECT count(*) FROM chunks c WHERE c.textbook_id = t.id AND c.embedded = 1) "
            "FROM textbooks t").fetchone()
    except Exception:  # not migrated yet
        return None
    finally:
        conn.close()
    return (str(row[0]), int(row[1]), int(row[2])) if row else None


@pytest.mark.timeout(900)
def test_kill_during_import_then_resume(data_dir: Path, embedder_installed: Path,
                                        tmp_path: Path, embedder: Any,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    book = long_book(tmp_path / "physics-long.pdf", pages=20)
    env = {**os.environ, "TUTOR_EMBED_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor_desktop.cli.main", "--data-dir", str(data_dir),
         "library", "add", str(book), "--grade", "8", "--subject", "physics", "--lang", "en",
         "--title", "Physics 8 long"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed = _kill_when(process, 300, lambda: (
        state := _progress(data_dir / "tutor.sqlite3")) is not None
        and state[0] == "importing" and state[2] >= 4)
    assert killed, "the import finished before it could be killed"
    status, total, embedded_then = _progress(data_dir / "tutor.sqlite3") or ("", 0, 0)
    assert status == "importing" and 0 < embedded_then < total

    # nothing half-imported is searchable, by keyword or by meaning
    code = tutor(["--data-dir", str(data_dir), "library", "search", "marker3 Newton", "--json"])
    captured = capsys.readouterr()
    assert code == 0 and json.loads(captured.out)["hits"] == []
    assert "not fully indexed yet" in captured.err
    code = tutor(["--data-dir", str(data_dir), "library", "list", "--json"])
    assert json.loads(capsys.readouterr().out)[0]["status"] == "importing"

    # resume (what the GUI does at start, or `tutor library resume`)
    from tutor_desktop.composition import build_services

    services = build_services(data_dir)
    try:
        library = services.library
        seen: list[Any] = []
        finished = library.resume_pending(as_teacher(), progress=seen.append)
        assert [b.title for b in finished] == ["Physics 8 long"]
        first_embedding = next(p for p in seen if p.stage == "embedding")
        assert first_embedding.chunks_done >= embedded_then  # kept what was done
        book_row = finished[0]
        assert book_row.status == "ready" and book_row.embedded_count == book_row.chunk_count
        assert library.vectors.count() == book_row.chunk_count
        assert services.db.query_one("SELECT count(*) FROM chunk_staging")[0] == 0
        hits = services.retriever.search("marker3", grade=8, k=3)
        assert hits and hits[0].page_start == 3
    finally:
        services.close()


def _ocr_state(db_file: Path) -> tuple[int, int]:
    """(pages recognised so far, unfinished import jobs) as another process sees them."""
    from tutor_desktop.core.storage import open_connection

    if not db_file.exists():
        return (0, 0)
    conn = open_connection(db_file)
    try:
        pages = conn.execute("SELECT count(*) FROM ocr_pages").fetchone()[0]
        jobs = conn.execute("SELECT count(*) FROM import_jobs").fetchone()[0]
    except Exception:  # not migrated yet
        return (0, 0)
    finally:
        conn.close()
    return (int(pages), int(jobs))


@pytest.mark.timeout(900)
def test_a_scanned_book_killed_during_ocr_finishes_by_itself_at_next_start(
        data_dir: Path, embedder_installed: Path, tmp_path: Path) -> None:
    """The teacher imports a scanned book from a USB stick; the PC is switched off while
    Tesseract reads it, and the stick taken away. At the next start the import finishes
    from the copy the library kept, re-reading none of the pages already read."""
    from library_helpers import text_pdf
    from ocr_scans import scan_copy

    stick = tmp_path / "usb"
    stick.mkdir()
    pages = [f"Lesson {n}\nThe lever number {n} lifts a heavy stone with a small force. " * 3
             for n in range(1, 5)]
    scanned = scan_copy(text_pdf(tmp_path / "printed.pdf", pages), stick / "levers.pdf",
                        dpi=150)
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor_desktop.cli.main", "--data-dir", str(data_dir),
         "library", "add", str(scanned), "--grade", "8", "--subject", "physics", "--lang", "en",
         "--title", "Levers 8"],
        env={**os.environ, "TUTOR_EMBED_THREADS": "1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _kill_when(process, 600, lambda: _ocr_state(data_dir / "tutor.sqlite3")[0] >= 1
               and _ocr_state(data_dir / "tutor.sqlite3")[1] == 1)
    read_before = _ocr_state(data_dir / "tutor.sqlite3")[0]
    assert 1 <= read_before < 4, "the import must be killed while pages are being read"
    scanned.unlink()  # the stick is gone

    from tutor_desktop.composition import build_services

    services = build_services(data_dir)
    try:
        library = services.library
        assert library.books() == [], "nothing half-imported is listed"
        assert library.has_unfinished_work()
        first_read = {r["page"]: r["created_at"] for r in services.db.query(
            "SELECT page, created_at FROM ocr_pages")}
        seen: list[Any] = []
        finished = library.resume_pending(as_teacher(), progress=seen.append)
        assert [b.title for b in finished] == ["Levers 8"]
        book = finished[0]
        assert book.status == "ready" and book.grade == 8 and book.subject == "physics"
        assert book.embedded_count == book.chunk_count > 0
        after = {r["page"]: r["created_at"] for r in services.db.query(
            "SELECT page, created_at FROM ocr_pages")}
        assert sorted(after) == [1, 2, 3, 4]
        assert all(after[page] == stamp for page, stamp in first_read.items()), \
            "pages read before the kill are not read again"
        assert services.db.query_one("SELECT count(*) FROM import_jobs")[0] == 0
        assert not any((library.library_dir / "incoming").iterdir()), "the kept copy is gone"
        hits = services.retriever.search("lever lifts a heavy stone", grade=8, k=3)
        assert hits and hits[0].textbook_id == book.id
        assert not library.has_unfinished_work()
    finally:
        services.close()
