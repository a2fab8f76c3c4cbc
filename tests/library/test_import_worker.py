"""A book import's passages are embedded in a worker process (its OpenMP threads may spin,
the app's must not): same vectors, nothing lost when the worker is killed, gone after."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from library_helpers import link_into, long_book
from staff import as_teacher

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").exists(),
                                reason="the worker is found through /proc (Linux)")


def embedding_workers() -> list[int]:
    """This test process's children that run the import worker."""
    pids: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for pid in map(int, children):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"import_worker" in command or b"--embed-worker" in command:
                pids.append(pid)
    return pids


@pytest.mark.timeout(600)
def test_an_import_survives_its_embedding_worker_being_killed(
        e5_path: Path, embedder: Any, tmp_path: Path) -> None:
    """The worker is killed after the first batch (out of memory, ended in the task
    manager): the import carries on in a new worker, the book is searchable, and every
    stored vector is the one llama.cpp in this process computes for that passage."""
    from tutor_desktop.core.embeddings import open_default_embedder
    from tutor_desktop.core.library import BookMeta, Library
    from tutor_desktop.core.library.service import passage_text
    from tutor_desktop.core.retrieval.hybrid import HybridRetriever
    from tutor_desktop.core.storage import Database

    models = tmp_path / "models"
    link_into(e5_path, models)
    lazy = open_default_embedder([models], models)
    assert lazy is not None
    db = Database(tmp_path / "tutor.sqlite3")
    library = Library(db, tmp_path / "books", lambda: lazy)
    book = long_book(tmp_path / "physics-long.pdf", pages=6)
    seen: set[int] = set()
    killed: list[int] = []

    def on_progress(progress: Any) -> None:
        workers = embedding_workers()
        seen.update(workers)
        if progress.stage == "embedding" and progress.chunks_done > 0 and not killed:
            assert len(workers) == 1, workers
            os.kill(workers[0], signal.SIGKILL)
            killed.append(workers[0])

    try:
        result = library.import_file(as_teacher(), book,
                                     BookMeta("Physics 8 long", 8, "physics", "en"),
                                     progress=on_progress)
        assert killed, "the import ended before its worker could be killed"
        assert result.book.status == "ready"
        assert result.book.embedded_count == result.book.chunk_count
        assert len(seen) == 2 and killed[0] in seen  # a second worker finished the book
        rows = db.query("SELECT rowid, heading, text FROM chunks ORDER BY ordinal")
        stored = dict(library.vectors.vectors([int(r["rowid"]) for r in rows]))
        assert len(stored) == len(rows)
        here = embedder.embed_passages([passage_text(r["heading"], r["text"]) for r in rows])
        for row, expected in zip(rows, here, strict=True):
            vector = np.frombuffer(stored[int(row["rowid"])], dtype=np.float32)
            assert float(vector @ expected) > 0.99999
        hits = HybridRetriever(db, lambda: lazy).search("marker3", grade=8, k=3)
        assert hits and hits[0].page_start == 3
    finally:
        library.close()
        lazy.close()
        db.close()
    assert embedding_workers() == []  # closing the embedder ends the worker


def test_the_worker_may_spin_while_the_app_keeps_its_threads_asleep() -> None:
    """The worker's environment lets OpenMP spin; the app's own keeps its threads asleep,
    and a policy set by IT reaches both."""
    from tutor_desktop.core import cpu

    saved = {k: os.environ.get(k) for k in ("OMP_WAIT_POLICY", "TUTOR_OPENMP_POLICY_BY_APP",
                                            "TUTOR_OPENMP_DEFAULT")}
    try:
        for key in saved:
            os.environ.pop(key, None)
        cpu.prepare_openmp()
        assert os.environ["OMP_WAIT_POLICY"] == "passive"
        worker = cpu.spinning_environment()
        assert "OMP_WAIT_POLICY" not in worker and worker["TUTOR_OPENMP_DEFAULT"] == "1"
        os.environ.pop("TUTOR_OPENMP_POLICY_BY_APP")
        os.environ["OMP_WAIT_POLICY"] = "active"  # IT's choice
        cpu.prepare_openmp()
        assert cpu.spinning_environment()["OMP_WAIT_POLICY"] == "active"
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_the_packaged_executable_is_its_own_worker(e5_path: Path, embedder: Any,
                                                   tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """In the PyInstaller build there is no ``python -c``: the worker is the ``tutor``
    executable started with ``--embed-worker`` (installers/tutor_entry.py). Here a script
    standing in for that executable runs the real entry file; the vectors are llama.cpp's."""
    import sys

    from tutor_desktop.core.embeddings.import_worker import WORKER_FLAG, WorkerEmbedder

    root = Path(__file__).resolve().parents[2]
    executable = tmp_path / "tutor"
    executable.write_text(f'#!/bin/sh\nPYTHONPATH="{root}" exec "{sys.executable}" '
                          f'"{root}/installers/tutor_entry.py" "$@"\n')
    executable.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(executable))
    worker = WorkerEmbedder(e5_path, threads=1)
    try:
        command = Path(f"/proc/{worker.pid}/cmdline").read_bytes().split(b"\0")
        assert WORKER_FLAG.encode() in command
        texts = ["Хлорофилл нарны гэрлийг шингээдэг.", "A lever lifts a heavy stone."]
        vectors = worker.embed_passages(texts)
    finally:
        worker.close()
    assert np.allclose(vectors, embedder.embed_passages(texts), atol=1e-5)


def test_the_worker_drops_to_one_thread_on_a_busy_pc_and_back_when_quiet() -> None:
    """Fed what a quiet and then a busy PC show: characters per second, and the share
    of its threads' time the batch got (another program on a core halves it)."""
    from tutor_desktop.core.embeddings.import_worker import REPROBE_EVERY, ThreadChooser

    speeds = {"quiet": {2: 1000.0, 1: 600.0}, "busy": {2: 300.0, 1: 550.0}}
    shares = {"quiet": {2: 0.97, 1: 0.99}, "busy": {2: 0.5, 1: 0.9}}
    chooser = ThreadChooser(2)
    used: list[int] = []

    def batch(pc: str) -> None:
        threads = chooser.next()
        used.append(threads)
        seconds = 8000 / speeds[pc][threads]
        chooser.record(threads, 8000, seconds, shares[pc][threads] * seconds * threads)

    for _ in range(4):
        batch("quiet")
    assert used == [2, 2, 2, 2]           # the cores are free: no slower probe at all
    used.clear()
    for _ in range(4):
        batch("busy")
    assert used[:2] == [2, 1]             # another program took a core: one thread tried
    assert used[-2:] == [1, 1]            # and kept, being faster now
    used.clear()
    for _ in range(REPROBE_EVERY + 3):
        batch("quiet")
    assert used[-2:] == [2, 2]            # quiet again: both threads back
    assert ThreadChooser(1).next() == 1   # a one-core PC has nothing to choose


def test_the_passage_engine_starts_while_the_pdf_is_read_and_is_freed_if_unused(
        tmp_path: Path) -> None:
    """An import asks for the passage engine before it reads the PDF, so the worker's
    start overlaps the reading; an engine nobody then uses (no text, a cancelled import)
    is freed after the idle time like any other, and one asked for as the app closes
    never starts."""
    import threading
    import time

    from tutor_desktop.core.embeddings.llama_embedder import LazyEmbedder

    started: list[float] = []
    closed: list[float] = []
    gate = threading.Event()

    class Engine:
        dim = 4

        def __init__(self, path: Path) -> None:
            gate.wait(10)
            started.append(time.monotonic())

        def close(self) -> None:
            closed.append(time.monotonic())

    factory: Any = Engine               # a stand-in engine: only its start and close count
    lazy = LazyEmbedder(tmp_path / "e5.gguf", factory, release_after_s=0.3)
    lazy.prefetch()
    time.sleep(0.05)
    assert started == []                 # the caller did not wait for the start
    gate.set()
    deadline = time.monotonic() + 10
    while (not closed or lazy.loaded) and time.monotonic() < deadline:  # release ends
        time.sleep(0.02)
    assert len(started) == 1 and len(closed) == 1, "started once, freed when left idle"
    assert not lazy.loaded

    late = LazyEmbedder(tmp_path / "e5.gguf", factory, release_after_s=0.3)
    late.close()
    late.prefetch()
    time.sleep(0.3)
    assert len(started) == 1 and not late.loaded   # nothing starts after close
