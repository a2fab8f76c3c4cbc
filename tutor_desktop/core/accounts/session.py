"""A signed-in user on a shared PC, and the inactivity rule that signs them out."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tutor_desktop.core.accounts.models import Role, User
from tutor_desktop.core.errors import NotAllowed, SessionExpired

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


class SystemActor:
    """The app acting for itself, not for a person: the start-up resume of an import a
    teacher began, packs fetched after a sync, the benchmarks.

    A staff-only core call needs a :class:`Session` or this one object, :data:`SYSTEM`,
    so every call that changes the library says who acts, and a search for ``SYSTEM``
    lists every place that acts without a person. It never crosses the service's socket
    (the wire codec only turns tokens into the service's own sessions), so no client can
    present it.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "SYSTEM"


#: The one :class:`SystemActor` (see its docstring for who may use it and why).
SYSTEM = SystemActor()

#: Who acts on a staff-only call: a signed-in person, or the app itself.
Actor = Session | SystemActor


def require_staff(actor: Actor | None) -> Actor:
    """The staff rule, in one place for every core service: a teacher or admin whose
    session has not run out, or the app itself (:data:`SYSTEM`). A student or no session
    at all is refused with :class:`~tutor_desktop.core.errors.NotAllowed`; a session that
    ran out (the next person at a shared PC) with
    :class:`~tutor_desktop.core.errors.SessionExpired`, as every other core call says it,
    so the teacher is told to sign in again rather than that they may not. The same answer
    whichever door the call came through (window, terminal, service socket). Returns the
    actor, now known to be one."""
    if isinstance(actor, SystemActor):
        return actor
    if isinstance(actor, Session) and actor.expired:
        raise SessionExpired()
    if (not isinstance(actor, Session)   # None, or a queue's ImportGrant on a non-import
            or actor.user.role not in (Role.ADMIN, Role.TEACHER)):
        raise NotAllowed()
    return actor
