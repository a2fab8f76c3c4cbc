"""Fair use: at most N questions and M voice recordings per student per minute.

A lab PC is shared by a class and one model answers everyone; a student who sends
question after question (or holds the microphone button) slows the answers for all.
Past the limit the student reads «Бага хүлээнэ үү (30 секунд)» with a countdown and
the input unlocks by itself. Limits are class settings beside the daily limit (0 = no
limit); staff are never limited.

Questions are counted from the stored messages, so the window and ``tutor chat`` share
one count; recordings are not stored (only their text is), so they are counted in memory
for this app run.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from tutor_desktop.core.accounts import AccountService, Session
from tutor_desktop.core.errors import NotAllowed
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.storage import Database
from tutor_desktop.core.storage.ids import utc_now
from tutor_desktop.core.sync.outbox import record_change

DEFAULT_QUESTIONS_PER_MINUTE = 30
DEFAULT_RECORDINGS_PER_MINUTE = 10
WINDOW_SECONDS = 60.0


class RateLimited(TutorError):
    """Too many questions or recordings this minute; ``seconds`` until the next is allowed."""

    def __init__(self, seconds: int, kind: str = "question") -> None:
        super().__init__("rate_limited", seconds=seconds)
        self.seconds = seconds
        self.kind = kind


@dataclass(frozen=True)
class FairUseLimits:
    questions_per_minute: int = DEFAULT_QUESTIONS_PER_MINUTE
    recordings_per_minute: int = DEFAULT_RECORDINGS_PER_MINUTE


def _wait(times: list[float], limit: int, now: float, window: float) -> int:
    """Seconds until one more fits: the (n-limit+1)-th newest must leave the window."""
    if limit <= 0 or len(times) < limit:
        return 0
    oldest_that_must_go = sorted(times)[len(times) - limit]
    return max(1, math.ceil(window - (now - oldest_that_must_go)))


class FairUse:
    def __init__(self, db: Database, accounts: AccountService, *,
                 window_seconds: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.accounts = accounts
        self.window = window_seconds
        self.clock = clock
        self._recordings: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    # -- settings -------------------------------------------------------------
    def limits(self, class_id: str | None) -> FairUseLimits:
        if class_id is None:
            return FairUseLimits()
        row = self.db.query_one("SELECT questions_per_minute, recordings_per_minute "
                                "FROM class_fair_use WHERE class_id = ?", (class_id,))
        if row is None:
            return FairUseLimits()
        return FairUseLimits(int(row[0]), int(row[1]))

    def set_limits(self, session: Session, class_id: str, *,
                   questions_per_minute: int | None = None,
                   recordings_per_minute: int | None = None) -> FairUseLimits:
        """A teacher of the class (or an admin) changes its per-minute limits."""
        if not self.accounts.can_manage_class(session, class_id):
            raise NotAllowed()
        current = self.limits(class_id)
        questions = current.questions_per_minute if questions_per_minute is None \
            else max(0, questions_per_minute)
        recordings = current.recordings_per_minute if recordings_per_minute is None \
            else max(0, recordings_per_minute)
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO class_fair_use (class_id, questions_per_minute, "
                "recordings_per_minute, created_at, updated_at) VALUES (?,?,?,?,?) "
                "ON CONFLICT(class_id) "
                "DO UPDATE SET questions_per_minute = excluded.questions_per_minute, "
                "recordings_per_minute = excluded.recordings_per_minute, "
                "updated_at = excluded.updated_at",
                (class_id, questions, recordings, utc_now(), utc_now()))
            record_change(conn, "class_fair_use", class_id)
        return self.limits(class_id)

    # -- questions ------------------------------------------------------------
    def question_wait(self, session: Session) -> int:
        """Seconds before this student may ask again (0 = now)."""
        user = session.user
        if not session.is_student:
            return 0
        limit = self.limits(user.class_id).questions_per_minute
        if limit <= 0:
            return 0
        now = self.clock()
        since = datetime.fromtimestamp(now - self.window, UTC).isoformat(timespec="milliseconds")
        rows = self.db.query(
            "SELECT m.created_at FROM messages m JOIN conversations c ON c.id = m.conversation_id "
            "WHERE c.user_id = ? AND m.role = 'user' AND m.created_at >= ?", (user.id, since))
        times = [datetime.fromisoformat(r[0]).timestamp() for r in rows]
        return _wait(times, limit, now, self.window)

    def check_question(self, session: Session) -> None:
        seconds = self.question_wait(session)
        if seconds:
            raise RateLimited(seconds, "question")

    # -- voice recordings -----------------------------------------------------
    def recording_wait(self, session: Session) -> int:
        if not session.is_student:
            return 0
        limit = self.limits(session.user.class_id).recordings_per_minute
        now = self.clock()
        with self._lock:
            times = self._recordings.setdefault(session.user.id, deque())
            while times and now - times[0] >= self.window:
                times.popleft()
            return _wait(list(times), limit, now, self.window)

    def start_recording(self, session: Session) -> None:
        """Count one recording, or raise :class:`RateLimited` when the minute is used up."""
        seconds = self.recording_wait(session)
        if seconds:
            raise RateLimited(seconds, "recording")
        with self._lock:
            self._recordings.setdefault(session.user.id, deque()).append(self.clock())


def countdown_text(seconds: int, language: str) -> str:
    """«Бага хүлээнэ үү (N секунд)» for the window and ``tutor chat``."""
    from tutor_desktop.core.i18n import tr

    return tr("rate_limited", language, seconds=max(0, int(seconds)))


__all__ = ["FairUse", "FairUseLimits", "RateLimited", "countdown_text"]
