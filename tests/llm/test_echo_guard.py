"""A weak model reciting its instructions or looping never reaches a child as an answer."""

from __future__ import annotations

from tutor_desktop.core.llm.backend import ChatMessage
from tutor_desktop.core.llm.echo_guard import EchoGuard
from tutor_desktop.core.llm.local import LocalBackend

SYSTEM = ("You are a patient tutor for a grade 8 student. Subject: Physics.\n"
          "Your goal is to help the student learn to solve problems on their own.")


def _run(guard: EchoGuard, pieces: list[str]) -> str:
    shown = "".join(guard.feed(p) for p in pieces)
    return shown + guard.finish()


def test_a_recited_instruction_line_is_held_back_and_ends_the_answer() -> None:
    guard = EchoGuard([SYSTEM])
    shown = _run(guard, ["You are a pat", "ient tutor for a grade 8 ", "student. Subject: ",
                         "Physics.\n", "More text"])
    assert shown == ""
    assert guard.stopped_reason == "echo"


def test_ordinary_text_streams_through_unchanged() -> None:
    guard = EchoGuard([SYSTEM])
    pieces = ["You are ", "right! Force", " equals mass\n", "times acceleration: $F = ma$."]
    shown_live = [guard.feed(p) for p in pieces]
    assert "".join(shown_live) + guard.finish() == "".join(pieces)
    assert shown_live[0] == "", "'You are ' could still be the recited first line"
    assert shown_live[1] == "You are right! Force", "released as soon as it diverges"
    assert guard.stopped_reason == ""


def test_a_line_repeated_three_times_stops_the_loop() -> None:
    guard = EchoGuard([])
    shown = _run(guard, ["- Энэ үйл явцыг фотосинтез гэнэ.\n"] * 5)
    assert shown.count("фотосинтез") == 3, "the answer ends at the third repetition"
    assert guard.stopped_reason == "repetition"


def test_the_real_base_model_does_not_recite_its_prompt(engine: LocalBackend) -> None:
    messages = [ChatMessage("system", SYSTEM), ChatMessage("user", "What is a force?")]
    engine.echo_guard = False
    raw = "".join(d.text for d in engine.stream(messages, max_tokens=40, temperature=0))
    engine.echo_guard = True
    guarded = "".join(d.text for d in engine.stream(messages, max_tokens=40, temperature=0))
    assert "You are a patient tutor for a grade 8 student" in raw  # what it does unguarded
    assert "You are a patient tutor" not in guarded
