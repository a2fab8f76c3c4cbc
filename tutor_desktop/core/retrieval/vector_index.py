"""The sqlite-vec ``vec0`` table of passage vectors.

Its dimension depends on the embedding model, so it is created at run time
and the model id is recorded in ``settings``, with the fingerprint of the weights
that wrote the vectors (core/embeddings/fingerprint.py). When the loaded model or
its weights differ, the table is dropped and rebuilt empty: vectors from two models
(or two versions of one model under the same name) are never compared. Grade is
the partition key (a grade's books are searched without scanning others); subject
and language are metadata columns, so filters run *inside* the KNN query (a JOIN
after the KNN would silently drop results).
Queries always use ``k = ?`` (older SQLite rejects ``ORDER BY distance LIMIT``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tutor_desktop.core.storage import Database, utc_now
from tutor_desktop.core.storage.connection import Connection

TABLE = "chunk_vectors"
SETTING = "library.vector_model"
MAX_K = 4096  # sqlite-vec's limit for k


@dataclass(frozen=True)
class VectorRow:
    chunk_rowid: int
    grade: int
    subject: str
    language: str
    vector: bytes  # float32, little-endian


def to_blob(vector: npt.NDArray[np.float32]) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


class VectorIndex:
    """Creates, fills and queries the vec0 table for one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def current(self) -> tuple[str, int] | None:
        """(model id, dimension) of the vectors in the table, or None if there is none."""
        row = self.db.query_one("SELECT value FROM settings WHERE key = ?", (SETTING,))
        if row is None or not self._exists():
            return None
        value = json.loads(row["value"])
        return str(value["model_id"]), int(value["dim"])

    def _exists(self) -> bool:
        return self.db.query_one(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
        ) is not None

    def weights(self) -> str:
        """Fingerprint of the weights that wrote the vectors ("" when not recorded: an
        index from before fingerprints, or none yet)."""
        row = self.db.query_one("SELECT value FROM settings WHERE key = ?", (SETTING,))
        if row is None or not self._exists():
            return ""
        return str(json.loads(row["value"]).get("weights", ""))

    def matches(self, model_id: str, weights: str = "") -> bool:
        """Whether questions embedded by ``model_id`` with ``weights`` (a fingerprint;
        "" = unknown, not checked) may be compared with the stored vectors."""
        current = self.current()
        if current is None or current[0] != model_id:
            return False
        stored = self.weights()
        return not (weights and stored and weights != stored)

    def ensure(self, model_id: str, dim: int, weights: str = "") -> bool:
        """Make the table hold ``model_id`` vectors written with ``weights``; True if it had
        to be (re)built.

        A rebuild marks every book for re-embedding (``embed_model = ''``) and
        throws away staged vectors of unfinished imports: they belong to the
        old model too. An index recorded without a fingerprint adopts ``weights``.
        """
        if self.current() == (model_id, dim):
            stored = self.weights()
            if not weights or stored == weights:
                return False
            if not stored:
                self._record(model_id, dim, weights)
                return False
        with self.db.write() as conn:
            conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
            conn.execute(
                f"CREATE VIRTUAL TABLE {TABLE} USING vec0("
                "chunk_rowid integer primary key, "
                "grade integer partition key, "
                f"embedding float[{int(dim)}] distance_metric=cosine, "
                "subject text, language text)"
            )
            conn.execute("DELETE FROM chunk_staging")
            conn.execute("UPDATE chunks SET embedded = 0")
            conn.execute("UPDATE textbooks SET embed_model = ''")
        self._record(model_id, dim, weights)
        return True

    def _record(self, model_id: str, dim: int, weights: str) -> None:
        value: dict[str, Any] = {"model_id": model_id, "dim": int(dim)}
        if weights:
            value["weights"] = weights
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (SETTING, json.dumps(value), utc_now()),
            )

    @staticmethod
    def insert(conn: Connection, rows: Sequence[VectorRow]) -> None:
        """Add vectors inside the caller's write transaction (sorted by grade: much faster)."""
        conn.executemany(
            f"INSERT INTO {TABLE} (chunk_rowid, grade, embedding, subject, language) "
            "VALUES (?, ?, ?, ?, ?)",
            [(r.chunk_rowid, r.grade, r.vector, r.subject, r.language)
             for r in sorted(rows, key=lambda r: (r.grade, r.chunk_rowid))],
        )

    def delete(self, conn: Connection, rowids: Sequence[int]) -> None:
        if rowids and self._table_in(conn):
            conn.executemany(f"DELETE FROM {TABLE} WHERE chunk_rowid = ?",
                             [(rowid,) for rowid in rowids])

    def fetch(self, conn: Connection, rowids: Sequence[int]) -> list[tuple[int, bytes]]:
        """Stored vectors (rowid, float32 blob) of these passages, inside a transaction."""
        if not rowids or not self._table_in(conn):
            return []
        out: list[tuple[int, bytes]] = []
        for rowid in rowids:
            row = conn.execute(f"SELECT embedding FROM {TABLE} WHERE chunk_rowid = ?",
                               (rowid,)).fetchone()
            if row is not None:
                out.append((rowid, bytes(row[0])))
        return out

    def vectors(self, rowids: Sequence[int]) -> list[tuple[int, bytes]]:
        """Stored vectors (rowid, float32 blob) of these passages (read connection)."""
        if not rowids or not self._exists():
            return []
        out: list[tuple[int, bytes]] = []
        for rowid in rowids:        # one point query each: vec0 has no IN (...) look-up
            row = self.db.query_one(f"SELECT embedding FROM {TABLE} WHERE chunk_rowid = ?",
                                    (rowid,))
            if row is not None:
                out.append((rowid, bytes(row[0])))
        return out

    @staticmethod
    def _table_in(conn: Connection) -> bool:
        return conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
        ).fetchone() is not None

    def knn(self, vector: npt.NDArray[np.float32], k: int, *, grade: int | None = None,
            subject: str | None = None, language: str | None = None) -> list[tuple[int, float]]:
        """The ``k`` nearest passages as (chunk rowid, cosine distance), filters applied inside."""
        if not self._exists():
            return []
        sql = f"SELECT chunk_rowid, distance FROM {TABLE} WHERE embedding MATCH ? AND k = ?"
        params: list[Any] = [to_blob(vector), max(1, min(int(k), MAX_K))]
        if grade is not None:
            sql += " AND grade = ?"
            params.append(int(grade))
        if subject:
            sql += " AND subject = ?"
            params.append(subject)
        if language:
            sql += " AND language = ?"
            params.append(language)
        sql += " ORDER BY distance"
        return [(int(row[0]), float(row[1])) for row in self.db.query(sql, params)]

    def count(self) -> int:
        if not self._exists():
            return 0
        row = self.db.query_one(f"SELECT count(*) FROM {TABLE}")
        return int(row[0]) if row else 0
