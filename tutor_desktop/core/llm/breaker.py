"""A circuit breaker per remote provider.

On a flaky 3G link a dead provider must not cost every student a 5-30 s wait
before the fallback answers: after a few consecutive failures we stop trying it
for a while (open), then let a trial request through (half-open) and trust it
again only after it has answered twice in a row (closed).

The clock is injectable so tests can move time without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum

Clock = Callable[[], float]


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


Listener = Callable[[str, BreakerState, BreakerState], None]


class CircuitBreaker:
    """Closed -> open after ``failure_threshold`` consecutive failures; open ->
    half-open after ``reset_after_s``; half-open -> closed after
    ``success_threshold`` successes, or back to open on any failure."""

    def __init__(self, name: str, *, failure_threshold: int = 5, reset_after_s: float = 30.0,
                 success_threshold: int = 2, clock: Clock = time.monotonic) -> None:
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_after_s = reset_after_s
        self.success_threshold = success_threshold
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._successes = 0
        self._opened_at = 0.0
        self._listeners: list[Listener] = []
        self.transitions: list[tuple[BreakerState, BreakerState]] = []

    def add_listener(self, listener: Listener) -> None:
        """``listener(name, old, new)`` runs on every state change (on the caller's thread)."""
        self._listeners.append(listener)

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._peek()

    @property
    def consecutive_failures(self) -> int:
        with self._lock:
            return self._failures

    def seconds_until_retry(self) -> float:
        """How long an open breaker still refuses calls (0 when it allows them)."""
        with self._lock:
            if self._peek() is not BreakerState.OPEN:
                return 0.0
            return max(0.0, self._opened_at + self.reset_after_s - self._clock())

    def allow(self) -> bool:
        """May a request go to this provider now? (Moves open -> half-open when due.)"""
        changes: list[tuple[BreakerState, BreakerState]] = []
        with self._lock:
            current = self._peek()
            if current is not self._state:
                changes.append(self._move(current))
            allowed = current is not BreakerState.OPEN
        self._notify(changes)
        return allowed

    def record_success(self) -> None:
        changes: list[tuple[BreakerState, BreakerState]] = []
        with self._lock:
            current = self._peek()
            if current is not self._state:
                changes.append(self._move(current))
            self._failures = 0
            if current is BreakerState.HALF_OPEN:
                self._successes += 1
                if self._successes >= self.success_threshold:
                    changes.append(self._move(BreakerState.CLOSED))
        self._notify(changes)

    def record_failure(self) -> None:
        changes: list[tuple[BreakerState, BreakerState]] = []
        with self._lock:
            current = self._peek()
            if current is not self._state:
                changes.append(self._move(current))
            self._failures += 1
            if current is BreakerState.HALF_OPEN or (
                    current is BreakerState.CLOSED and self._failures >= self.failure_threshold):
                self._opened_at = self._clock()
                changes.append(self._move(BreakerState.OPEN))
            elif current is BreakerState.OPEN:
                self._opened_at = self._clock()
        self._notify(changes)

    def reset(self) -> None:
        """Forget the history (a teacher changed the provider's key or URL)."""
        changes: list[tuple[BreakerState, BreakerState]] = []
        with self._lock:
            self._failures = 0
            if self._state is not BreakerState.CLOSED:
                changes.append(self._move(BreakerState.CLOSED))
        self._notify(changes)

    # -- internals (call with the lock held) ---------------------------------
    def _peek(self) -> BreakerState:
        if (self._state is BreakerState.OPEN
                and self._clock() - self._opened_at >= self.reset_after_s):
            return BreakerState.HALF_OPEN
        return self._state

    def _move(self, new: BreakerState) -> tuple[BreakerState, BreakerState]:
        old = self._state
        self._state = new
        self._successes = 0
        if new is BreakerState.CLOSED:
            self._failures = 0
        self.transitions.append((old, new))
        return old, new

    def _notify(self, changes: list[tuple[BreakerState, BreakerState]]) -> None:
        for old, new in changes:
            for listener in list(self._listeners):
                listener(self.name, old, new)

    def __repr__(self) -> str:
        return f"CircuitBreaker({self.name!r}, state={self.state.value})"
