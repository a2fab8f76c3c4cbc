"""Finding the maths in answers (what the window draws instead of raw LaTeX)."""

from __future__ import annotations

from tutor_desktop.core.tutor.formatting import MathSpan, extract_math
from tutor_desktop.core.tutor.prompts import PromptLibrary, grade_band


def test_inline_and_display_formulas_are_found() -> None:
    text, spans = extract_math("Энд $a = 1$ байна:\n$$x = \\frac{-b}{2a}$$\nба \\(y^2\\).")
    assert spans == [MathSpan("a = 1", False), MathSpan("x = \\frac{-b}{2a}", True),
                     MathSpan("y^2", False)]
    assert "\n\nXMATHX1X\n\n" in text, "display maths gets its own paragraph"


def test_money_and_code_are_not_maths() -> None:
    assert extract_math("It costs $5 and $6 in total.")[1] == []
    assert extract_math("Use `$x$` in code\n```\n$y$\n```")[1] == []


def test_prompts_come_from_files_per_language_band_and_subject() -> None:
    prompts = PromptLibrary()
    young = prompts.system_prompt("socratic", "mn", 2, "math")
    assert "2-р ангийн бага насны хүүхдэд" in young and "Математик" in young
    assert "108" in young, "the safety rules are always included"
    older = prompts.system_prompt("explain", "en", 11, "physics")
    assert "grade 11" in older and "Physics" in older and "Reply in English" in older
    assert grade_band(None) == "" and grade_band(5) == "primary" and grade_band(12) == "high"
    assert "\\frac" not in older and "{grade" not in older
