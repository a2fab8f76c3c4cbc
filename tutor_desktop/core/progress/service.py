"""Learning progress: recording, mastery, practice, review, and the views on them.

Privacy is checked here, in the core, on every call (as in conversations): a
student reaches only their own progress, a teacher the students of their
classes, an admin everyone. The UI and CLI cannot bypass it by passing an id.

Every interaction is written in the transaction of the thing that caused it
(the tutor's answer, a practice answer), together with its sync-queue entry
and the recomputed mastery of that one student x topic. Mastery and review
cards are always ``f(log)``: :meth:`ProgressService.recompute_all` rebuilds them
and must give the same table.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import zip_longest
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from tutor_desktop.core.accounts import AccountService, Session, require_staff
from tutor_desktop.core.accounts.models import Role, User
from tutor_desktop.core.errors import NotAllowed, SessionExpired
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.progress.checking import Verdict, check_item
from tutor_desktop.core.progress.items import Passage
from tutor_desktop.core.progress.mastery import (
    Interaction,
    Mastery,
    mastery_of,
    reason_for,
    topic_mastery,
)
from tutor_desktop.core.progress.review import Answer, replay
from tutor_desktop.core.progress.sync_queue import queue_synced_row
from tutor_desktop.core.storage import Database, new_id, utc_now
from tutor_desktop.core.storage.connection import Connection
from tutor_desktop.core.subjects import canonical_subject

KINDS = ("question", "explanation", "hint", "quiz")
PRACTICE_SIZE = 5
INACTIVE_DAYS = 7
WRONG_FOR_HELP = 3
ATTEMPTS_FOR_HELP = 3
WEAK_TOPICS = 3             # at most this many weak topics named in the tutor's prompt
WEAK_STREAK = 2             # this many wrong answers in a row make a topic weak


@dataclass(frozen=True)
class Topic:
    id: str
    textbook_id: str
    book: str
    subject: str
    parent_id: str | None
    level: int
    title: str                  # the teacher's title if renamed
    original_title: str
    page_start: int
    page_end: int
    hidden: bool
    merged_into: str
    item_count: int
    source: str = "headings"        # outline | headings | pages

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "book": self.book, "subject": self.subject,
                "parent_id": self.parent_id, "level": self.level, "title": self.title,
                "pages": [self.page_start, self.page_end], "hidden": self.hidden,
                "merged_into": self.merged_into, "items": self.item_count}


@dataclass(frozen=True)
class PracticeItem:
    id: str
    kind: str
    prompt: str
    answer: str
    choices: tuple[str, ...]
    data: dict[str, Any]
    textbook_id: str
    book: str
    topic_id: str | None
    topic: str
    chunk_id: str
    page: int
    passage: str
    enabled: bool

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "prompt": self.prompt, "answer": self.answer,
                "choices": list(self.choices), "book": self.book, "page": self.page,
                "topic": self.topic, "passage": self.passage, "enabled": self.enabled}


@dataclass(frozen=True)
class Feedback:
    verdict: Verdict
    item: PracticeItem
    level_before: str
    level_after: str


@dataclass(frozen=True)
class TopicLevel:
    topic_id: str
    title: str
    book: str
    subject: str
    level: str
    attempts: int
    correct: int
    questions: int
    last_at: str
    reason: str


@dataclass
class StudentProgress:
    user: User
    subjects: dict[str, list[TopicLevel]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"student": self.user.display_name,
                "subjects": {s: [t.__dict__ for t in topics]
                             for s, topics in self.subjects.items()}}


@dataclass(frozen=True)
class HelpNeed:
    student: str
    user_id: str
    topic: str
    reason: str                 # message id
    detail: dict[str, Any]


class GridCell(NamedTuple):
    """One cell of the class grid: what the grid, the CSV and PDF reports and the
    needs-help rules read. A student's own view reads the full :class:`Mastery`."""

    user_id: str
    topic: str                  # the topic it is shown under (a merged topic's target)
    level: str
    attempts: int               # practice answers
    correct: int
    questions: int
    last_interaction_at: str

    @property
    def reason(self) -> str:
        """The message id that explains the level (as the student's own view says)."""
        return reason_for(self.level, self.attempts, self.correct)


@dataclass
class ClassProgress:
    class_name: str
    students: list[User]
    topics: list[Topic]
    cells: dict[tuple[str, str], GridCell]          # (user id, topic id)
    needs_help: list[HelpNeed]
    most_asked: list[tuple[Topic, int]]

    def level(self, user_id: str, topic_id: str) -> str:
        cell = self.cells.get((user_id, topic_id))
        return cell.level if cell else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "class": self.class_name,
            "topics": [{"id": t.id, "title": t.title, "book": t.book} for t in self.topics],
            "students": [{"name": s.display_name,
                          "levels": {t.id: self.level(s.id, t.id) for t in self.topics
                                     if self.level(s.id, t.id)}} for s in self.students],
            "needs_help": [{"student": h.student, "topic": h.topic, "reason": h.reason,
                            **h.detail} for h in self.needs_help],
            "most_asked": [{"topic": t.title, "questions": n} for t, n in self.most_asked],
        }


@dataclass(frozen=True)
class Assignment:
    id: str
    class_id: str
    title: str
    topic_ids: tuple[str, ...]
    item_count: int
    due_date: str
    done: dict[str, int]        # user id -> answers given for this set


_ITEM_SQL = """
SELECT i.*, t.title AS book, c.text AS passage,
       COALESCE(NULLIF(p.custom_title, ''), p.title, '') AS topic_title
FROM practice_items i
JOIN textbooks t ON t.id = i.textbook_id
JOIN chunks c ON c.id = i.chunk_id
LEFT JOIN topics p ON p.id = i.topic_id
"""

_TOPIC_SQL = """
SELECT p.*, t.title AS book, t.subject AS subject,
       (SELECT count(*) FROM practice_items i WHERE i.topic_id = p.id AND i.enabled = 1)
           AS item_count
FROM topics p JOIN textbooks t ON t.id = p.textbook_id
"""


def _item(row: Any) -> PracticeItem:
    return PracticeItem(
        id=row["id"], kind=row["kind"], prompt=row["prompt"], answer=row["answer"],
        choices=tuple(json.loads(row["choices"] or "[]")), data=json.loads(row["data"] or "{}"),
        textbook_id=row["textbook_id"], book=row["book"], topic_id=row["topic_id"],
        topic=row["topic_title"], chunk_id=row["chunk_id"], page=int(row["page"]),
        passage=row["passage"], enabled=bool(row["enabled"]))


def _topic(row: Any) -> Topic:
    return Topic(
        id=row["id"], textbook_id=row["textbook_id"], book=row["book"], subject=row["subject"],
        parent_id=row["parent_id"], level=int(row["level"]),
        title=row["custom_title"] or row["title"], original_title=row["title"],
        page_start=int(row["page_start"]), page_end=int(row["page_end"]),
        hidden=bool(row["hidden"]), merged_into=row["merged_into"],
        item_count=int(row["item_count"]), source=row["source"])


_LOG_COLUMNS = "id, user_id, subject, topic, kind, correct, created_at, grade"


def _interaction(row: Any) -> Interaction:
    """A row selected with :data:`_LOG_COLUMNS` (by position: a log is a million rows)."""
    correct = row[5]
    return Interaction(row[0], row[1], row[2], row[3], row[4],
                       None if correct is None else bool(correct), row[6], row[7])


# ----------------------------------------------------------------- recording
def record_interaction(conn: Connection, *, user_id: str, subject: str, topic: str, kind: str,
                       correct: bool | None = None, grade: int | None = None,
                       item_id: str = "", duration_ms: int | None = None,
                       message_id: str = "", assignment_id: str = "",
                       details: dict[str, Any] | None = None,
                       created_at: str | None = None) -> str:
    """Append one interaction in the caller's transaction; queue it for sync; refresh
    that student's mastery of that topic (and the review card of a practised item)."""
    if kind not in KINDS:
        raise ValueError(f"unknown interaction kind {kind!r}")
    now, row_id = created_at or utc_now(), new_id()
    conn.execute(
        "INSERT INTO learning_interactions (id, user_id, subject, topic, grade, kind, correct, "
        "details, created_at, updated_at, item_id, duration_ms, message_id, assignment_id) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (row_id, user_id, subject, topic, grade, kind,
         None if correct is None else int(correct),
         json.dumps(details or {}, ensure_ascii=False), now, now, item_id, duration_ms,
         message_id, assignment_id))
    queue_synced_row(conn, "learning_interaction", row_id, {
        "user_id": user_id, "subject": subject, "topic": topic, "grade": grade, "kind": kind,
        "correct": correct, "item_id": item_id, "duration_ms": duration_ms,
        "message_id": message_id, "assignment_id": assignment_id, "created_at": now})
    refresh_mastery(conn, user_id, subject, topic)
    if kind == "quiz" and item_id:
        refresh_card(conn, user_id, item_id)
    return row_id


def refresh_mastery(conn: Connection, user_id: str, subject: str, topic: str) -> Mastery:
    rows = conn.execute(
        f"SELECT {_LOG_COLUMNS} FROM learning_interactions "
        "WHERE user_id = ? AND subject = ? AND topic = ?", (user_id, subject, topic)).fetchall()
    result = topic_mastery(_interaction(r) for r in rows)
    _write_mastery(conn, [result])
    return result


def _mastery_id(user_id: str, subject: str, topic: str) -> str:
    """Derived rows get their key as id: never synced, and a recompute inserts them in
    index order (random UUIDs made a school's recompute several times slower)."""
    return f"{user_id}\x1f{subject}\x1f{topic}"


def _write_mastery(conn: Connection, rows: Iterable[Mastery]) -> None:
    now = utc_now()
    conn.executemany(
        "INSERT INTO topic_mastery (id, user_id, subject, topic, grade, mastery, attempts, "
        "correct, created_at, updated_at, level, total_interactions, questions, wrong_streak, "
        "last_interaction_at, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (user_id, subject, topic) DO UPDATE SET grade = excluded.grade, "
        "mastery = excluded.mastery, attempts = excluded.attempts, correct = excluded.correct, "
        "updated_at = excluded.updated_at, level = excluded.level, "
        "total_interactions = excluded.total_interactions, questions = excluded.questions, "
        "wrong_streak = excluded.wrong_streak, "
        "last_interaction_at = excluded.last_interaction_at, reason = excluded.reason",
        [(_mastery_id(m.user_id, m.subject, m.topic), m.user_id, m.subject, m.topic, m.grade,
          m.mastery, m.attempts, m.correct, now, now, m.level, m.total_interactions,
          m.questions, m.wrong_streak, m.last_interaction_at, m.reason) for m in rows])


def refresh_card(conn: Connection, user_id: str, item_id: str) -> None:
    rows = conn.execute(
        "SELECT id, item_id, correct, duration_ms, created_at FROM learning_interactions "
        "WHERE user_id = ? AND item_id = ? AND kind = 'quiz'", (user_id, item_id)).fetchall()
    state = replay(item_id, [Answer(r["id"], r["item_id"], bool(r["correct"]),
                                    r["duration_ms"], r["created_at"]) for r in rows])
    conn.execute(
        "INSERT INTO review_cards (user_id, item_id, due, card, updated_at) VALUES (?,?,?,?,?) "
        "ON CONFLICT (user_id, item_id) DO UPDATE SET due = excluded.due, card = excluded.card, "
        "updated_at = excluded.updated_at",
        (user_id, item_id, state.due, state.card_json, utc_now()))


def mastery_table(conn_or_db: Any) -> list[tuple[Any, ...]]:
    """The derived table as plain tuples (for recompute-equality checks)."""
    query = getattr(conn_or_db, "query", None)
    sql = ("SELECT user_id, subject, topic, grade, level, mastery, attempts, correct, "
           "total_interactions, questions, wrong_streak, last_interaction_at, reason "
           "FROM topic_mastery ORDER BY user_id, subject, topic")
    rows = query(sql) if query else conn_or_db.execute(sql).fetchall()
    return [tuple(r) for r in rows]


class ProgressService:
    """What the student's and teacher's screens and the CLI call."""

    def __init__(self, db: Database, accounts: AccountService,
                 library_dir: Path | None = None,
                 clock: Any = lambda: datetime.now(UTC),
                 writer: Callable[[], Any] | None = None) -> None:
        self.db = db
        self.accounts = accounts
        self.library_dir = library_dir
        # The chat model that may write for children (passed the tutoring exam), or None:
        # it may propose extra practice items (core/progress/proposals.py).
        self.writer = writer
        self._now = clock
        self._indexed = False
        self._index_lock = threading.Lock()

    # -- books ---------------------------------------------------------------
    def ensure_indexed(self) -> int:
        """Give books imported before this feature their topics and items; returns how
        many books were indexed. Re-reads each book's PDF: seconds for a big library, so
        the window calls this on a worker thread at start (the CLI before its command)."""
        from tutor_desktop.core.progress.indexing import backfill

        with self._index_lock:          # a second caller waits, then finds nothing to do
            self._indexed = True
            return backfill(self.db, self.library_dir or Path("."))

    def _ensure_once(self) -> None:
        """The first look at topics in this process backfills older books, unless a
        backfill is already running on another thread: then this call does not wait for
        it (the window's thread must not), and shows the topics indexed so far."""
        if self._indexed or self.library_dir is None:
            return
        if not self._index_lock.acquire(blocking=False):
            return
        try:
            if not self._indexed:
                from tutor_desktop.core.progress.indexing import backfill

                self._indexed = True
                backfill(self.db, self.library_dir)
        finally:
            self._index_lock.release()

    @property
    def indexing(self) -> bool:
        """Is a backfill running now (the window then says topics are being prepared)?"""
        return self._index_lock.locked()

    # -- topics --------------------------------------------------------------
    def topics(self, book: str | None = None, *, include_hidden: bool = False) -> list[Topic]:
        self._ensure_once()
        sql, params = _TOPIC_SQL, []
        if book:
            sql += " WHERE (t.id = ? OR t.title = ? OR t.id LIKE ? || '%')"
            params = [book, book, book]
        rows = self.db.query(sql + " ORDER BY t.grade, t.subject, t.title, p.ordinal", params)
        topics = [_topic(r) for r in rows]
        if include_hidden:
            return topics
        return [t for t in topics if not t.hidden and not t.merged_into]

    def topic(self, topic_id: str) -> Topic | None:
        row = self.db.query_one(_TOPIC_SQL + " WHERE p.id = ?", (topic_id,))
        return _topic(row) if row else None

    def rename_topic(self, session: Session, topic_id: str, title: str) -> None:
        require_staff(session)
        title = " ".join(title.split())
        with self.db.write() as conn:
            conn.execute("UPDATE topics SET custom_title = ?, updated_at = ? WHERE id = ?",
                         (title, utc_now(), topic_id))

    def hide_topic(self, session: Session, topic_id: str, hidden: bool = True) -> None:
        require_staff(session)
        with self.db.write() as conn:
            conn.execute("UPDATE topics SET hidden = ?, updated_at = ? WHERE id = ?",
                         (int(hidden), utc_now(), topic_id))

    def merge_topics(self, session: Session, source_id: str, target_id: str) -> None:
        """Fold ``source`` into ``target``: its passages and items move; the log keeps the
        old id, and views read a merged topic's rows as the target's."""
        require_staff(session)
        if source_id == target_id:
            return
        with self.db.write() as conn:
            now = utc_now()
            conn.execute("UPDATE topics SET merged_into = ?, updated_at = ? WHERE id = ?",
                         (target_id, now, source_id))
            conn.execute("UPDATE topics SET merged_into = ? WHERE merged_into = ?",
                         (target_id, source_id))
            conn.execute("UPDATE chunks SET topic_id = ? WHERE topic_id = ?",
                         (target_id, source_id))
            conn.execute("UPDATE practice_items SET topic_id = ?, updated_at = ? "
                         "WHERE topic_id = ?", (target_id, now, source_id))

    def _merged(self) -> dict[str, str]:
        return {r["id"]: r["merged_into"] for r in self.db.query(
            "SELECT id, merged_into FROM topics WHERE merged_into != ''")}

    def topic_for_message(self, session: Session, message_id: str) -> Topic | None:
        """The topic a tutor answer was about (for "Practise this topic" under it)."""
        row = self.db.query_one(
            "SELECT topic FROM learning_interactions WHERE message_id = ? AND user_id = ? "
            "AND topic != '' LIMIT 1", (message_id, session.user.id))
        if row is None:
            return None
        topic_id = self._merged().get(row["topic"], row["topic"])
        return self.topic(topic_id)

    def weak_topics(self, session: Session, subject: str = "",
                    limit: int = WEAK_TOPICS) -> list[str]:
        """The titles of a student's weakest practised topics in ``subject`` (any subject
        when empty), weakest first: the tutor may name them in its prompt, and then never
        caches the answer (it is personalised)."""
        return [t.title for t in self._weak(session, subject, limit)]

    def last_topic(self, session: Session) -> str:
        """The topic of the student's latest question or answer ("" for none)."""
        row = self.db.query_one(
            "SELECT topic FROM learning_interactions WHERE user_id = ? AND topic != '' "
            "ORDER BY created_at DESC LIMIT 1", (session.user.id,))
        return self._merged().get(row["topic"], row["topic"]) if row else ""

    def weakest_topic(self, session: Session, subject: str = "") -> Topic | None:
        """The topic ``/practice`` offers when no practice set is waiting (with items)."""
        return next((t for t in self._weak(session, subject, 50) if t.item_count), None)

    def _weak(self, session: Session, subject: str, limit: int) -> list[Topic]:
        """Weak: still a beginner after practising, or the last :data:`WEAK_STREAK` answers
        were wrong. Only the student's own topics, only ones they practised (a topic never
        tried is not weak, just new); hidden topics are left out."""
        if session.user.role is not Role.STUDENT:
            return []
        subject_id = canonical_subject(subject)
        rows = self.db.query(
            "SELECT topic FROM topic_mastery WHERE user_id = ? AND topic != '' "
            "AND attempts > 0 AND (level = 'beginner' OR wrong_streak >= ?)"
            + (" AND subject = ?" if subject_id else "")
            + " ORDER BY mastery, wrong_streak DESC, last_interaction_at DESC",
            (session.user.id, WEAK_STREAK, subject_id) if subject_id
            else (session.user.id, WEAK_STREAK))
        merged = self._merged()
        found: list[Topic] = []
        for row in rows:
            topic = self.topic(merged.get(row["topic"], row["topic"]))
            if topic is None or topic.hidden or any(t.id == topic.id for t in found):
                continue
            found.append(topic)
            if len(found) == limit:
                break
        return found

    # -- items ---------------------------------------------------------------
    def items(self, book: str | None = None, topic: str | None = None, *,
              include_disabled: bool = False, kind: str | None = None) -> list[PracticeItem]:
        self._ensure_once()
        where, params = [], []
        if book:
            where.append("(t.id = ? OR t.title = ? OR t.id LIKE ? || '%')")
            params += [book, book, book]
        if topic:
            where.append("(i.topic_id = ? OR p.title = ? OR p.custom_title = ?)")
            params += [topic, topic, topic]
        if kind:
            where.append("i.kind = ?")
            params.append(kind)
        if not include_disabled:
            where.append("i.enabled = 1")
        sql = _ITEM_SQL + (" WHERE " + " AND ".join(where) if where else "")
        rows = self.db.query(sql + " ORDER BY t.title, i.page, i.kind, i.id", params)
        return [_item(r) for r in rows]

    def item(self, item_id: str) -> PracticeItem:
        row = self.db.query_one(_ITEM_SQL + " WHERE i.id = ?", (item_id,))
        if row is None:
            raise TutorError("practice_unknown_item")
        return _item(row)

    def set_item_enabled(self, session: Session, item_id: str, enabled: bool) -> None:
        require_staff(session)
        with self.db.write() as conn:
            conn.execute("UPDATE practice_items SET enabled = ?, updated_at = ? WHERE id = ?",
                         (int(enabled), utc_now(), item_id))

    def edit_item(self, session: Session, item_id: str, *, prompt: str | None = None,
                  answer: str | None = None) -> PracticeItem:
        require_staff(session)
        current = self.item(item_id)
        with self.db.write() as conn:
            conn.execute("UPDATE practice_items SET prompt = ?, answer = ?, origin = 'teacher', "
                         "updated_at = ? WHERE id = ?",
                         (prompt if prompt is not None else current.prompt,
                          answer if answer is not None else current.answer, utc_now(),
                          item_id))
        return self.item(item_id)

    def propose_items(self, session: Session, *, book: str | None = None,
                      topic: str | None = None) -> tuple[int, int]:
        """A capable model proposes extra gap-fill items for a book's (or a topic's)
        passages; only those that quote their passage word for word are added (enabled,
        origin "model", for the teacher to review). Returns (proposals read, added).
        Raises ``items_no_capable_model`` when no model that passed the exam answers."""
        from tutor_desktop.core.llm.backend import BackendError, BackendUnavailable
        from tutor_desktop.core.progress import proposals

        require_staff(session)
        backend = self.writer() if self.writer is not None else None
        if backend is None:
            raise TutorError("items_no_capable_model")
        where, params = [], []
        if book:
            where.append("(t.id = ? OR t.title = ? OR t.id LIKE ? || '%')")
            params += [book, book, book]
        if topic:
            where.append("(c.topic_id = ? OR p.title = ? OR p.custom_title = ?)")
            params += [topic, topic, topic]
        chunks = self.db.query(
            "SELECT c.id, c.topic_id, c.page_start, c.text, c.textbook_id, t.sha256, "
            "t.language FROM chunks c JOIN textbooks t ON t.id = c.textbook_id "
            "LEFT JOIN topics p ON p.id = c.topic_id"
            + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY t.id, c.ordinal",
            params)
        known = proposals.known_pairs(self.db.query(
            "SELECT answer, data FROM practice_items WHERE kind IN ('cloze', 'choice')"))
        read = added = 0
        for chunk in chunks:
            passage = Passage(chunk["id"], chunk["topic_id"], None, int(chunk["page_start"]),
                              chunk["text"])
            try:
                count, kept = proposals.propose(backend, passage, chunk["sha256"],
                                                chunk["language"], known)
            except (BackendError, BackendUnavailable) as error:
                raise TutorError("items_no_capable_model") from error
            read += count
            now = utc_now()
            with self.db.write() as conn:
                before = conn.total_changes
                conn.executemany(
                    "INSERT OR IGNORE INTO practice_items (id, textbook_id, topic_id, chunk_id, "
                    "kind, prompt, answer, choices, data, page, origin, enabled, created_at, "
                    "updated_at) VALUES (?,?,?,?,?,?,?, '[]', ?,?,?, 1, ?, ?)",
                    [(i.id, chunk["textbook_id"], i.topic_id, i.chunk_id, i.kind, i.prompt,
                      i.answer, json.dumps(i.data, ensure_ascii=False), i.page,
                      proposals.ORIGIN, now, now) for i in kept])
                added += conn.total_changes - before
        return read, added

    # -- practice ------------------------------------------------------------
    def practice_set(self, session: Session, topic_id: str,
                     size: int = PRACTICE_SIZE) -> list[PracticeItem]:
        """Items due for review first, then ones not seen yet, then the rest; one item
        per passage sentence where possible. Empty when the topic has no items (the
        screen then offers the tutor)."""
        merged_from = [k for k, v in self._merged().items() if v == topic_id]
        ids = [topic_id, *merged_from]
        rows = self.db.query(
            _ITEM_SQL + f" WHERE i.enabled = 1 AND i.topic_id IN ({','.join('?' * len(ids))})"
            " ORDER BY i.page, i.id", ids)
        items = [_item(r) for r in rows]
        cards = {r["item_id"]: r["due"] for r in self.db.query(
            "SELECT item_id, due FROM review_cards WHERE user_id = ?", (session.user.id,))}
        now = self._now().isoformat()

        def rank(item: PracticeItem) -> tuple[int, str]:
            due = cards.get(item.id)
            if due is not None and due <= now:
                return (0, due)
            if due is None:
                return (1, "")
            return (2, due)

        ordered = sorted(items, key=rank)
        chosen: list[PracticeItem] = []
        seen_sentences: set[str] = set()
        for item in ordered:        # a cloze and a choice of one sentence: not both
            sentence = str(item.data.get("sentence", item.id))
            if sentence in seen_sentences:
                continue
            seen_sentences.add(sentence)
            chosen.append(item)
            if len(chosen) == size:
                return chosen
        for item in ordered:
            if item not in chosen:
                chosen.append(item)
                if len(chosen) == size:
                    break
        return chosen

    def review_items(self, session: Session, limit: int = PRACTICE_SIZE) -> list[PracticeItem]:
        now = self._now().isoformat()
        rows = self.db.query(
            _ITEM_SQL + " JOIN review_cards r ON r.item_id = i.id AND r.user_id = ? "
            "WHERE i.enabled = 1 AND r.due <= ? ORDER BY r.due LIMIT ?",
            (session.user.id, now, limit))
        return [_item(r) for r in rows]

    def due_count(self, session: Session) -> int:
        """"N items to review today": due before the end of the student's day (UTC)."""
        end = (self._now() + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                        microsecond=0)
        row = self.db.query_one(
            "SELECT count(*) AS n FROM review_cards r JOIN practice_items i ON i.id = r.item_id "
            "WHERE r.user_id = ? AND r.due < ? AND i.enabled = 1",
            (session.user.id, end.isoformat()))
        return int(row["n"])

    def answer(self, session: Session, item_id: str, given: str, *,
               duration_ms: int | None = None, assignment_id: str = "") -> Feedback:
        """Check a student's answer, record it and update mastery and review, atomically."""
        if session.expired:
            raise SessionExpired()
        session.touch()
        item = self.item(item_id)
        verdict = check_item(item.kind, given, item.answer, item.data)
        subject = self._subject_of_book(item.textbook_id)
        topic = item.topic_id or ""
        with self.db.write() as conn:
            before = conn.execute(
                "SELECT level FROM topic_mastery WHERE user_id = ? AND subject = ? AND topic = ?",
                (session.user.id, subject, topic)).fetchone()
            record_interaction(conn, user_id=session.user.id, subject=subject, topic=topic,
                               kind="quiz", correct=verdict.correct,
                               grade=self._grade_of(session.user), item_id=item.id,
                               duration_ms=duration_ms, assignment_id=assignment_id,
                               details={"given": given[:200]})
            after = conn.execute(
                "SELECT level FROM topic_mastery WHERE user_id = ? AND subject = ? AND topic = ?",
                (session.user.id, subject, topic)).fetchone()
        return Feedback(verdict, item, before["level"] if before else "beginner",
                        after["level"] if after else "beginner")

    def _subject_of_book(self, book_id: str) -> str:
        row = self.db.query_one("SELECT subject FROM textbooks WHERE id = ?", (book_id,))
        return str(row["subject"]) if row else ""

    def _grade_of(self, user: User) -> int | None:
        if user.class_id is None:
            return None
        row = self.db.query_one("SELECT grade FROM classes WHERE id = ?", (user.class_id,))
        return int(row["grade"]) if row else None

    # -- views ---------------------------------------------------------------
    def my_progress(self, session: Session) -> StudentProgress:
        return self.student_progress(session, session.user.id)

    def student_progress(self, session: Session, user_id: str) -> StudentProgress:
        if not self.accounts.can_view_user(session, user_id):
            raise NotAllowed()
        user = self.accounts.get_user(user_id)
        topics = {t.id: t for t in self.topics(include_hidden=True)}
        merged = self._merged()
        result = StudentProgress(user)
        rows = self.db.query("SELECT * FROM topic_mastery WHERE user_id = ? AND topic != '' "
                             "ORDER BY subject, topic", (user_id,))
        for row in rows:
            topic = topics.get(merged.get(row["topic"], row["topic"]))
            if topic is None or topic.hidden:
                continue
            result.subjects.setdefault(row["subject"], []).append(TopicLevel(
                topic.id, topic.title, topic.book, row["subject"], row["level"],
                int(row["attempts"]), int(row["correct"]), int(row["questions"]),
                row["last_interaction_at"], row["reason"]))
        order = {t.id: i for i, t in enumerate(topics.values())}
        for levels in result.subjects.values():
            levels.sort(key=lambda t: order.get(t.topic_id, 0))
        return result

    def class_progress(self, session: Session, class_id: str, *, subject: str | None = None,
                       book: str | None = None) -> ClassProgress:
        """The teacher's grid: students x topics with levels, who needs help and why,
        and the topics the class asks about most.

        Why it reads as it does: a class of 35 x 300 topics is ~10,000 cells and the
        dashboard must open in well under 100 ms. SQLite reads them in ~5 ms; making
        Python objects of them cost ten times that. So the grid reads only the columns a
        cell shows (:class:`GridCell`), as plain tuples turned into cells in C, finds who
        was last active in SQL, and runs the needs-help rules over the cells once."""
        if not self.accounts.can_manage_class(session, class_id):
            raise NotAllowed()
        school_class = self.accounts.get_class(class_id)
        students = self.accounts.list_students(class_id)
        merged = self._merged()
        all_topics = {t.id: t for t in self.topics(book)}
        # A merged topic's rows show in the topic it went into (one level: merging
        # re-points earlier merges).
        topic_sql = "COALESCE(NULLIF(p.merged_into, ''), m.topic)" if merged else "m.topic"
        in_class = ("FROM users u JOIN topic_mastery m ON m.user_id = u.id "
                    + ("LEFT JOIN topics p ON p.id = m.topic " if merged else "")
                    + "WHERE u.class_id = ? AND u.role = 'student' AND u.active = 1"
                    + (" AND m.subject = ?" if subject else ""))
        params: tuple[str, ...] = (class_id, subject) if subject else (class_id,)
        columns = (f"m.user_id, {topic_sql}, m.level, m.attempts, m.correct, m.questions, "
                   "m.last_interaction_at")
        with _bulk_objects():
            rows = self.db.query_tuples(f"SELECT {columns} {in_class} AND m.topic != ''",
                                        params)
            present = set(map(_cell_topic, rows))
            if not present <= all_topics.keys():    # another book's, hidden, or removed
                present &= all_topics.keys()
                rows = [row for row in rows if row[1] in present]
            cells: dict[tuple[str, str], GridCell] = dict(
                zip(map(_cell_key, rows), map(_grid_cell, rows), strict=True))
            if len(cells) != len(rows):     # a merged topic, or one topic in two subjects
                cells = _busiest(self.db.query_tuples(
                    f"SELECT {columns}, m.total_interactions {in_class} AND m.topic != ''",
                    params), present)
            asked = _questions_per_topic(rows)      # every row: a merged topic sums its parts
            del rows
        # Each student's latest activity: one seek in topic_mastery_last_seen each.
        last_seen: dict[str, str] = dict(self.db.query_tuples(
            "SELECT u.id, (SELECT max(m.last_interaction_at) FROM topic_mastery m "
            "WHERE m.user_id = u.id" + (" AND m.subject = ?" if subject else "") + ") "
            "FROM users u WHERE u.class_id = ? AND u.role = 'student' AND u.active = 1",
            (subject, class_id) if subject else (class_id,)))
        shown = [t for t in all_topics.values() if t.id in present]
        help_list = self._needs_help(students, shown, cells, last_seen)
        most = sorted(((all_topics[t], n) for t, n in asked.items() if n > 0),
                      key=lambda pair: (-pair[1], pair[0].title))[:5]
        return ClassProgress(school_class.name, students, shown, cells, help_list, most)

    def _needs_help(self, students: Sequence[User], topics: Sequence[Topic],
                    cells: dict[tuple[str, str], GridCell],
                    last_seen: dict[str, str]) -> list[HelpNeed]:
        """Per student (in roster order): each topic (in topic order) with more than
        :data:`WRONG_FOR_HELP` wrong answers, else still a beginner after
        :data:`ATTEMPTS_FOR_HELP` answers; then no activity (in ``subject``, when
        given) for :data:`INACTIVE_DAYS` days (``last_seen``: user id -> latest)."""
        flagged: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
        for user_id, topic_id, level, attempts, correct, _questions, _last in cells.values():
            wrong = attempts - correct
            if wrong > WRONG_FOR_HELP:
                found = (topic_id, "help_many_wrong", {"wrong": wrong})
            elif level == "beginner" and attempts >= ATTEMPTS_FOR_HELP:
                found = (topic_id, "help_low_level", {"attempts": attempts})
            else:
                continue
            flagged.setdefault(user_id, []).append(found)
        order = {topic.id: index for index, topic in enumerate(topics)}
        titles = {topic.id: topic.title for topic in topics}
        needs: list[HelpNeed] = []
        cutoff = (self._now() - timedelta(days=INACTIVE_DAYS)).isoformat()
        for student in students:
            for topic_id, reason, detail in sorted(flagged.get(student.id, ()),
                                                   key=lambda found: order[found[0]]):
                needs.append(HelpNeed(student.display_name, student.id, titles[topic_id],
                                      reason, detail))
            if (last_seen.get(student.id) or "") < cutoff:
                needs.append(HelpNeed(student.display_name, student.id, "",
                                      "help_inactive", {"days": INACTIVE_DAYS}))
        return needs

    # -- assignments ---------------------------------------------------------
    def assign(self, session: Session, class_id: str, title: str, topic_ids: Sequence[str],
               item_count: int, due_date: str) -> Assignment:
        if not self.accounts.can_manage_class(session, class_id):
            raise NotAllowed()
        if item_count < 1 or not topic_ids:
            raise TutorError("practice_bad_assignment")
        now, assignment_id = utc_now(), new_id()
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO practice_assignments (id, class_id, teacher_id, title, topic_ids, "
                "item_count, due_date, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (assignment_id, class_id, session.user.id, title,
                 json.dumps(list(topic_ids)), item_count, due_date, now, now))
            queue_synced_row(conn, "practice_assignment", assignment_id, {
                "class_id": class_id, "title": title, "topic_ids": list(topic_ids),
                "item_count": item_count, "due_date": due_date})
        return self.assignments(session, class_id)[0]

    def assignments(self, session: Session, class_id: str) -> list[Assignment]:
        """Newest first, each with how many answers every student gave for it."""
        if not (self.accounts.can_manage_class(session, class_id)
                or session.user.class_id == class_id):
            raise NotAllowed()
        rows = self.db.query("SELECT * FROM practice_assignments WHERE class_id = ? "
                             "ORDER BY created_at DESC", (class_id,))
        result: list[Assignment] = []
        for row in rows:
            done_rows = self.db.query(
                "SELECT user_id, count(DISTINCT item_id) AS n FROM learning_interactions "
                "WHERE assignment_id = ? AND kind = 'quiz' GROUP BY user_id", (row["id"],))
            done = {r["user_id"]: int(r["n"]) for r in done_rows}
            if session.user.role is Role.STUDENT:
                done = {k: v for k, v in done.items() if k == session.user.id}
            result.append(Assignment(row["id"], row["class_id"], row["title"],
                                     tuple(json.loads(row["topic_ids"])),
                                     int(row["item_count"]), row["due_date"], done))
        return result

    def my_assignments(self, session: Session) -> list[Assignment]:
        """The practice sets given to the student's class, with their own progress."""
        if not session.user.class_id:
            return []
        return self.assignments(session, session.user.class_id)

    def assignment_items(self, session: Session, assignment_id: str) -> list[PracticeItem]:
        """The items of a practice set still to do for this student: its size less the
        items already answered for it (a set left half-way goes on where it stopped;
        those items are due for review within minutes and would otherwise come first
        again, and the teacher counts distinct items)."""
        row = self.db.query_one("SELECT * FROM practice_assignments WHERE id = ?",
                                (assignment_id,))
        if row is None or not (session.user.class_id == row["class_id"]
                               or self.accounts.can_manage_class(session, row["class_id"])):
            raise NotAllowed()
        answered = {r["item_id"] for r in self.db.query(
            "SELECT DISTINCT item_id FROM learning_interactions WHERE assignment_id = ? "
            "AND user_id = ? AND kind = 'quiz'", (assignment_id, session.user.id))}
        size = int(row["item_count"])
        pools = [self.practice_set(session, topic_id, size=size + len(answered))
                 for topic_id in json.loads(row["topic_ids"])]
        # Topics take turns: a set of several topics draws from each (the first topic's
        # items alone filled a set before).
        fresh: list[PracticeItem] = []
        taken = set(answered)
        for turn in zip_longest(*pools):
            for item in turn:
                if item is not None and item.id not in taken:
                    taken.add(item.id)
                    fresh.append(item)
        return fresh[:max(0, size - len(answered))]

    # -- recompute -----------------------------------------------------------
    def recompute_all(self) -> int:
        """Rebuild topic_mastery and review_cards from the log; returns mastery rows."""
        rows = self.recompute_mastery()
        self.recompute_cards()
        return rows

    def recompute_mastery(self) -> int:
        """Rebuild topic_mastery from the log (the sync service does this after a merge)."""
        rows = self.db.query(f"SELECT {_LOG_COLUMNS} FROM learning_interactions")
        table = mastery_of(_interaction(r) for r in rows)
        ordered = sorted(table.values(), key=lambda m: (m.user_id, m.subject, m.topic))
        with self.db.write() as conn:
            conn.execute("DELETE FROM topic_mastery")
            _write_mastery(conn, ordered)
        return len(table)

    def recompute_cards(self) -> int:
        """Rebuild every FSRS card by replaying the practice answers; returns cards."""
        from tutor_desktop.core.progress.review import new_scheduler

        answers: dict[tuple[str, str], list[Answer]] = {}
        for r in self.db.query("SELECT id, user_id, item_id, correct, duration_ms, created_at "
                               "FROM learning_interactions WHERE kind = 'quiz' "
                               "AND item_id != ''"):
            answers.setdefault((r["user_id"], r["item_id"]), []).append(
                Answer(r["id"], r["item_id"], bool(r["correct"]), r["duration_ms"],
                       r["created_at"]))
        scheduler = new_scheduler()
        now = utc_now()
        cards = [(user, state.item_id, state.due, state.card_json, now)
                 for (user, item), group in answers.items()
                 for state in [replay(item, group, scheduler)]]
        with self.db.write() as conn:
            conn.execute("DELETE FROM review_cards")
            conn.executemany("INSERT INTO review_cards (user_id, item_id, due, card, "
                             "updated_at) VALUES (?,?,?,?,?)", cards)
        return len(cards)


# A grid row is (user id, shown topic id, level, ...): GridCell's fields, in order.
_cell_key = itemgetter(0, 1)
_cell_topic = itemgetter(1)
_grid_cell = partial(tuple.__new__, GridCell)     # a tuple subclass made in C, no frame


def _questions_per_topic(rows: Iterable[tuple[Any, ...]]) -> dict[str, int]:
    """Questions asked to the tutor per shown topic (a grid row's 6th column)."""
    asked: dict[str, int] = {}
    for _user, topic_id, _level, _attempts, _correct, questions, _last in rows:
        if questions:
            asked[topic_id] = asked.get(topic_id, 0) + questions
    return asked


def _busiest(rows: Iterable[tuple[Any, ...]],
             shown: set[str]) -> dict[tuple[str, str], GridCell]:
    """Cells where a student has several rows for one shown topic (a merged topic, or
    questions filed under another subject): the row with the most interactions (its
    last column)."""
    cells: dict[tuple[str, str], GridCell] = {}
    busiest: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row[0], row[1])
        if key[1] in shown and row[-1] > busiest.get(key, -1):
            cells[key], busiest[key] = _grid_cell(row[:-1]), row[-1]
    return cells


@contextmanager
def _bulk_objects() -> Iterator[None]:
    """No cyclic garbage collection while a class's grid is built: its ~10,000 cells are
    tuples of strings and numbers (never cycles), yet allocating them triggers
    collections that walk the whole heap (a window holds many objects) and made the
    slowest dashboards ~40 % slower. Collection resumes right after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
