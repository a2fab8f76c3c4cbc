"""Runs one tutor answer on a worker thread and hands its text to the GUI in batches.

The model produces ~20-80 tokens a second; re-rendering Markdown and maths for
each one would make the window stutter. The worker only appends to a buffer;
a 50 ms timer on the GUI thread takes whatever arrived and emits one
``text_changed`` with the whole answer so far. The GUI thread never waits on
the model: stopping sets an event the engine checks between tokens.

The textbook passages the answer is grounded on are known before the model
writes its first token; they arrive at once as ``sources_found`` so the
student reads the textbook's own words while the (possibly slow) model works.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QTimer, Signal, Slot

from tutor_desktop.ui.background import worker_pool

log = logging.getLogger(__name__)

FLUSH_MS = 50
SourcesCallback = Callable[[list[dict[str, Any]]], None]
# fn(on_delta, stop_event, on_sources) -> TutorReply; runs on the worker thread.
AnswerJob = Callable[[Callable[[str], None], threading.Event, SourcesCallback], Any]


class _Bridge(QObject):
    """Lives on the GUI thread; the worker emits through it (queued connections)."""

    finished = Signal(object, object)  # (reply, exception)
    sources = Signal(object)           # list of passage records


class _Runnable(QRunnable):
    def __init__(self, job: AnswerJob, worker: ChatWorker) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._job = job
        self._worker = worker
        self._bridge = worker._bridge

    def run(self) -> None:
        reply: Any = None
        error: BaseException | None = None
        try:
            reply = self._job(self._worker._append, self._worker.stop_event,
                              self._report_sources)
        except Exception as exc:  # shown to the student, never lost
            error = exc
        with contextlib.suppress(RuntimeError):  # the view was closed meanwhile
            self._bridge.finished.emit(reply, error)

    def _report_sources(self, passages: list[dict[str, Any]]) -> None:
        with contextlib.suppress(RuntimeError):
            self._bridge.sources.emit(list(passages))


class ChatWorker(QObject):
    """One answer in flight. Signals arrive on the GUI thread:

    * ``sources_found(list)``: the passages the answer draws on, before its first words;
    * ``text_changed(str)``: the whole answer so far, at most every 50 ms;
    * ``done(reply)`` / ``failed(exception)``: once, after the last ``text_changed``.
    """

    sources_found = Signal(object)
    text_changed = Signal(str)
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, job: AnswerJob, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stop_event = threading.Event()
        self._job = job
        self._lock = threading.Lock()
        self._text: list[str] = []
        self._dirty = False
        self._bridge = _Bridge()
        self._bridge.finished.connect(self._finish)
        self._bridge.sources.connect(self.sources_found)
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self._flush)
        self.running = False

    def start(self) -> None:
        self.running = True
        self._timer.start()
        worker_pool().start(_Runnable(self._job, self))

    def stop(self) -> None:
        """Ask the engine to stop after the current token (the partial answer is kept)."""
        self.stop_event.set()

    def text(self) -> str:
        with self._lock:
            return "".join(self._text)

    def _append(self, piece: str) -> None:  # worker thread
        with self._lock:
            self._text.append(piece)
            self._dirty = True

    @Slot()
    def _flush(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            self._dirty = False
            text = "".join(self._text)
        self.text_changed.emit(text)

    @Slot(object, object)
    def _finish(self, reply: Any, error: BaseException | None) -> None:
        self._timer.stop()
        self._flush()
        self.running = False
        if error is not None:
            self.failed.emit(error)
        else:
            self.done.emit(reply)
