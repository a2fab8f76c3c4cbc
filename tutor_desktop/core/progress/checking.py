"""Checking a student's answer: forgiving about typing, strict about content.

Why these rules: children on lab PCs type on whatever keyboard layout is active
(Latin "o" in a Cyrillic word), often without the Mongolian letters ө and ү
(typed as о and у), with stray capitals, spaces and full stops. None of that
should make a right answer wrong. Numbers are compared with a tolerance and
converted between units ("0.5 kN" = "500 N"); algebra is compared by sympy
equivalence (``2(x+1)`` = ``2x+2``) after a strict character whitelist, because
sympy's parser evaluates Python.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Latin letters that look like Cyrillic ones -> the Cyrillic letter; Mongolian ө/ү
# typed as о/у. Applied to both sides, so English answers still compare equal.
_LOOKALIKES = str.maketrans({
    "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "k": "к",
    "m": "м", "t": "т", "h": "н", "b": "в", "ө": "о", "ү": "у", "ё": "е", "і": "и",
})
_ARTICLES = re.compile(r"^(?:a|an|the)\s+")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
MAX_ANSWER_CHARS = 200


@dataclass(frozen=True)
class Verdict:
    correct: bool
    expected: str           # the right answer as shown to the student
    reason: str = ""        # "" | unit | format | empty


def normalise(text: str) -> str:
    """Case, punctuation, look-alike letters, ө/ү as о/у, spaces, a leading article."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("-", " ")
    text = _PUNCT.sub(" ", text)
    text = " ".join(text.split())
    text = _ARTICLES.sub("", text)
    return text.translate(_LOOKALIKES)


def check_short(given: str, expected: str, accepted: tuple[str, ...] = ()) -> Verdict:
    if not given.strip():
        return Verdict(False, expected, "empty")
    wanted = {normalise(expected), *(normalise(a) for a in accepted)}
    return Verdict(normalise(given) in wanted, expected)


def check_choice(given: str, expected: str) -> Verdict:
    """Multiple choice: the chosen option must be the answer exactly."""
    return Verdict(given == expected, expected, "" if given else "empty")


# ------------------------------------------------------------------- numbers
# unit -> (dimension, factor to the SI unit of that dimension)
UNITS: dict[str, tuple[str, float]] = {
    "m": ("length", 1.0), "km": ("length", 1000.0), "cm": ("length", 0.01),
    "mm": ("length", 0.001), "м": ("length", 1.0), "км": ("length", 1000.0),
    "см": ("length", 0.01), "мм": ("length", 0.001),
    "s": ("time", 1.0), "min": ("time", 60.0), "h": ("time", 3600.0), "с": ("time", 1.0),
    "сек": ("time", 1.0), "мин": ("time", 60.0), "ц": ("time", 3600.0),
    "m/s": ("speed", 1.0), "km/h": ("speed", 1 / 3.6), "м/с": ("speed", 1.0),
    "км/ц": ("speed", 1 / 3.6),
    "m/s²": ("accel", 1.0), "m/s^2": ("accel", 1.0), "m/s2": ("accel", 1.0),
    "м/с²": ("accel", 1.0), "м/с^2": ("accel", 1.0), "м/с2": ("accel", 1.0),
    "n": ("force", 1.0), "kn": ("force", 1000.0), "н": ("force", 1.0), "кн": ("force", 1000.0),
    "kg": ("mass", 1.0), "g": ("mass", 0.001), "t": ("mass", 1000.0), "кг": ("mass", 1.0),
    "г": ("mass", 0.001), "тн": ("mass", 1000.0),
    "n/kg": ("field", 1.0), "н/кг": ("field", 1.0),
    "a": ("current", 1.0), "ma": ("current", 0.001), "а": ("current", 1.0),
    "ма": ("current", 0.001),
    "v": ("voltage", 1.0), "kv": ("voltage", 1000.0), "в": ("voltage", 1.0),
    "кв": ("voltage", 1000.0),
    "ω": ("resistance", 1.0), "ohm": ("resistance", 1.0), "ом": ("resistance", 1.0),
    "kω": ("resistance", 1000.0), "ком": ("resistance", 1000.0),
    "c": ("charge", 1.0), "кл": ("charge", 1.0),
    "j": ("energy", 1.0), "kj": ("energy", 1000.0), "ж": ("energy", 1.0),
    "кж": ("energy", 1000.0),
    "w": ("power", 1.0), "kw": ("power", 1000.0), "вт": ("power", 1.0),
    "квт": ("power", 1000.0),
    "pa": ("pressure", 1.0), "kpa": ("pressure", 1000.0), "па": ("pressure", 1.0),
    "кпа": ("pressure", 1000.0),
}
# A unit can only be read in the context of the expected one ("t" is tonnes or nothing,
# "с" second, "c" coulomb): look units up within the expected dimension first.
_NUMBER = re.compile(r"^\s*(?P<num>[-−+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?)\s*(?P<unit>.*?)\s*$")


def _unit_key(unit: str) -> str:
    return unicodedata.normalize("NFKC", unit).strip().rstrip(".").replace(" ", "").lower() \
        .replace("²", "²")


def check_number(given: str, expected: float, unit: str = "",
                 tolerance: float = 0.02) -> Verdict:
    """A number, optionally with a unit; converted to the expected unit, then compared
    within a relative ``tolerance``."""
    shown = f"{_format(expected)} {unit}".strip()
    match = _NUMBER.match(given.replace("\u00a0", " "))
    if not given.strip():
        return Verdict(False, shown, "empty")
    if match is None:
        return Verdict(False, shown, "format")
    value = float(match.group("num").replace(",", ".").replace("−", "-"))
    typed_unit = _unit_key(match.group("unit"))
    if typed_unit and unit:
        want = UNITS.get(_unit_key(unit))
        have = UNITS.get(typed_unit)
        if want is None or have is None or have[0] != want[0]:
            return Verdict(False, shown, "unit")
        value = value * have[1] / want[1]
    elif typed_unit and not unit:
        return Verdict(False, shown, "unit")
    close = abs(value - expected) <= tolerance * max(abs(expected), 1e-9)
    return Verdict(close, shown)


def _format(value: float) -> str:
    text = f"{value:.4g}" if abs(value) >= 1e-3 else f"{value:g}"
    return text


# ------------------------------------------------------------------- algebra
_ALGEBRA_OK = re.compile(r"^[0-9a-zA-Z+\-*/^().,\s]*$")
_FUNCTIONS = {"sqrt", "sin", "cos", "tan", "log", "exp", "pi"}


def check_algebra(given: str, expected: str) -> Verdict:
    """Equivalent expressions are equal: ``2(x+1)`` = ``2x+2``, ``x^2`` = ``x*x``."""
    a, b = _parse(given), _parse(expected)
    if a is None:
        return Verdict(False, expected, "empty" if not given.strip() else "format")
    if b is None:
        return Verdict(False, expected, "format")
    import sympy

    try:
        same = sympy.simplify(a - b) == 0  # type: ignore[operator]
    except (TypeError, ValueError):
        same = False
    return Verdict(bool(same), expected)


def _parse(text: str) -> object | None:
    text = text.replace("−", "-").replace("×", "*").replace("·", "*").replace("÷", "/")
    if not text.strip() or len(text) > MAX_ANSWER_CHARS or not _ALGEBRA_OK.match(text):
        return None
    words = set(re.findall(r"[A-Za-z]{2,}", text))
    if words - _FUNCTIONS:      # only one-letter variables and known functions
        return None
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    transformations = (*standard_transformations, implicit_multiplication_application,
                       convert_xor)
    try:
        parsed: object = parse_expr(text.replace(",", "."), transformations=transformations,
                                    evaluate=True)
    except Exception:  # sympy raises many kinds for malformed input: treat all as format
        return None
    return parsed


def check_item(kind: str, given: str, answer: str, data: dict[str, object] | None = None
               ) -> Verdict:
    """The checker for an item kind (what the practice screen calls)."""
    data = data or {}
    if kind == "choice":
        return check_choice(given, answer)
    if kind == "numeric":
        tolerance = data.get("tolerance", 0.02)
        return check_number(given, float(answer), str(data.get("unit", "")),
                            float(tolerance) if isinstance(tolerance, (int, float)) else 0.02)
    if kind == "algebra":
        return check_algebra(given, answer)
    synonyms = data.get("synonyms", [])
    accepted = tuple(str(s) for s in synonyms) if isinstance(synonyms, list) else ()
    return check_short(given, answer, accepted)
