"""Run slow work off the GUI thread and get the result back on it.

Scrypt hashing (~50 ms), roster imports, model loading and PDF imports must
never freeze the window, so every such call goes through here::

    from tutor_desktop.ui.background import run_in_background

    run_in_background(
        accounts.sign_in_student, student_id, pin,   # fn(*args, **kwargs) in a worker
        on_done=self._signed_in,                     # on_done(result), on the GUI thread
        on_error=self._show_error,                   # on_error(exc), on the GUI thread
        context=self,                                # callbacks dropped if self is deleted
    )

API
---
``run_in_background(fn, *args, on_done=None, on_error=None, context=None,
pool=None, **kwargs) -> BackgroundTask``

* ``fn`` runs on a worker thread of :func:`worker_pool` (or ``pool``). It must
  not touch widgets; core services are thread-safe (one reader connection per
  thread, one serialised writer).
* ``on_done(result)`` / ``on_error(exc)`` run later on the thread that called
  ``run_in_background`` (the GUI thread). An exception without ``on_error`` is
  logged, never lost silently.
* ``context``: a QObject (usually the calling widget). If it is destroyed
  before ``fn`` ends (the student signed out), the callbacks are skipped.
* The returned :class:`BackgroundTask` has ``finished`` (bool) and ``result``.

:func:`worker_pool` has more threads than cores on purpose: most jobs wait in C
(scrypt, llama.cpp, SQLite) with the GIL released, and a long job such as
loading a model must not starve a sign-in. For a job that runs for the life of
the app (a model server loop) prefer your own ``QThread``.

:func:`wait_for_background` blocks until all queued jobs ended (shutdown, tests).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

_POOL: QThreadPool | None = None
_PENDING: set[BackgroundTask] = set()


def worker_pool() -> QThreadPool:
    """The shared pool for UI background jobs (created on first use)."""
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool()
        _POOL.setMaxThreadCount(max(4, QThreadPool.globalInstance().maxThreadCount() * 2))
    return _POOL


class _Signals(QObject):
    """Emitted from the worker; lives on the caller's thread, so delivery is queued."""

    done = Signal(object)
    failed = Signal(object)


class _Receiver(QObject):
    """Child of ``context``: when the context dies, Qt disconnects the callbacks."""

    def __init__(self, task: BackgroundTask, parent: QObject | None) -> None:
        super().__init__(parent)
        self._task = task

    @Slot(object)
    def on_done(self, result: object) -> None:
        self._task._deliver(result, None)
        self.deleteLater()

    @Slot(object)
    def on_failed(self, error: object) -> None:
        self._task._deliver(None, error)
        self.deleteLater()


class BackgroundTask(QRunnable):
    """One call of ``fn`` on a worker thread (see the module docstring)."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                 on_done: Callable[[Any], None] | None,
                 on_error: Callable[[BaseException], None] | None,
                 context: QObject | None) -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python keeps it in _PENDING until delivered
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._on_done, self._on_error = on_done, on_error
        self.finished = False
        self.result: Any = None
        self.error: BaseException | None = None
        self._signals = _Signals()
        self._receiver = _Receiver(self, context)
        self._signals.done.connect(self._receiver.on_done)
        self._signals.failed.connect(self._receiver.on_failed)
        self._ran = False
        self._orphaned = False
        if context is not None:
            self._receiver.destroyed.connect(self._forget)

    def _forget(self, *_: object) -> None:
        # The context died: nobody will deliver, drop the task once the worker is done with it.
        self._orphaned = True
        if self._ran:
            _PENDING.discard(self)

    def run(self) -> None:  # worker thread
        try:
            result = self._fn(*self._args, **self._kwargs)
        except BaseException as exc:  # handed to on_error on the GUI thread
            self._signals.failed.emit(exc)
        else:
            self._signals.done.emit(result)
        self._ran = True
        if self._orphaned:
            _PENDING.discard(self)

    def _deliver(self, result: Any, error: object) -> None:  # GUI thread
        _PENDING.discard(self)
        self.finished = True
        self.result = result
        if isinstance(error, BaseException):
            self.error = error
            if self._on_error is not None:
                self._on_error(error)
            else:
                log.error("background job %r failed", self._fn, exc_info=error)
        elif self._on_done is not None:
            self._on_done(result)


def run_in_background(fn: Callable[..., Any], *args: Any,
                      on_done: Callable[[Any], None] | None = None,
                      on_error: Callable[[BaseException], None] | None = None,
                      context: QObject | None = None, pool: QThreadPool | None = None,
                      **kwargs: Any) -> BackgroundTask:
    """Run ``fn(*args, **kwargs)`` on a worker thread; call back on this thread."""
    task = BackgroundTask(fn, args, kwargs, on_done, on_error, context)
    _PENDING.add(task)
    (pool or worker_pool()).start(task)
    return task


def wait_for_background(timeout_ms: int = 30_000) -> bool:
    """Block until every job of the shared pool ended (their callbacks may still be queued)."""
    return worker_pool().waitForDone(timeout_ms)
