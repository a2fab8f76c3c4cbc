"""Textbook passages in answers: citations returned and stored, no invented sources."""

from __future__ import annotations

import pytest

from tutor_desktop.core.accounts import SYSTEM
from tutor_desktop.core.retrieval.types import Hit

PASSAGE = Hit(chunk_id="c1", textbook_id="t1", book="Физик 7", page_start=42, page_end=42,
              heading="Хурд", text="Хурд гэдэг нь нэгж хугацаанд туулсан зам юм. v = s / t. " * 8,
              score=0.91)


class OneBook:
    """A retriever over a single passage (the library's hybrid retriever is the real one)."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.queries: list[tuple[str, int | None, str | None, str | None]] = []

    def search(self, query: str, *, grade: int | None = None, subject: str | None = None,
               language: str | None = None, k: int = 5) -> list[Hit]:
        self.queries.append((query, grade, subject, language))
        return self.hits[:k]


@pytest.fixture
def context_2048(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_N_CTX", "2048")
    monkeypatch.setenv("TUTOR_MAX_NEW_TOKENS", "24")
    # These tests check the prompt the model gets: the exam gate would have the textbook
    # tutor answer for the embedded model instead (tests/integration/test_textbook_tutor.py).
    monkeypatch.setenv("TUTOR_ANSWER_GATE", "0")


def test_passages_are_cited_and_stored(context_2048, model_installed, services,
                                       student) -> None:
    tutor = services.tutor
    tutor.retriever = OneBook([])
    without = tutor.answer_once(SYSTEM, "Хурд гэж юу вэ?", grade=7, subject="physics",
                                 max_tokens=4)
    tutor.retriever = OneBook([PASSAGE])
    conv = tutor.start_conversation(student, subject="physics")
    reply = tutor.ask(student, conv.id, "Хурд гэж юу вэ?")
    assert tutor.retriever.queries[-1] == ("Хурд гэж юу вэ?", 7, "physics", "mn")
    assert reply.citations == [PASSAGE.citation()]
    assert reply.prompt_tokens > without.prompt_tokens + 150, "the passage is in the prompt"
    stored = services.conversations.messages(student, conv.id)[-1]
    assert stored.citations == [PASSAGE.citation()]
    assert reply.notices == []


def test_no_passage_found_is_said_not_invented(small_context, model_installed, services,
                                               student) -> None:
    tutor = services.tutor
    tutor.retriever = OneBook([])
    conv = tutor.start_conversation(student, subject="physics")
    reply = tutor.ask(student, conv.id, "Хурд гэж юу вэ?")
    assert reply.citations == []
    assert [n.message_id for n in reply.notices] == ["tutor_no_sources"]
    assert "сурах бичгийн эх сурвалжгүй" in reply.notices[0].message("mn")


def test_passages_that_do_not_fit_are_left_out_not_the_answer(
        small_context, model_installed, services, student) -> None:
    """A 1,024-token window holds the Mongolian system prompt and the question, not the book."""
    tutor = services.tutor
    tutor.retriever = OneBook([PASSAGE, PASSAGE])
    conv = tutor.start_conversation(student, subject="physics")
    reply = tutor.ask(student, conv.id, "Хурд гэж юу вэ?")
    assert reply.status == "complete" and reply.text
    assert reply.citations == [], "only passages the model saw are cited"
