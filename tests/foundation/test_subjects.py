"""One subject catalogue: the prompt, the library filter and the window agree on every name."""

from __future__ import annotations

import pytest

from tutor_desktop.core.subjects import (
    SUBJECTS,
    canonical_subject,
    subject_key,
    subject_name,
)
from tutor_desktop.core.tutor.prompts import PromptLibrary


@pytest.mark.parametrize(("typed", "subject_id", "english"), [
    ("bio", "biology", "Biology"),
    ("Science", "nature", "Human and nature"),
    ("Биологи", "biology", "Biology"),
    ("maths", "math", "Mathematics"),
    ("Иргэний боловсрол", "social", "Social studies"),
    ("газар зүй", "geography", "Geography"),
])
def test_a_teacher_and_a_student_naming_a_subject_differently_meet_on_one_id(
        typed: str, subject_id: str, english: str) -> None:
    """A book imported as ``--subject bio`` is found for the Biology tile, and the prompt
    names the subject properly whichever spelling was used."""
    assert canonical_subject(typed) == subject_id
    prompt = PromptLibrary().system_prompt("socratic", "en", 7, typed)
    assert english in prompt


def test_a_name_followed_by_a_grade_finds_its_subject_but_a_lookalike_word_does_not() -> None:
    assert subject_key("Биологи 7") == "biology"
    assert subject_key("social studies 8") == "social"
    assert subject_key("biochemistry") is None
    assert canonical_subject("Robotics Club") == "robotics club"  # a school's own subject
    assert subject_name("Robotics Club", "mn") == "Robotics Club"


def test_every_alias_belongs_to_exactly_one_subject() -> None:
    names: dict[str, str] = {}
    for subject in SUBJECTS:
        for name in (subject.id, subject.en, subject.mn, *subject.aliases):
            key = name.casefold()
            assert names.setdefault(key, subject.id) == subject.id, name


def test_the_window_draws_every_subject_of_the_catalogue_and_no_other() -> None:
    from tutor_desktop.ui.subjects import LOOKS

    assert set(LOOKS) == {s.id for s in SUBJECTS}
