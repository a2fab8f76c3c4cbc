"""An import killed half-way is never searchable, and resumes where it stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from library_helpers import long_book

from tutor_desktop.cli.main import main as tutor


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
    killed_at = None
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            state = _progress(data_dir / "tutor.sqlite3")
            if state and state[0] == "importing" and state[2] >= 4:
                process.send_signal(signal.SIGKILL)
                killed_at = state
                break
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    assert killed_at is not None, "the import finished before it could be killed"
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
        finished = library.resume_pending(progress=seen.append)
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
