"""Safety events: what the teacher of a child in distress must see.

Every distress (and violence) case is stored with the student, their class, the time,
the category and the child's own words, and shown only to the teachers of that class
(admins see all) until a teacher acknowledges it. Rows sync like other records (queued
in ``sync_outbox`` in the same transaction), marked for the school's staff only. They
never touch the response cache: the tutor's cache only ever stores model answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tutor_desktop.core.accounts import AccountService, Session
from tutor_desktop.core.accounts.models import Role
from tutor_desktop.core.errors import NotAllowed
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.storage import Database
from tutor_desktop.core.storage.ids import new_id, utc_now
from tutor_desktop.core.sync.outbox import record_change

TABLE = "safety_events"


@dataclass(frozen=True)
class SafetyEvent:
    id: str
    student_id: str
    student_name: str
    class_id: str | None
    class_name: str
    category: str
    message: str
    conversation_id: str | None
    created_at: str
    acknowledged_at: str | None
    acknowledged_by: str | None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @classmethod
    def from_row(cls, row: Any) -> SafetyEvent:
        return cls(row["id"], row["student_id"], row["student_name"] or "", row["class_id"],
                   row["class_name"] or "", row["category"], row["message"],
                   row["conversation_id"], row["created_at"], row["acknowledged_at"],
                   row["acknowledged_by"])


_SELECT = """
SELECT e.*, u.display_name AS student_name, c.name AS class_name
FROM safety_events e
LEFT JOIN users u ON u.id = e.student_id
LEFT JOIN classes c ON c.id = e.class_id
"""


class SafetyEventStore:
    def __init__(self, db: Database, accounts: AccountService) -> None:
        self.db = db
        self.accounts = accounts

    def record(self, session: Session, category: str, message: str,
               conversation_id: str | None = None) -> SafetyEvent:
        """Store one case for the student signed in on ``session`` (and queue it for sync)."""
        user = session.user
        now, event_id = utc_now(), new_id()
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO safety_events (id, student_id, class_id, category, message, "
                "conversation_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                (event_id, user.id, user.class_id, category, message, conversation_id, now,
                 now))
            record_change(conn, TABLE, event_id)
        return self.get(event_id)

    def get(self, event_id: str) -> SafetyEvent:
        row = self.db.query_one(_SELECT + "WHERE e.id = ?", (event_id,))
        if row is None:
            raise TutorError("safety_event_not_found")
        return SafetyEvent.from_row(row)

    def _visible_classes(self, session: Session) -> set[str] | None:
        """None = every class (admin); a teacher sees the classes they teach; else nothing."""
        role = session.user.role
        if role is Role.ADMIN:
            return None
        if role is Role.TEACHER:
            return self.accounts.teacher_class_ids(session.user.id)
        raise NotAllowed()

    def list_for(self, session: Session, *, include_acknowledged: bool = False,
                 limit: int = 200) -> list[SafetyEvent]:
        """The cases this teacher may see, newest first (unacknowledged only by default)."""
        classes = self._visible_classes(session)
        where, params = ["1=1"], []
        if not include_acknowledged:
            where.append("e.acknowledged_at IS NULL")
        if classes is not None:
            if not classes:
                return []
            where.append(f"e.class_id IN ({','.join('?' * len(classes))})")
            params += sorted(classes)
        rows = self.db.query(_SELECT + "WHERE " + " AND ".join(where)
                             + " ORDER BY e.created_at DESC LIMIT ?", (*params, limit))
        return [SafetyEvent.from_row(r) for r in rows]

    def unacknowledged_count(self, session: Session) -> int:
        return len(self.list_for(session))

    def acknowledge(self, session: Session, event_id: str) -> SafetyEvent:
        """Mark a case as seen by this teacher (their name and the time are kept)."""
        event = self.get(event_id)
        classes = self._visible_classes(session)
        if classes is not None and event.class_id not in classes:
            raise NotAllowed()
        if event.acknowledged:
            return event
        now = utc_now()
        with self.db.write() as conn:
            conn.execute("UPDATE safety_events SET acknowledged_at = ?, acknowledged_by = ?, "
                         "updated_at = ? WHERE id = ?", (now, session.user.id, now, event_id))
            record_change(conn, TABLE, event_id)
        return self.get(event_id)
