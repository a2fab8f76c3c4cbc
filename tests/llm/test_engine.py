"""The local engine with the real embedded GGUF: streaming, stopping, prefix caching."""

from __future__ import annotations

import threading

from tutor_desktop.core.llm.backend import ChatBackend, ChatMessage, Delta
from tutor_desktop.core.llm.local import LocalBackend, fold_system

QUESTION = [ChatMessage("system", "Be a kind tutor."),
            ChatMessage("user", "What is 2 + 3?")]


def _collect(stream: object) -> tuple[list[str], Delta]:
    pieces, last = [], None
    for delta in stream:  # type: ignore[attr-defined]
        if delta.completion is None:
            pieces.append(delta.text)
        last = delta
    assert last is not None and last.completion is not None
    return pieces, last


def test_streams_text_in_pieces_then_reports_tokens(engine: LocalBackend) -> None:
    assert isinstance(engine, ChatBackend)
    pieces, last = _collect(engine.stream(QUESTION, max_tokens=12, temperature=0))
    assert len(pieces) > 1, "text arrives token by token, not in one block"
    assert "".join(pieces).strip()
    done = last.completion
    assert done is not None
    assert done.finish_reason in ("stop", "length")
    assert 0 < done.completion_tokens <= 12
    assert done.prompt_tokens == engine.count_prompt(QUESTION)
    assert engine.name == "local" and engine.model == "gemma3-270m"


def test_same_question_same_answer_at_temperature_zero(engine: LocalBackend) -> None:
    first, _ = _collect(engine.stream(QUESTION, max_tokens=10, temperature=0))
    second, _ = _collect(engine.stream(QUESTION, max_tokens=10, temperature=0))
    assert "".join(first) == "".join(second)


def test_stop_event_ends_the_stream_early_and_keeps_the_text(engine: LocalBackend) -> None:
    stop = threading.Event()
    pieces: list[str] = []
    final = None
    for delta in engine.stream(QUESTION, max_tokens=200, temperature=0, stop_event=stop):
        if delta.completion is not None:
            final = delta.completion
            continue
        pieces.append(delta.text)
        if len(pieces) == 3:
            stop.set()
    assert final is not None and final.finish_reason == "cancelled"
    assert len(pieces) == 3
    assert final.completion_tokens < 20


def test_follow_up_reuses_the_cached_prefix(engine: LocalBackend) -> None:
    """The second turn of a conversation re-processes only the new tokens."""
    history = [ChatMessage("system", "You are a patient tutor. " * 40),
               ChatMessage("user", "What is a triangle?")]
    answer = "".join(d.text for d in engine.stream(history, max_tokens=16, temperature=0))
    follow_up = [*history, ChatMessage("assistant", answer),
                 ChatMessage("user", "And a square?")]
    _collect(engine.stream(follow_up, max_tokens=4, temperature=0))
    timings = engine.last_timings
    assert timings.prompt_tokens > 250
    assert timings.cached_tokens >= timings.prompt_tokens - 40


def test_system_prompt_reaches_a_model_without_system_role() -> None:
    """The base Gemma format drops system messages; we fold them into the first turn."""
    folded = fold_system([ChatMessage("system", "Be kind."), ChatMessage("user", "Hi"),
                          ChatMessage("assistant", "Hello"), ChatMessage("user", "2+2?")])
    assert [m.role for m in folded] == ["user", "assistant", "user"]
    assert folded[0].content == "Be kind.\n\nHi"


def test_control_tokens_end_the_answer(engine: LocalBackend) -> None:
    """The base model starts an invented 'user' turn instead of stopping; we cut it there."""
    text = "".join(d.text for d in engine.stream(QUESTION, max_tokens=80, temperature=0))
    assert "<start_of_turn>" not in text
    assert "\nuser\n" not in text
