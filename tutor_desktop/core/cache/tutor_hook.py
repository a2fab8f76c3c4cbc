"""The three calls the tutor service makes to the response cache.

Kept here so the tutor service stays about tutoring: it asks for a
:class:`CacheQuery`, looks it up before calling a model, and offers the finished
answer afterwards. All rules about what may be cached live in this package.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tutor_desktop.core.cache.response_cache import CachedAnswer, CacheQuery, ResponseCache
from tutor_desktop.core.llm.backend import ChatMessage


def query_for(session: Any, conversation: Any, history: Sequence[ChatMessage],
              question: str) -> CacheQuery:
    """A first turn is one with no earlier question in the conversation."""
    user = getattr(session, "user", None)
    return CacheQuery(
        question=question,
        grade=getattr(conversation, "grade", None),
        subject=str(getattr(conversation, "subject", "") or ""),
        language=str(getattr(conversation, "language", "") or ""),
        mode=str(getattr(conversation, "mode", "") or ""),
        first_turn=not any(m.role == "user" for m in history),
        student_name=str(getattr(user, "display_name", "") or ""),
    )


def candidate_models(backend: Any) -> list[str]:
    """Models that may answer, in the router's order (a plain backend: just its model)."""
    models = getattr(backend, "candidate_models", None)
    if callable(models):
        return [str(m) for m in models()]
    model = getattr(backend, "model", "")
    return [str(model)] if model else []


def lookup(cache: ResponseCache | None, query: CacheQuery, backend: Any) -> CachedAnswer | None:
    if cache is None or not query.cacheable:
        return None
    return cache.lookup(query, candidate_models(backend))


def remember(cache: ResponseCache | None, query: CacheQuery, backend: Any, *, text: str,
             model: str, status: str, finish_reason: str) -> bool:
    """Offer a finished answer; stitched (continued across backends) answers are refused."""
    if cache is None or status != "complete" or not model:
        return False
    record = getattr(backend, "record", None)
    if str(getattr(record, "continued_from", "") or ""):
        return False
    return cache.record(query, model, text, finish_reason=finish_reason)
