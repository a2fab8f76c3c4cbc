"""Numeric practice items from formulas printed in a passage (``F = m a``, ``I = Q / t``).

Values are picked deterministically from the item's identity (the same book gives
the same numbers on every PC), the answer is computed with sympy, and each
variable's unit comes from the quantity the passage names ("force", "хүч"): a
formula whose quantities the passage does not name is not used (we would be
guessing what ``W`` means).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tutor_desktop.core.i18n import tr

if TYPE_CHECKING:
    from tutor_desktop.core.progress.items import Item, Passage

MAX_TRIES = 40
NUMERIC_TOLERANCE = 0.02        # relative: 2 % covers rounding g or a middle step


@dataclass(frozen=True)
class Quantity:
    names: tuple[str, ...]      # words a passage uses for it (English and Mongolian)
    unit: str
    low: int
    high: int
    step: int = 1


# Symbol -> candidate quantities; the first whose name the passage contains wins.
QUANTITIES: dict[str, tuple[Quantity, ...]] = {
    "v": (Quantity(("final velocity", "velocity", "speed", "хурд"), "m/s", 2, 30),),
    "u": (Quantity(("initial velocity", "анхны хурд"), "m/s", 0, 10),),
    "s": (Quantity(("distance", "зам", "зай"), "m", 10, 600, 10),),
    "t": (Quantity(("time", "хугацаа"), "s", 2, 60),),
    "a": (Quantity(("acceleration", "хурдатгал"), "m/s²", 1, 10),),
    "F": (Quantity(("force", "хүч"), "N", 2, 400, 2),),
    "m": (Quantity(("mass", "масс"), "kg", 1, 80),),
    "W": (Quantity(("weight", "жин"), "N", 10, 800, 10),
          Quantity(("work", "ажил"), "J", 10, 800, 10)),
    "g": (Quantity(("gravitational field strength", "гравитацын"), "N/kg", 10, 10),),
    "V": (Quantity(("voltage", "хүчдэл"), "V", 2, 240),),
    "U": (Quantity(("voltage", "хүчдэл"), "V", 2, 240),),
    "I": (Quantity(("current", "гүйдэл"), "A", 1, 10),),
    "R": (Quantity(("resistance", "эсэргүүцэл"), "Ω", 2, 100),),
    "Q": (Quantity(("charge", "цэнэг"), "C", 2, 120, 2),),
    "P": (Quantity(("power", "чадал"), "W", 10, 2000, 10),
          Quantity(("pressure", "даралт"), "Pa", 100, 5000, 100)),
    "E": (Quantity(("energy", "энерги"), "J", 10, 1000, 10),),
    "d": (Quantity(("distance", "зай"), "m", 1, 100),),
}

_FORMULA = re.compile(
    r"(?<![A-Za-z0-9])(?P<lhs>[A-Za-z])\s*=\s*"
    r"(?P<rhs>(?:\s*(?:[A-Za-z](?![A-Za-z])|\d+(?:\.\d+)?|[()+\-−×÷*/·]))+)")
_OPERATORS = str.maketrans({"−": "-", "×": "*", "÷": "/", "·": "*"})


@dataclass(frozen=True)
class Formula:
    text: str                   # as printed, e.g. "F = m a"
    lhs: str
    rhs: str                    # sympy-ready right-hand side


def find_formulas(text: str) -> list[Formula]:
    found: dict[str, Formula] = {}
    for match in _FORMULA.finditer(text):
        rhs_raw = match.group("rhs").strip()
        # drop a trailing operator or an unbalanced bracket picked up at the edge
        rhs_raw = rhs_raw.rstrip("+-−×÷*/· (")
        if rhs_raw.count("(") != rhs_raw.count(")"):
            continue
        variables = set(re.findall(r"[A-Za-z]", rhs_raw))
        lhs = match.group("lhs")
        if not variables or lhs in variables or len(rhs_raw.replace(" ", "")) < 2:
            continue
        if re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", rhs_raw):
            continue
        rhs = _sympy_ready(rhs_raw)
        printed = f"{lhs} = {' '.join(rhs_raw.split())}"
        found.setdefault(printed, Formula(printed, lhs, rhs))
    return list(found.values())


def _sympy_ready(rhs: str) -> str:
    """Implicit products ("m a") made explicit for sympy."""
    rhs = rhs.translate(_OPERATORS)
    tokens = re.findall(r"[A-Za-z]|\d+(?:\.\d+)?|[()+\-*/]", rhs)
    out: list[str] = []
    for token in tokens:
        if out and (token[0].isalnum() or token == "(") and (out[-1][-1].isalnum()
                                                                or out[-1] == ")"):
            out.append("*")
        out.append(token)
    return " ".join(out)


def _quantity(symbol: str, text: str) -> Quantity | None:
    lowered = text.casefold()
    for quantity in QUANTITIES.get(symbol, ()):
        if any(name in lowered for name in quantity.names):
            return quantity
    return None


def _pick(seed: str, quantity: Quantity, attempt: int) -> int:
    digest = hashlib.sha256(f"{seed}\x1f{attempt}".encode()).digest()
    steps = (quantity.high - quantity.low) // quantity.step + 1
    return quantity.low + (int.from_bytes(digest[:4], "big") % steps) * quantity.step


def _nice(value: float) -> bool:
    return value > 0 and abs(value * 100 - round(value * 100)) < 1e-6 and value < 1e6


def format_number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def numeric_items(book_sha: str, language: str, passage: Passage) -> list[Item]:
    import sympy

    from tutor_desktop.core.progress.items import Item, item_id

    items: list[Item] = []
    for formula in find_formulas(passage.text):
        symbols = [formula.lhs, *sorted(set(re.findall(r"[A-Za-z]", formula.rhs)))]
        quantities = {s: _quantity(s, passage.text) for s in symbols}
        if any(q is None for q in quantities.values()):
            continue            # the passage does not say what a symbol means
        sym = {s: sympy.Symbol(s) for s in symbols}
        try:
            equation = sympy.Eq(sym[formula.lhs], sympy.sympify(formula.rhs, locals=sym))
        except (sympy.SympifyError, TypeError, SyntaxError):
            continue
        rhs_vars = symbols[1:]
        targets = [formula.lhs] + ([rhs_vars[-1]] if rhs_vars else [])
        for target in targets:
            item = _make_item(book_sha, language, passage, formula, equation, sym, quantities,
                              target, Item, item_id)
            if item is not None:
                items.append(item)
    return items


def _make_item(book_sha: str, language: str, passage: Passage, formula: Formula,
               equation: Any, sym: dict[str, Any], quantities: dict[str, Quantity | None],
               target: str, item_cls: Any, make_id: Any) -> Item | None:
    import sympy

    try:
        solutions = sympy.solve(equation, sym[target])
    except (NotImplementedError, ValueError):
        return None
    if len(solutions) != 1:
        return None
    expression = solutions[0]
    givens = [s for s in sym if s != target]
    seed = f"{book_sha}\x1f{formula.text}\x1f{target}"
    for attempt in range(MAX_TRIES):
        values: dict[str, int] = {}
        for index, name in enumerate(givens):
            quantity = quantities[name]
            assert quantity is not None
            values[name] = _pick(f"{seed}\x1f{index}", quantity, attempt)
        try:
            answer = float(expression.subs({sym[k]: v for k, v in values.items()}))
        except (TypeError, ValueError):
            continue
        if _nice(answer):
            break
    else:
        return None
    target_quantity = quantities[target]
    assert target_quantity is not None
    given = ", ".join(f"{name} = {value} {_unit(quantities[name])}" for name, value
                      in values.items())
    prompt = tr("item_numeric_prompt", language, formula=formula.text, given=given,
                target=target, unit=target_quantity.unit)
    data = {"formula": formula.text, "lhs": formula.lhs, "rhs": formula.rhs,
            "target": target, "values": values, "unit": target_quantity.unit,
            "tolerance": NUMERIC_TOLERANCE}
    made: Item = item_cls(make_id(book_sha, "numeric", prompt), "numeric", prompt,
                          format_number(answer), passage.chunk_id, passage.topic_id,
                          passage.page, data=data)
    return made


def _unit(quantity: Quantity | None) -> str:
    return quantity.unit if quantity else ""


def verify_numeric(item: Item, passage_text: str) -> bool:
    """The formula is printed in the passage and the stored answer recomputes."""
    import sympy

    data = item.data
    formulas = {f.text: f for f in find_formulas(passage_text)}
    formula = formulas.get(str(data.get("formula", "")))
    if formula is None:
        return False
    names = [formula.lhs, *sorted(set(re.findall(r"[A-Za-z]", formula.rhs)))]
    sym = {s: sympy.Symbol(s) for s in names}
    target = str(data.get("target", ""))
    values = data.get("values", {})
    if target not in sym or set(values) != set(names) - {target}:
        return False
    try:
        equation = sympy.Eq(sym[formula.lhs], sympy.sympify(formula.rhs, locals=sym))
        solutions = sympy.solve(equation.subs({sym[k]: v for k, v in values.items()}),
                                sym[target])
        expected = float(solutions[0])
        return abs(expected - float(item.answer)) <= 1e-6 * max(1.0, abs(expected))
    except (IndexError, TypeError, ValueError, sympy.SympifyError):
        return False
