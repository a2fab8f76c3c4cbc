"""Storage of conversations and messages.

Every method takes the caller's :class:`Session` and checks it: a student
reaches only their own conversations, a teacher those of students in their
classes, an admin everything. The UI cannot bypass this by passing an id.

Messages are written when they start and updated as they complete, so an
answer interrupted by a crash survives as ``partial``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tutor_desktop.core.accounts import AccountService, Session
from tutor_desktop.core.errors import NotAllowed
from tutor_desktop.core.storage import Database, new_id, utc_now
from tutor_desktop.core.storage.connection import Connection
from tutor_desktop.core.sync.outbox import record_change, record_delete


@dataclass(frozen=True)
class Conversation:
    id: str
    user_id: str
    title: str
    subject: str
    grade: int | None
    language: str
    mode: str
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: Any) -> Conversation:
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Message:
    id: str
    conversation_id: str
    role: str
    content: str
    status: str
    backend: str
    model: str
    prompt_tokens: int | None
    completion_tokens: int | None
    created_at: str
    citations: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: Any) -> Message:
        values = {k: row[k] for k in cls.__dataclass_fields__ if k != "citations"}
        return cls(**values, citations=json.loads(row["citations"] or "[]"))


class ConversationStore:
    def __init__(self, db: Database, accounts: AccountService,
                 observers: Sequence[Callable[[Connection, str], None]] = ()) -> None:
        self.db = db
        self.accounts = accounts
        # Called with (transaction, message id) when a message becomes final, inside the
        # transaction that stores it (learning progress records the question there).
        self.observers: list[Callable[[Connection, str], None]] = list(observers)

    # -- access ------------------------------------------------------------
    def _owner_of(self, conversation_id: str) -> str:
        row = self.db.query_one("SELECT user_id FROM conversations WHERE id = ?",
                                (conversation_id,))
        if row is None:
            raise NotAllowed()
        return str(row["user_id"])

    def _require_view(self, session: Session, conversation_id: str) -> None:
        if not self.accounts.can_view_user(session, self._owner_of(conversation_id)):
            raise NotAllowed()

    def _require_own(self, session: Session, conversation_id: str) -> None:
        if self._owner_of(conversation_id) != session.user.id:
            raise NotAllowed()

    # -- conversations -----------------------------------------------------
    def create(self, session: Session, *, subject: str = "", grade: int | None = None,
               language: str = "mn", mode: str = "socratic", title: str = "") -> Conversation:
        now, conv_id = utc_now(), new_id()
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO conversations VALUES (?,?,?,?,?,?,?,?,?)",
                (conv_id, session.user.id, title, subject, grade, language, mode, now, now))
            record_change(conn, "conversations", conv_id)
        return self.get(session, conv_id)

    def get(self, session: Session, conversation_id: str) -> Conversation:
        self._require_view(session, conversation_id)
        row = self.db.query_one("SELECT * FROM conversations WHERE id = ?", (conversation_id,))
        return Conversation.from_row(row)

    def list_for(self, session: Session, user_id: str | None = None) -> list[Conversation]:
        """Newest first. Without ``user_id``: the caller's own conversations."""
        target = user_id or session.user.id
        if not self.accounts.can_view_user(session, target):
            raise NotAllowed()
        rows = self.db.query(
            "SELECT * FROM conversations WHERE user_id = ? ORDER BY updated_at DESC", (target,))
        return [Conversation.from_row(r) for r in rows]

    def rename(self, session: Session, conversation_id: str, title: str) -> None:
        self._require_own(session, conversation_id)
        with self.db.write() as conn:
            conn.execute("UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?",
                         (title, utc_now(), conversation_id))
            record_change(conn, "conversations", conversation_id)

    def delete(self, session: Session, conversation_id: str) -> None:
        self._require_own(session, conversation_id)
        with self.db.write() as conn:
            record_delete(conn, "conversations", conversation_id)  # first: its messages too
            conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # -- messages ----------------------------------------------------------
    def messages(self, session: Session, conversation_id: str) -> list[Message]:
        self._require_view(session, conversation_id)
        rows = self.db.query(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY created_at, rowid",
            (conversation_id,))
        return [Message.from_row(r) for r in rows]

    def add_message(self, session: Session, conversation_id: str, role: str, content: str, *,
                    status: str = "complete", backend: str = "", model: str = "",
                    citations: list[dict[str, Any]] | None = None) -> Message:
        """Append a message. An assistant answer starts as ``partial`` and is
        completed with :meth:`finish_message`, so a crash mid-stream keeps it."""
        self._require_own(session, conversation_id)
        now, msg_id = utc_now(), new_id()
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO messages (id, conversation_id, role, content, status, backend, model, "
                "citations, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (msg_id, conversation_id, role, content, status, backend, model,
                 json.dumps(citations or [], ensure_ascii=False), now, now))
            # max: a rename stamped by a PC whose clock is ahead stays the latest, as it
            # does on the PCs this message reaches (core/sync/apply.py).
            conn.execute("UPDATE conversations SET updated_at = max(updated_at, ?) WHERE id = ?",
                         (now, conversation_id))
            if status != "partial":  # a streamed answer is queued when it completes
                record_change(conn, "messages", msg_id)
                self._notify(conn, msg_id)
        return self._message(msg_id)

    def update_message(self, session: Session, message_id: str, content: str, *,
                       status: str | None = None, backend: str | None = None,
                       model: str | None = None, prompt_tokens: int | None = None,
                       completion_tokens: int | None = None,
                       citations: list[dict[str, Any]] | None = None) -> Message:
        """Save streamed text so far (and, when done, its final status)."""
        current = self._message(message_id)
        self._require_own(session, current.conversation_id)
        now = utc_now()
        with self.db.write() as conn:
            conn.execute(
                "UPDATE messages SET content = ?, status = ?, backend = ?, model = ?, "
                "prompt_tokens = ?, completion_tokens = ?, citations = ?, updated_at = ? "
                "WHERE id = ?",
                (content, status or current.status, current.backend if backend is None else backend,
                 current.model if model is None else model,
                 current.prompt_tokens if prompt_tokens is None else prompt_tokens,
                 current.completion_tokens if completion_tokens is None else completion_tokens,
                 json.dumps(current.citations if citations is None else citations,
                            ensure_ascii=False),
                 now, message_id))
            if status and status != "partial":
                record_change(conn, "messages", message_id)
                self._notify(conn, message_id)
        return self._message(message_id)

    def _notify(self, conn: Connection, message_id: str) -> None:
        for observer in self.observers:
            observer(conn, message_id)

    def _message(self, message_id: str) -> Message:
        row = self.db.query_one("SELECT * FROM messages WHERE id = ?", (message_id,))
        if row is None:
            raise NotAllowed()
        return Message.from_row(row)

    def delete_message(self, session: Session, message_id: str) -> None:
        """Remove a message (regenerate replaces the last answer)."""
        current = self._message(message_id)
        self._require_own(session, current.conversation_id)
        with self.db.write() as conn:
            conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))
            record_delete(conn, "messages", message_id)

    def user_messages_since(self, user_id: str, since: datetime) -> int:
        """How many questions a student sent since ``since`` (for the daily limit)."""
        row = self.db.query_one(
            "SELECT count(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id "
            "WHERE c.user_id = ? AND m.role = 'user' AND m.created_at >= ?",
            (user_id, since.isoformat(timespec="milliseconds")))
        return int(row["n"])
