"""Slow work runs on a worker thread and its result comes back on the GUI thread."""

from __future__ import annotations

import threading
import time
from typing import cast

from PySide6.QtCore import QObject, QTimer

from tutor_desktop.ui.background import run_in_background, wait_for_background


def test_result_and_error_come_back_on_the_gui_thread(qtbot) -> None:
    gui_thread = threading.get_ident()
    seen: dict[str, object] = {}

    def slow(x: int) -> tuple[int, int]:
        time.sleep(0.05)
        return x * 2, threading.get_ident()

    def boom() -> None:
        raise ValueError("bad roster")

    run_in_background(slow, 21, on_done=lambda r: seen.update(done=r,
                                                              thread=threading.get_ident()))
    run_in_background(boom, on_error=lambda e: seen.update(error=e))
    qtbot.waitUntil(lambda: "done" in seen and "error" in seen, timeout=5_000)
    value, worker_thread = cast("tuple[int, int]", seen["done"])
    assert value == 42 and worker_thread != gui_thread
    assert seen["thread"] == gui_thread
    assert isinstance(seen["error"], ValueError)


def test_the_gui_stays_responsive_while_work_runs(qtbot) -> None:
    """The job cannot end until the test lets it: whatever the PC's speed, the call must
    return first and the GUI thread's timers must keep firing meanwhile."""
    gate = threading.Event()
    started = threading.Event()

    def job() -> str:
        started.set()
        gate.wait(30)
        return "done"

    task = run_in_background(job)
    assert not task.finished  # the caller never waits for the job
    assert started.wait(10)
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=10_000)  # the event loop runs
    timer.stop()
    assert not task.finished
    gate.set()
    qtbot.waitUntil(lambda: task.finished, timeout=10_000)
    assert task.result == "done"


def test_callbacks_are_dropped_when_the_context_is_gone(qtbot) -> None:
    context = QObject()
    calls: list[object] = []
    gate = threading.Event()
    run_in_background(gate.wait, 5, on_done=calls.append, context=context)
    context.deleteLater()
    qtbot.wait(50)  # the context is deleted while the job still runs
    gate.set()
    assert wait_for_background(5_000)
    qtbot.wait(100)
    assert calls == []
