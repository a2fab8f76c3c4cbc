"""Hybrid textbook search: sqlite-vec KNN + FTS5 BM25, fused by reciprocal rank.

Vectors find passages that *mean* the same as the question (also across
Mongolian and English); BM25 finds the exact terms (formula names, "Kalvin
cycle", a number) that small embedders blur. Reciprocal-rank fusion needs no
score calibration between the two, which matters because e5's cosine scores
for related and unrelated Mongolian text overlap (measured 0.78-0.88): we rank,
never threshold.

"What is X?" -- the question students ask most -- gets a third ranked list:
passages that *define* X ("... X гэнэ", "X гэж нэрлэдэг", "is called X").
In a chapter about X every passage mentions X, so neither BM25 nor the
vectors single out the defining sentence on their own.

Filters (grade, subject, language) are applied inside each query. When a
scope has no passages at all the search widens: any language, then the same
subject in other grades, then the grade's other subjects, then everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tutor_desktop.core.embeddings.base import Embedder
from tutor_desktop.core.embeddings.fingerprint import query_weights
from tutor_desktop.core.embeddings.text import normalize_for_embedding
from tutor_desktop.core.retrieval import crosslingual
from tutor_desktop.core.retrieval.types import LABEL_COLUMNS, LABEL_JOINS, Hit
from tutor_desktop.core.retrieval.vector_index import VectorIndex
from tutor_desktop.core.storage import Database
from tutor_desktop.core.subjects import canonical_subject

RRF_K = 60
_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORD_TEXT = (
    # English
    "a an and are as at be by do does did for from how in is it its of on or that the this to "
    "was what when where which who why will with you your can we our there their they them "
    "about into than then these those has have had not no yes if so such also"
    # Mongolian (particles, question words, auxiliaries)
    " ба бол юу юм вэ бэ уу үү нь нар гэж гэдэг гэсэн ямар яагаад хэрхэн хэзээ хаана хэн "
    "ээ аа оо өө ч л энэ тэр эдгээр тэдгээр бөгөөд болон мөн байна байдаг байдал байх "
    "гэнэ хийх хэд хэдэн яаж дээр доор руу рүү"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# "X гэж юу вэ?", "X гэж юуг хэлэх вэ?", "X гэдэг нь юу вэ?"; "What is (a) X?", "Define X".
_DEFINITION_QUESTION = (
    re.compile(r"(?:^|[.!?]\s*)(?P<term>[^.!?,]+?)\s+(?:гэж|гэдэг\s+нь|гэдэг)\s+юу", re.I),
    re.compile(r"(?:^|[.!?]\s*)(?:what\s+(?:is|are)|define)\s+(?:an?\s+|the\s+)?"
               r"(?P<term>[^.!?,]+?)\s*(?:[.!?,]|$)", re.I),
)
# How textbooks phrase a definition, next to the term (FTS5 phrases; NEAR is unordered).
_DEFINITION_MARKERS = ('"гэнэ"', '"гэж" + "нэрлэ"*', '"гэдэг" + "нь"', '"called"',
                       '"known" + "as"', '"defined" + "as"', '"means"')
_DEFINITION_MAX_WORDS = 4


@dataclass(frozen=True)
class Scope:
    grade: int | None
    subject: str | None
    language: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"grade": self.grade, "subject": self.subject, "language": self.language}


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    scope: Scope          # the scope that produced the hits
    widened: bool         # True when the asked-for scope had nothing
    vectors_used: bool    # False when vectors are missing or being rebuilt (keywords only)


def fts_query(question: str) -> str:
    """An FTS5 MATCH expression: content words OR-ed, long words as prefixes.

    Mongolian is agglutinative ("фотосинтезийн", "фотосинтезийг"): a prefix of
    the word matches its other case forms, a cheap stand-in for a stemmer.
    """
    words = [w for w in _WORD.findall(normalize_for_embedding(question).casefold())
             if len(w) > 1 and w not in _STOPWORDS]
    terms: list[str] = []
    for word in dict.fromkeys(words):
        if len(word) >= 6 and not word.isdigit():
            terms.append(f'"{word[:max(5, len(word) - 3)]}"*')
        else:
            terms.append(f'"{word}"')
    return " OR ".join(terms)


def definition_query(question: str) -> str:
    """An FTS5 expression for passages that define the term a "What is X?" asks about
    (empty for other questions)."""
    text = normalize_for_embedding(question).casefold().strip()
    for pattern in _DEFINITION_QUESTION:
        found = pattern.search(text)
        if found is None:
            continue
        words = _WORD.findall(found.group("term"))
        if not words or len(words) > _DEFINITION_MAX_WORDS or any(w in _STOPWORDS
                                                                for w in words[-1:]):
            return ""
        term = '"' + " ".join(words) + '"'
        return " OR ".join(f"NEAR({term} {marker}, 2)" for marker in _DEFINITION_MARKERS)
    return ""


def scopes(grade: int | None, subject: str | None, language: str | None) -> list[Scope]:
    """The asked-for scope, then wider ones, without repeats."""
    order = [
        Scope(grade, subject, language),
        Scope(grade, subject, None),
        Scope(None, subject, None),
        Scope(grade, None, None),
        Scope(None, None, None),
    ]
    return list(dict.fromkeys(order))


class HybridRetriever:
    """Implements :class:`~tutor_desktop.core.retrieval.types.Retriever`."""

    def __init__(self, db: Database, embedder: Callable[[], Embedder | None], *,
                 candidates: int = 30,
                 on_stale_vectors: Callable[[], object] | None = None) -> None:
        self.db = db
        self.vectors = VectorIndex(db)
        self._embedder = embedder
        self.candidates = candidates
        self._on_stale = on_stale_vectors

    def search(self, query: str, *, grade: int | None = None, subject: str | None = None,
               language: str | None = None, k: int = 5) -> list[Hit]:
        return self.search_detailed(query, grade=grade, subject=subject, language=language,
                                    k=k).hits

    def search_detailed(self, query: str, *, grade: int | None = None,
                        subject: str | None = None, language: str | None = None, k: int = 5,
                        mode: str = "hybrid") -> SearchResult:
        """Search with widening; ``mode`` is hybrid, vector or keyword (for comparisons)."""
        subject_key = canonical_subject(subject) or None
        language_key = (language or "").strip().lower() or None
        tried = scopes(grade, subject_key, language_key)
        if not self._scope_has_books(tried[-1]):
            # An empty library: do not load (or convert) the embedder for nothing.
            return SearchResult([], tried[0], False, False)
        query_vector = self._query_vector(query) if mode in ("hybrid", "vector") else None
        match = fts_query(query) if mode in ("hybrid", "keyword") else ""
        # hybrid only: the vector and keyword modes stay plain baselines for comparisons
        definition = definition_query(query) if match and mode == "hybrid" else ""
        for index, scope in enumerate(tried):
            if not self._scope_has_books(scope):
                continue
            ranked = self._rank(scope, query_vector, match, max(k, 1), definition)
            if ranked:
                hits = self._hits(ranked[:k])
                if query_vector is not None:
                    hits = self._cross_language(query, language_key, query_vector, scope, hits)
                return SearchResult(hits, scope, index > 0, query_vector is not None)
        return SearchResult([], tried[0], False, query_vector is not None)

    # ---------------------------------------------------------------- parts
    def _query_vector(self, query: str) -> Any:
        embedder = self._embedder()
        if embedder is None:
            return None
        if not self.vectors.matches(embedder.model_id, query_weights(embedder)):
            # Stored vectors belong to another model, or to other weights than the
            # question engine's (core/embeddings/fingerprint.py), or none yet: never
            # compare across vector spaces. Keyword search still answers; the library re-indexes.
            if self._on_stale is not None:
                self._on_stale()
            return None
        return embedder.embed_query(query)

    def _cross_language(self, query: str, language: str | None, query_vector: Any,
                        scope: Scope, hits: list[Hit]) -> list[Hit]:
        """Hits in another language than the question get their
        :func:`~.crosslingual.csls` score (the relevance floor cannot compare words)."""
        asked = language or _script_language(query)
        other = [h for h in hits if asked and h.language and h.language != asked]
        embedder = self._embedder()
        if not other or embedder is None:
            return hits
        marks = ",".join("?" * len(other))
        rowids = {r["id"]: int(r["rowid"]) for r in self.db.query(
            f"SELECT rowid, id FROM chunks WHERE id IN ({marks})", [h.chunk_id for h in other])}
        stored = dict(self.vectors.vectors([rowids[h.chunk_id] for h in other
                                            if h.chunk_id in rowids]))
        scored = [h for h in other if rowids.get(h.chunk_id) in stored]
        if not scored:
            return hits
        nearest = self.vectors.knn(query_vector, crosslingual.K, grade=scope.grade,
                                   subject=scope.subject, language=scope.language)
        values = crosslingual.csls(
            query_vector,
            np.stack([np.frombuffer(stored[rowids[h.chunk_id]], dtype="<f4") for h in scored]),
            [1.0 - distance for _, distance in nearest],
            crosslingual.anchor_vectors(embedder, asked))
        by_id = {h.chunk_id: value for h, value in zip(scored, values, strict=True)}
        return [replace(h, cross_score=round(by_id[h.chunk_id], 4)) if h.chunk_id in by_id
                else h for h in hits]

    def _scope_has_books(self, scope: Scope) -> bool:
        sql, params = _book_filter(scope)
        row = self.db.query_one(f"SELECT 1 FROM textbooks t WHERE {sql} LIMIT 1", params)
        return row is not None

    def _rank(self, scope: Scope, query_vector: Any, match: str, k: int,
              definition: str = "") -> list[tuple[int, float]]:
        lists: list[list[int]] = []
        scores: dict[int, float] = {}
        defining = ([rowid for rowid, _ in self._keyword(scope, definition, self.candidates)]
                    if definition else [])
        if query_vector is not None:
            nearest = self.vectors.knn(query_vector, max(self.candidates, k), grade=scope.grade,
                                       subject=scope.subject, language=scope.language)
            lists.append([rowid for rowid, _ in nearest])
            if not match:
                return [(rowid, 1.0 - distance) for rowid, distance in nearest]
        if match:
            keyword = self._keyword(scope, match, max(self.candidates, k))
            lists.append([rowid for rowid, _ in keyword])
            if query_vector is None and not defining:
                return [(rowid, -bm25) for rowid, bm25 in keyword]
        keyword_rank = {rowid: rank for rank, rowid in enumerate(lists[-1] if lists else [])}
        if defining:
            lists.append(defining)
        for ranking in lists:
            for rank, rowid in enumerate(ranking, start=1):
                scores[rowid] = scores.get(rowid, 0.0) + 1.0 / (RRF_K + rank)
        # Ties (rank 1 + 3 vs 3 + 1) go to the passage with the exact words: keyword
        # matches are the more precise signal for a short question.
        return sorted(scores.items(),
                      key=lambda item: (-item[1], keyword_rank.get(item[0], len(keyword_rank))))

    def _keyword(self, scope: Scope, match: str, limit: int) -> list[tuple[int, float]]:
        sql, params = _book_filter(scope)
        rows = self.db.query(
            "SELECT c.rowid AS rowid, bm25(chunks_fts, 1.0, 0.5) AS score FROM chunks_fts "
            "JOIN chunks c ON c.rowid = chunks_fts.rowid "
            "JOIN textbooks t ON t.id = c.textbook_id "
            f"WHERE chunks_fts MATCH ? AND {sql} ORDER BY score LIMIT ?",
            [match, *params, limit])
        return [(int(r["rowid"]), float(r["score"])) for r in rows]

    def _hits(self, ranked: Sequence[tuple[int, float]]) -> list[Hit]:
        if not ranked:
            return []
        marks = ",".join("?" * len(ranked))
        rows = self.db.query(
            "SELECT c.rowid AS rowid, c.id, c.textbook_id, t.title, c.page_start, c.page_end, "
            f"c.heading, c.text, t.subject, t.language, {LABEL_COLUMNS} FROM chunks c "
            f"JOIN textbooks t ON t.id = c.textbook_id {LABEL_JOINS} "
            f"WHERE c.rowid IN ({marks}) AND t.status = 'ready'", [r for r, _ in ranked])
        by_rowid = {int(r["rowid"]): r for r in rows}
        return [Hit(chunk_id=row["id"], textbook_id=row["textbook_id"], book=row["title"],
                    page_start=int(row["page_start"]), page_end=int(row["page_end"]),
                    heading=row["heading"], text=row["text"], score=float(score),
                    label_start=row["label_start"] or "", label_end=row["label_end"] or "",
                    subject=row["subject"] or "", language=row["language"] or "")
                for rowid, score in ranked if (row := by_rowid.get(rowid)) is not None]


def _script_language(text: str) -> str:
    """"mn" for mostly Cyrillic letters, "en" for mostly Latin, "" for neither."""
    cyrillic = len(re.findall(r"[\u0400-\u04ff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    if cyrillic == latin == 0:
        return ""
    return "mn" if cyrillic >= latin else "en"


def _book_filter(scope: Scope) -> tuple[str, list[Any]]:
    clauses = ["t.status = 'ready'"]
    params: list[Any] = []
    if scope.grade is not None:
        clauses.append("t.grade = ?")
        params.append(int(scope.grade))
    if scope.subject:
        clauses.append("t.subject = ?")
        params.append(scope.subject)
    if scope.language:
        clauses.append("t.language = ?")
        params.append(scope.language)
    return " AND ".join(clauses), params
