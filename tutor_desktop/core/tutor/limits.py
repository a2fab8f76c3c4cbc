"""The per-student daily question limit set by the teacher (per class).

The day is the PC's local calendar day: the count resets at local midnight,
which is what a student and teacher expect ("you can ask again tomorrow").
A limit of 0 or less means "no limit".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tutor_desktop.core.accounts import AccountService, Session
from tutor_desktop.core.conversations import ConversationStore
from tutor_desktop.core.errors import DailyLimitReached


def local_now() -> datetime:
    return datetime.now().astimezone()


def start_of_day(now: datetime) -> datetime:
    """Local midnight at the start of ``now``'s day (timezone-aware)."""
    local = now.astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class DailyUsage:
    used: int
    limit: int          # 0 = unlimited
    resets_at: datetime  # local time of the next reset

    @property
    def remaining(self) -> int | None:
        return None if self.limit <= 0 else max(0, self.limit - self.used)

    @property
    def exhausted(self) -> bool:
        return self.limit > 0 and self.used >= self.limit


class DailyLimit:
    def __init__(self, accounts: AccountService, conversations: ConversationStore,
                 clock: Callable[[], datetime] = local_now) -> None:
        self.accounts = accounts
        self.conversations = conversations
        self.clock = clock

    def usage(self, session: Session) -> DailyUsage:
        """Questions the student asked today and their class's limit (staff: unlimited)."""
        now = self.clock()
        midnight = start_of_day(now)
        resets = start_of_day(midnight + timedelta(hours=36))  # next local midnight, DST-safe
        user = session.user
        if not session.is_student or user.class_id is None:
            return DailyUsage(0, 0, resets)
        limit = self.accounts.get_class(user.class_id).daily_message_limit
        used = self.conversations.user_messages_since(user.id, midnight.astimezone(UTC))
        return DailyUsage(used, limit, resets)

    def check(self, session: Session) -> DailyUsage:
        """Raise a friendly, translated ``daily_limit_reached`` once the day is used up."""
        usage = self.usage(session)
        if usage.exhausted:
            raise DailyLimitReached(limit=usage.limit,
                             reset=usage.resets_at.strftime("%H:%M"))
        return usage
