"""The tutor and the student's progress, with the real embedded model: the prompt names
the student's weak topics, and such a personalised answer never enters the response cache
(a classmate with no weak topics gets the common answer cached as before)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from model_files import gemma_gguf, link_into

QUESTION = "Фотосинтез гэж юу вэ?"


@pytest.fixture
def model_env(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    """The embedded model writes the answers (short ones), as in tests/tutor."""
    link_into(gemma_gguf(), data_dir / "models")
    monkeypatch.setenv("TUTOR_N_CTX", "1024")
    monkeypatch.setenv("TUTOR_ECHO_GUARD", "0")
    monkeypatch.setenv("TUTOR_ANSWER_GATE", "0")
    monkeypatch.setenv("TUTOR_MAX_NEW_TOKENS", "16")


class _Seen:
    """The router, with every prompt it is handed written down (the answers are real).

    ``kind="remote"`` presents the same model as an online provider, to see what would
    leave the PC with the question."""

    def __init__(self, router: Any, kind: str | None = None) -> None:
        self.router = router
        self.kind = kind
        self.prompts: list[str] = []

    def backend(self, prefer: str = "auto") -> Any:
        return _SeenBackend(self.router.backend(prefer), self.prompts, self.kind)


class _SeenBackend:
    def __init__(self, real: Any, prompts: list[str], kind: str | None) -> None:
        self._real = real
        self._prompts = prompts
        self._kind = kind

    @property
    def name(self) -> str:
        return self._kind or str(self._real.name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def stream(self, messages: Any, **kwargs: Any) -> Any:
        self._prompts.append(messages[-1].content)
        return self._real.stream(messages, **kwargs)


def _cached_rows(services: Any) -> int:
    return int(services.db.query_one("SELECT count(*) AS n FROM response_cache")["n"])


def test_weak_topics_reach_the_prompt_and_the_answer_is_never_cached(
        model_env: None, services: Any, school8: Any, books: Any, progress: Any) -> None:
    from tutor_desktop.core.cache import ResponseCache

    anu, temuulen = school8.anu_session, school8.temuulen_session
    topic = next(t for t in progress.topics(books["biology"]) if t.title.startswith("1.1"))
    for item in progress.practice_set(anu, topic.id):
        progress.answer(anu, item.id, "мэдэхгүй")
    assert progress.weak_topics(anu, "biology") == [topic.title]
    assert progress.weak_topics(anu, "Биологи") == [topic.title]      # the subject's name
    assert progress.weak_topics(anu, "physics") == []
    assert progress.weak_topics(temuulen, "biology") == []            # never practised
    assert progress.weak_topics(school8.teacher_session, "biology") == []
    tutor = services.tutor
    seen = _Seen(tutor.backends)
    tutor.backends = seen
    tutor.cache = ResponseCache(services.db, hit_threshold=1)   # any answer may be kept

    for _ in range(2):
        conv = tutor.start_conversation(anu, subject="biology")
        reply = tutor.ask(anu, conv.id, QUESTION)
        assert reply.status == "complete" and reply.backend == "local"
        assert topic.title in seen.prompts[-1] and "хүнд байна" in seen.prompts[-1]
        assert _cached_rows(services) == 0
    assert len(seen.prompts) == 2                   # both answers came from the model

    # A classmate with no weak topics: no such line, and the common answer is cached.
    conv = tutor.start_conversation(temuulen, subject="biology")
    reply = tutor.ask(temuulen, conv.id, QUESTION)
    assert reply.status == "complete" and topic.title not in seen.prompts[-1]
    assert "хүнд байна" not in seen.prompts[-1]
    assert _cached_rows(services) == 1
    again = tutor.start_conversation(temuulen, subject="biology")
    assert tutor.ask(temuulen, again.id, QUESTION).status == "cached"
    assert len(seen.prompts) == 3

    # Once Анужин has practised the topic well, it is no longer named.
    for item in progress.practice_set(anu, topic.id):
        progress.answer(anu, item.id, item.answer)
    assert progress.weak_topics(anu, "biology") == []


def test_weak_topics_never_leave_the_pc_with_a_question_to_an_online_model(
        model_env: None, services: Any, school8: Any, books: Any, progress: Any) -> None:
    anu = school8.anu_session
    topic = next(t for t in progress.topics(books["biology"]) if t.title.startswith("1.1"))
    for item in progress.practice_set(anu, topic.id):
        progress.answer(anu, item.id, "мэдэхгүй")
    assert progress.weak_topics(anu, "biology") == [topic.title]
    tutor = services.tutor
    online = _Seen(tutor.backends, kind="remote")
    tutor.backends = online
    conv = tutor.start_conversation(anu, subject="biology")
    tutor.ask(anu, conv.id, QUESTION)
    assert QUESTION in online.prompts[-1]                     # the question went out...
    assert topic.title not in online.prompts[-1]              # ...her weak topic did not
    assert "хүнд байна" not in online.prompts[-1]
    on_this_pc = _Seen(online.router)
    tutor.backends = on_this_pc
    tutor.ask(anu, tutor.start_conversation(anu, subject="biology").id, QUESTION)
    assert topic.title in on_this_pc.prompts[-1]              # the local model may know it
