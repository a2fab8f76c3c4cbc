"""Recording tutoring: a finished tutor answer logs the question and the explanation.

Why here and this way: the question's topic is only known once passages have
been retrieved for it, and those are stored as the answer's citations. So the
conversation store calls :func:`on_message_final` inside the transaction that
finalises an answer: the interactions are written in the same transaction as
the message that caused them. A question with no passage gets its subject
only (topic ""); a regenerated answer is not a second question.
"""

from __future__ import annotations

import json
import re
from collections import Counter

from tutor_desktop.core.grounding.service_hooks import HINT_MODEL
from tutor_desktop.core.grounding.tutor import BACKEND as TEXTBOOK_BACKEND
from tutor_desktop.core.progress.service import record_interaction
from tutor_desktop.core.storage.connection import Connection

SAFETY_BACKEND = "safety"
HINT = re.compile(HINT_MODEL.replace("{step}", r"(?P<step>\d+)"))   # a stored hint's model


def on_message_final(conn: Connection, message_id: str) -> None:
    """Observer for :class:`ConversationStore`: called with each final message."""
    message = conn.execute(
        "SELECT m.id, m.role, m.status, m.backend, m.model, m.citations, m.created_at, "
        "m.conversation_id, c.user_id, c.subject, c.grade, u.role AS user_role "
        "FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        "JOIN users u ON u.id = c.user_id WHERE m.id = ?", (message_id,)).fetchone()
    if message is None or message["role"] != "assistant" or message["user_role"] != "student":
        return
    if message["status"] not in ("complete", "cached") or message["backend"] == SAFETY_BACKEND:
        return
    subject, topic = _topic_of(conn, message["citations"], message["subject"])
    already = conn.execute(
        "SELECT 1 FROM learning_interactions WHERE kind = 'question' AND message_id IN ("
        " SELECT id FROM messages WHERE conversation_id = ? AND role = 'assistant'"
        " AND created_at >= (SELECT max(created_at) FROM messages"
        "  WHERE conversation_id = ? AND role = 'user')) LIMIT 1",
        (message["conversation_id"], message["conversation_id"])).fetchone()
    common = {"user_id": message["user_id"], "subject": subject, "topic": topic,
              "grade": message["grade"], "message_id": message_id}
    # A step of the textbook tutor's hint ladder is a hint, not an explanation; from its
    # second step on, the student's message before it was an attempt at the same question.
    hint = HINT.fullmatch(message["model"] or "") if message["backend"] == TEXTBOOK_BACKEND \
        else None
    if already is None and (hint is None or int(hint["step"]) < 2):
        record_interaction(conn, kind="question", **common)
    record_interaction(conn, kind="hint" if hint else "explanation", **common)


def _topic_of(conn: Connection, citations_json: str, subject: str) -> tuple[str, str]:
    """The topic most of the cited passages belong to (the best-ranked wins a tie)."""
    try:
        chunk_ids = [str(c.get("chunk_id", "")) for c in json.loads(citations_json or "[]")]
    except (ValueError, AttributeError):
        chunk_ids = []
    chunk_ids = [c for c in chunk_ids if c]
    if not chunk_ids:
        return subject, ""
    rows = conn.execute(
        "SELECT c.id, c.topic_id, t.subject FROM chunks c JOIN textbooks t "
        f"ON t.id = c.textbook_id WHERE c.id IN ({','.join('?' * len(chunk_ids))})",
        chunk_ids).fetchall()
    by_id = {r["id"]: r for r in rows}
    ranked = [by_id[c] for c in chunk_ids if c in by_id and by_id[c]["topic_id"]]
    if not ranked:
        return subject, ""
    counts = Counter(r["topic_id"] for r in ranked)
    best = max(ranked, key=lambda r: counts[r["topic_id"]])   # first max = best ranked
    return subject or best["subject"], best["topic_id"]
