"""Answer checking: what a child types on a lab PC, and whether it counts as right."""

from __future__ import annotations

import pytest

from tutor_desktop.core.progress.checking import check_item

CASES = [
    # kind, given, answer, data, right?
    ("cloze", "фотосинтез", "фотосинтез", {}, True),
    ("cloze", "  Фотосинтез. ", "фотосинтез", {}, True),
    ("cloze", "ФОТОСИНТЕЗ!", "фотосинтез", {}, True),
    ("cloze", "фoтocинтeз", "фотосинтез", {}, True),           # Latin o, c, e typed inside
    ("cloze", "хлорофил", "хлорофилл", {}, False),
    ("cloze", "гетеротроф  организм", "гетеротроф организм", {}, True),
    ("cloze", "гетеротроф", "гетеротроф организм", {}, False),
    ("cloze", "усны уур", "үсны уур", {}, True),                # ү typed as у
    ("cloze", "хорон", "хөрөн", {}, True),                      # ө typed as о
    ("cloze", "хүчилтөрөгч", "хучилторогч", {}, True),
    ("cloze", "", "амсар", {}, False),
    ("cloze", "the inertia", "inertia", {}, True),
    ("cloze", "free body diagram", "free-body diagram", {}, True),
    ("cloze", "drag", "Air resistance", {"synonyms": ["drag"]}, True),
    ("cloze", "friction", "Air resistance", {"synonyms": ["drag"]}, False),
    ("choice", "inertia", "inertia", {}, True),
    ("choice", "Inertia", "inertia", {}, False),                # choices are exact
    ("choice", "mass", "inertia", {}, False),
    ("numeric", "17", "17", {"unit": "N"}, True),
    ("numeric", "17 N", "17", {"unit": "N"}, True),
    ("numeric", "17 Н", "17", {"unit": "N"}, True),             # Cyrillic Н
    ("numeric", "0.017 kN", "17", {"unit": "N"}, True),
    ("numeric", "17.2", "17", {"unit": "N", "tolerance": 0.02}, True),
    ("numeric", "18", "17", {"unit": "N", "tolerance": 0.02}, False),
    ("numeric", "17 kg", "17", {"unit": "N"}, False),           # wrong dimension
    ("numeric", "37,5", "37.5", {"unit": "kg"}, True),          # decimal comma
    ("numeric", "37500 g", "37.5", {"unit": "kg"}, True),
    ("numeric", "72 km/h", "20", {"unit": "m/s"}, True),
    ("numeric", "20 м/с", "20", {"unit": "m/s"}, True),
    ("numeric", "1.1 m/s^2", "1.1", {"unit": "m/s²"}, True),
    ("numeric", "abc", "4", {"unit": "s"}, False),
    ("numeric", "4 мин", "240", {"unit": "s"}, True),
    ("algebra", "2(x+1)", "2x+2", {}, True),
    ("algebra", "2x + 2", "2*(x+1)", {}, True),
    ("algebra", "x^2 - 1", "(x-1)(x+1)", {}, True),
    ("algebra", "2x+1", "2x+2", {}, False),
    ("algebra", "__import__('os')", "2x+2", {}, False),         # never evaluated
    ("algebra", "sqrt(4)x", "2x", {}, True),
]


@pytest.mark.parametrize(("kind", "given", "answer", "data", "right"), CASES)
def test_answer_checking(kind: str, given: str, answer: str, data: dict[str, object],
                         right: bool) -> None:
    assert check_item(kind, given, answer, data).correct is right


def test_feedback_names_the_problem() -> None:
    verdict = check_item("numeric", "17 kg", "17", {"unit": "N"})
    assert verdict.reason == "unit" and verdict.expected == "17 N"
    assert check_item("cloze", "  ", "амсар").reason == "empty"
