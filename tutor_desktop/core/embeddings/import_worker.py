"""A book import's passages are embedded in a short-lived worker process.

Why a process: the app keeps llama.cpp's OpenMP threads *sleeping* at barriers
(:mod:`tutor_desktop.core.cpu`), so a student's question never costs a busy two-core PC
seconds of spinning. OpenMP reads that policy once per process, and on a quiet PC the
sleeping threads may cost a bulk import up to a third of its speed: one quiet run of
``bench/memory_bench.py`` measured 1.9 passages/s with 2 sleeping threads against 2.9 with
spinning ones (and 3.3 for the embedder as the app ran it before the memory diet). The
worker is started with OpenMP's default policy
(:func:`~tutor_desktop.core.cpu.spinning_environment`) and only turns texts into vectors;
the app stays the one database writer, so killing the worker or the app loses nothing (the
import resumes from the passages already stored), and the worker's exit hands back all of
llama.cpp's memory (tokenizer, output buffer) at once.

Measured (``bench/memory_bench.py --pages 10 --questions 50``, load 2.7-4.8 on 2 cores):
the embedder as before the diet (512/512/512, OpenMP default, in the app) 0.6-0.7
passages/s and 1.1 s a question; this worker 0.9-2.2 passages/s for 20 passages (its
~1.5 s start included) and 1.6-2.5 for a 10-page book; the app's peak during that import
128 MB (the worker's 511 MB, all returned when it ends). Vectors identical. Alone on the
PC (load 0.3) 2 threads did 3.5 passages/s spinning, 3.8 sleeping, 2.5 with 1 thread:
single runs vary +-40 %. Also measured and not taken: several passages per llama.cpp call
(0.6-0.7 passages/s, 1.3 GB), ``GOMP_SPINCOUNT`` 3,000 / 30,000 with the passive policy
(no better than passive), llama.cpp built without OpenMP (its own thread pool polls
without sleeping inside a graph: a question took 82 ms on a busy PC against 38 ms with
sleeping OpenMP threads, and every PC would need that build).

Spinning threads are what made questions slow on a busy PC, so the worker also measures
itself (:class:`ThreadChooser`): while its batches get their whole share of the cores it
keeps every thread; when another program takes a core it tries a single thread (which
never waits at a barrier) and keeps whichever embedded more characters per second, and a
PC that gets quiet again gets both threads back within a few batches. The same book, before
the diet and now (``bench/memory_bench.py --pages 30``, load 1.6): 5.3 and 5.0 passages/s
(0.94x), the worker's start included.
Vectors do not depend on the thread count (each output row is computed by one thread).

Protocol on the worker's stdin/stdout: frames of a 4-byte big-endian length and a UTF-8
JSON header, a reply header followed by ``rows x dim`` little-endian float32s. The
worker's own stdout (fd 1) is pointed at stderr so nothing llama.cpp prints can corrupt
the frames. In the PyInstaller build the worker is the ``tutor`` executable itself,
started with :data:`WORKER_FLAG` (``installers/tutor_entry.py``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from tutor_desktop.core.cpu import spinning_environment
from tutor_desktop.core.embeddings.base import Embedder, Vector
from tutor_desktop.core.embeddings.fingerprint import gguf_fingerprint
from tutor_desktop.core.embeddings.llama_embedder import (
    LlamaEmbedder,
    default_threads,
    model_id_for,
)

log = logging.getLogger(__name__)

#: argv[1] of the frozen executable that makes it an embedding worker.
WORKER_FLAG = "--embed-worker"
_HEADER = struct.Struct(">I")
#: Batches on 1 thread before every thread is tried again.
REPROBE_EVERY = 6
#: A batch whose threads ran this share of its wall time had the cores to itself.
FULL_SHARE = 0.8


class WorkerFailed(RuntimeError):
    """The worker could not start, or ended while embedding (killed, out of memory)."""


def send_frame(stream: IO[bytes], header: dict[str, Any], payload: bytes = b"") -> None:
    data = json.dumps(header).encode("utf-8")
    stream.write(_HEADER.pack(len(data)) + data + payload)
    stream.flush()


def read_exact(stream: IO[bytes], size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("stream ended")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive_frame(stream: IO[bytes]) -> dict[str, Any]:
    (size,) = _HEADER.unpack(read_exact(stream, _HEADER.size))
    header: dict[str, Any] = json.loads(read_exact(stream, size).decode("utf-8"))
    return header


class ThreadChooser:
    """Picks the thread count of each batch from what the last batches showed.

    Starts with ``most`` threads (right on a quiet PC) and stays there while the PC gives
    the worker every core: a batch that ran for at least :data:`FULL_SHARE` of its
    threads' time (CPU seconds / wall seconds / threads) had nobody else on the cores,
    so one thread could only be slower. Probing one thread on such a PC cost a fifth of
    a quiet import for nothing (``bench/memory_bench.py``). When another program takes a
    core the share drops; then one thread is tried and the faster kept, and on one
    thread ``most`` is tried again every :data:`REPROBE_EVERY` batches in case the PC got
    quiet."""

    def __init__(self, most: int) -> None:
        self.most = max(1, most)
        self.rates: dict[int, float] = {}
        self.since_most = 0
        self.last: tuple[int, float] | None = None     # (threads, share) of the last batch

    def next(self) -> int:
        most = self.most
        if most == 1:
            return 1
        if self.last is None or self.last[0] == most:
            if self.last is None or self.last[1] >= FULL_SHARE:
                return most                      # every core was ours
            if 1 not in self.rates:
                return 1                         # another program is on a core: try one
            return most if self.rates[most] >= self.rates[1] else 1
        if self.since_most >= REPROBE_EVERY:
            return most
        return most if self.rates.get(most, 0.0) >= self.rates[1] else 1

    def record(self, threads: int, characters: int, seconds: float,
               cpu_seconds: float | None = None) -> None:
        """One batch: its size, wall time and the process's CPU time (all threads); a
        batch without a CPU time counts as contended, so the rates decide."""
        self.since_most = 0 if threads == self.most else self.since_most + 1
        wall = max(seconds, 1e-6)
        self.rates[threads] = characters / wall     # the latest: the PC's load changes
        share = 0.0 if cpu_seconds is None else cpu_seconds / (wall * threads)
        self.last = (threads, share)


def serve(argv: Sequence[str] | None = None) -> int:
    """The worker: ``MODEL_PATH THREADS``; embeds each request until stdin closes."""
    args = list(sys.argv[1:] if argv is None else argv)
    model, most = Path(args[0]), int(args[1])
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever the engine prints goes to stderr, never into a frame
    requests = sys.stdin.buffer
    embedder = LlamaEmbedder(model, n_threads=most)
    chooser = ThreadChooser(most)
    send_frame(replies, {"dim": embedder.dim, "pid": os.getpid()})
    while True:
        try:
            request = receive_frame(requests)
        except EOFError:
            break
        texts: list[str] = request["texts"]
        threads = chooser.next()
        embedder.set_threads(threads)
        started, cpu_started = time.perf_counter(), time.process_time()
        if request.get("kind") == "query":
            vectors = np.vstack([embedder.embed_query(t) for t in texts])
        else:
            vectors = embedder.embed_passages(texts)
        chooser.record(threads, sum(map(len, texts)), time.perf_counter() - started,
                       time.process_time() - cpu_started)
        block = np.ascontiguousarray(vectors, dtype="<f4")
        send_frame(replies, {"rows": block.shape[0], "threads": threads}, block.tobytes())
    embedder.close()
    return 0


def worker_command(model: Path, threads: int) -> list[str]:
    """How to start a worker: the frozen executable with :data:`WORKER_FLAG`, else this
    Python running :func:`serve`."""
    if getattr(sys, "frozen", False):
        return [sys.executable, WORKER_FLAG, str(model), str(threads)]
    return [sys.executable, "-c",
            "from tutor_desktop.core.embeddings.import_worker import serve; "
            "raise SystemExit(serve())", str(model), str(threads)]


class WorkerEmbedder:
    """The passage engine of an import, in a worker process (see the module notes).

    If the worker ends mid-batch (killed, out of memory) it is started again and the batch
    sent once more; a second failure raises :class:`WorkerFailed`, and the import, whose
    finished batches are stored, resumes later. :meth:`close` ends the worker.
    """

    def __init__(self, model_path: Path, *, threads: int | None = None) -> None:
        self.model_path = Path(model_path)
        self._threads = threads or default_threads()
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._dim = 0
        self.starts = 0                         # workers started (tests and bench read it)
        self.last_threads = 0                   # thread count of the last batch
        with self._lock:
            self._start()

    @property
    def pid(self) -> int | None:
        """The running worker's process id (None between a failure and the next batch)."""
        return self._process.pid if self._process is not None else None

    def _start(self) -> None:
        package_root = str(Path(__file__).resolve().parents[3])
        env = spinning_environment()
        if not getattr(sys, "frozen", False):  # the child imports this same code
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (package_root, env.get("PYTHONPATH", "")) if p)
        try:
            process = subprocess.Popen(worker_command(self.model_path, self._threads),
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       env=env,
                                       # no console window flashing up on Windows
                                       creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
        except OSError as exc:
            raise WorkerFailed(f"embedding worker did not start: {exc}") from exc
        self._process = process
        self.starts += 1
        try:
            assert process.stdout is not None
            hello = receive_frame(process.stdout)
        except (EOFError, ValueError) as exc:
            self._stop()
            raise WorkerFailed("embedding worker ended while loading the model") from exc
        self._dim = int(hello["dim"])

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @property
    def model_id(self) -> str:
        return model_id_for(self.model_path)

    @property
    def weights_fingerprint(self) -> str:
        return gguf_fingerprint(self.model_path)

    @property
    def dim(self) -> int:
        return self._dim

    def _ask(self, kind: str, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        with self._lock:
            for attempt in (1, 2):
                if self._process is None:
                    self._start()
                process = self._process
                assert process is not None and process.stdin and process.stdout
                try:
                    send_frame(process.stdin, {"kind": kind, "texts": list(texts)})
                    header = receive_frame(process.stdout)
                    rows = int(header["rows"])
                    data = read_exact(process.stdout, rows * self._dim * 4)
                except (OSError, EOFError, ValueError) as exc:
                    log.warning("embedding worker %s ended (%s)", process.pid, exc)
                    self._stop()
                    if attempt == 2:
                        raise WorkerFailed("embedding worker ended twice") from exc
                    continue
                self.last_threads = int(header["threads"])
                vectors: npt.NDArray[np.float32] = np.frombuffer(
                    data, dtype="<f4").reshape(rows, self._dim).astype(np.float32)
                return vectors
        raise AssertionError("unreachable")

    def embed_query(self, text: str) -> Vector:
        vector: Vector = self._ask("query", [text])[0]
        return vector

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return self._ask("passages", texts)

    def close(self) -> None:
        with self._lock:
            self._stop()


def passage_engine(model_path: Path) -> Embedder:
    """The import's engine: a worker process, or llama.cpp in this process when no worker
    can start here (the import is then slower on a quiet PC, never lost)."""
    try:
        return WorkerEmbedder(model_path)
    except WorkerFailed:
        log.exception("no embedding worker; this process embeds the import")
        return LlamaEmbedder(model_path)
