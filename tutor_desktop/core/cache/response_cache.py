"""A response cache for common first questions ("What is photosynthesis?").

Thirty students in a lab often ask the same opening question within a lesson;
answering it again costs a remote call (money, a slow link) or a minute of the
lab PC's CPU. We keep an answer in SQLite (the ``response_cache`` table) once a
question has been asked ``hit_threshold`` times (default 3), so one-off
questions, which may carry personal detail, never fill the cache, and serve it
for ``ttl_s`` (24 h). The key is a hash of grade, subject, language, the
normalised question and the model, so a better model's answer is never passed
off as another's.

Never cached: follow-up questions (their answer depends on the conversation),
personalised questions (the student's own work or name), questions with
images, and answers that were stopped, broken off or stitched across backends.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tutor_desktop.core.storage import Database

DEFAULT_TTL_S = 24 * 3600.0
DEFAULT_MAX_ENTRIES = 2000
DEFAULT_HIT_THRESHOLD = 3
MAX_QUESTION_CHARS = 300  # longer questions are the student's own work, not a common question
CACHEABLE_FINISH = frozenset({"stop", "length"})

# Words that make a question about the student themself ("my homework", "миний даалгавар").
_PERSONAL = re.compile(
    r"\b(my|mine|myself|i'm|i've)\b|\b(миний|минийх|өөрийн|минь)\b",
    re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s?？!.。,;:…]+$")


def normalise_question(text: str) -> str:
    """The form two askings of one question share: NFKC, case-folded, single spaces,
    no trailing punctuation (``"What is  2+2 ?"`` == ``"what is 2+2"``)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _SPACES.sub(" ", text).strip()
    return _TRAILING.sub("", text)


@dataclass(frozen=True)
class CacheQuery:
    """A question and what it depends on besides the model."""

    question: str
    grade: int | None = None
    subject: str = ""
    language: str = "mn"
    mode: str = ""           # socratic and explain answers differ: part of the key
    first_turn: bool = True
    personalised: bool = False
    has_images: bool = False
    student_name: str = ""

    def refusal(self) -> str:
        """Why this question must not use the cache ("" when it may)."""
        if not self.first_turn:
            return "follow-up"
        if self.has_images:
            return "images"
        if self.personalised:
            return "personalised"
        normal = normalise_question(self.question)
        if not normal:
            return "empty"
        if len(normal) > MAX_QUESTION_CHARS:
            return "long"
        if _PERSONAL.search(normal):
            return "personalised"
        name = normalise_question(self.student_name)
        if name and any(part and part in normal for part in name.split(" ") if len(part) > 2):
            return "personalised"
        return ""

    @property
    def cacheable(self) -> bool:
        return not self.refusal()


@dataclass(frozen=True)
class CachedAnswer:
    answer: str
    model: str
    key: str
    asked: int
    created_at: str
    expires_at: str


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


class ResponseCache:
    """The cache over the ``response_cache`` table (thread-safe through ``Database``)."""

    def __init__(self, db: Database, *, ttl_s: float = DEFAULT_TTL_S,
                 max_entries: int = DEFAULT_MAX_ENTRIES,
                 hit_threshold: int = DEFAULT_HIT_THRESHOLD,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.hit_threshold = max(1, hit_threshold)
        self.clock = clock

    @staticmethod
    def key(query: CacheQuery, model: str) -> str:
        parts = [query.grade, query.subject.strip().casefold(), query.language,
                 normalise_question(query.question), model, query.mode]
        return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()

    def lookup(self, query: CacheQuery, models: Sequence[str]) -> CachedAnswer | None:
        """A fresh stored answer from the first of ``models`` that has one (None: ask a model).

        ``models`` is the routing chain's models in order of preference, so a school
        that went offline can still get the remote model's saved answer.
        """
        if not query.cacheable:
            return None
        now = _iso(self.clock())
        for model in dict.fromkeys(m for m in models if m):
            key = self.key(query, model)
            row = self.db.query_one(
                "SELECT * FROM response_cache WHERE key = ? AND answer != '' AND expires_at > ?",
                (key, now))
            if row is None:
                continue
            with self.db.write() as conn:
                conn.execute("UPDATE response_cache SET asked = asked + 1 WHERE key = ?", (key,))
            return CachedAnswer(str(row["answer"]), str(row["model"]), key, int(row["asked"]) + 1,
                                str(row["created_at"]), str(row["expires_at"]))
        return None

    def record(self, query: CacheQuery, model: str, answer: str, *,
               finish_reason: str = "stop") -> bool:
        """Count this asking and, from the ``hit_threshold``-th on, keep the answer.

        Returns True when the answer was stored. Call it only for an answer that
        one model produced from start to end.
        """
        if not query.cacheable or not model or finish_reason not in CACHEABLE_FINISH:
            return False
        if not answer.strip():
            return False
        key = self.key(query, model)
        now_epoch = self.clock()
        now, expires = _iso(now_epoch), _iso(now_epoch + self.ttl_s)
        stored = False
        with self.db.write() as conn:
            row = conn.execute("SELECT asked, answer, expires_at FROM response_cache WHERE key = ?",
                               (key,)).fetchone()
            if row is None or str(row["expires_at"]) <= now:
                asked, current = 1, ""
                conn.execute(
                    "INSERT INTO response_cache (key, answer, model, asked, created_at, expires_at)"
                    " VALUES (?, '', ?, 1, ?, ?) ON CONFLICT(key) DO UPDATE SET answer = '', "
                    "model = excluded.model, asked = 1, created_at = excluded.created_at, "
                    "expires_at = excluded.expires_at", (key, model, now, expires))
            else:
                asked, current = int(row["asked"]) + 1, str(row["answer"])
                conn.execute("UPDATE response_cache SET asked = ? WHERE key = ?", (asked, key))
            if asked >= self.hit_threshold and not current:
                conn.execute("UPDATE response_cache SET answer = ?, model = ?, created_at = ?, "
                             "expires_at = ? WHERE key = ?", (answer, model, now, expires, key))
                stored = True
            self._enforce_bounds(conn, now)
        return stored

    def _enforce_bounds(self, conn: Any, now: str) -> None:
        conn.execute("DELETE FROM response_cache WHERE expires_at <= ?", (now,))
        count = int(conn.execute("SELECT count(*) FROM response_cache").fetchone()[0])
        excess = count - self.max_entries
        if excess > 0:
            # Lose first the questions still being counted, then the least asked, oldest answers.
            conn.execute(
                "DELETE FROM response_cache WHERE key IN (SELECT key FROM response_cache "
                "ORDER BY (answer != '') ASC, asked ASC, created_at ASC LIMIT ?)", (excess,))

    def clear(self) -> None:
        with self.db.write() as conn:
            conn.execute("DELETE FROM response_cache")

    def stats(self) -> dict[str, int]:
        row = self.db.query_one(
            "SELECT count(*) AS rows, sum(answer != '') AS answers, "
            "coalesce(sum(asked), 0) AS asked FROM response_cache")
        return {"rows": int(row["rows"]), "answers": int(row["answers"] or 0),
                "asked": int(row["asked"])}
