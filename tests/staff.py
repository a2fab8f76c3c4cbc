"""Sessions for the calls that change the textbook library: the core refuses anyone but
a teacher or admin whose session has not run out (core/accounts/session.py)."""

from __future__ import annotations

import time
from collections.abc import Callable

from tutor_desktop.core.accounts import Role, Session, User


def session_as(role: Role, *, idle_limit_s: float = 1800.0,
               clock: Callable[[], float] = time.monotonic) -> Session:
    """A signed-in session of ``role`` (the library reads only who acts, not the school)."""
    user = User(id=f"{role.value}-1", role=role, display_name=role.value.title(),
                username=None if role is Role.STUDENT else role.value, class_id=None,
                language="mn", has_pin=False)
    return Session(user, idle_limit_s, clock=clock)


def as_teacher() -> Session:
    return session_as(Role.TEACHER)
