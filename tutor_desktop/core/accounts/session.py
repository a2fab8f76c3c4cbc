"""A signed-in user on a shared PC, and the inactivity rule that signs them out."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tutor_desktop.core.accounts.models import Role, User

Clock = Callable[[], float]


@dataclass
class Session:
    """Who is using the PC now. Students are signed out after ``idle_limit_s``
    without activity, so the next child at the PC never lands in their work."""

    user: User
    idle_limit_s: float
    clock: Clock = field(default=time.monotonic, repr=False)
    last_activity: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.last_activity = self.clock()

    def touch(self) -> None:
        """Record activity (a key press, a sent message)."""
        self.last_activity = self.clock()

    @property
    def expired(self) -> bool:
        return self.clock() - self.last_activity >= self.idle_limit_s

    @property
    def is_student(self) -> bool:
        return self.user.role is Role.STUDENT

    @property
    def is_admin(self) -> bool:
        return self.user.role is Role.ADMIN
