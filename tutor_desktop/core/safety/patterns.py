"""Stem-aware Mongolian and English patterns: the part of the safety check that needs no model.

Mongolian inflects (үх-, үхмээр, үхэх, үхчихвэл) and children often type it in Latin
letters (``bi uhmeer baina``), with or without the long vowels. A plain keyword list
misses both. So Mongolian patterns are written in Cyrillic for the people who review
them, and both the pattern and the message are *folded* to one Latin skeleton before
matching: the Cyrillic and every common Latin spelling of a word meet there. English
patterns run on the casefolded text.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# Cyrillic -> Latin as Mongolian children type it; ө/ү/о/у all meet at "u" because Latin
# typists write ө as o, u or q and ү as u or v.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "u",
    "ө": "u", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ү": "u", "ф": "f",
    "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "i", "ь": "i",
    "э": "e", "ю": "yu", "я": "ya",
}
_TABLE = str.maketrans(_CYRILLIC)
_LATIN_FIXES = ((re.compile(r"kh"), "h"), (re.compile(r"c(?!h)"), "ts"), (re.compile(r"ye"), "e"),
                (re.compile(r"q"), "u"), (re.compile(r"o"), "u"))
# Long vowels and doubled consonants collapse (үхмээр/uhmeer/uhmer). "x" stays doubled so
# that nothing folds into a bare "x" (maths: 3x+5).
_REPEATS = re.compile(r"([a-wyz])\1+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def normalise(text: str) -> str:
    """NFKC, casefolded, one kind of apostrophe, single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    return " ".join(text.split())


def fold(text: str) -> str:
    """The Latin skeleton a Mongolian word and its Latin spellings share."""
    text = normalise(text).translate(_TABLE)
    for pattern, replacement in _LATIN_FIXES:
        text = pattern.sub(replacement, text)
    return _REPEATS.sub(r"\1", text)


@dataclass(frozen=True)
class Rule:
    """One pattern line: every part must match (``a && b``)."""

    category: str
    language: str
    source: str
    parts: tuple[re.Pattern[str], ...]

    def matches(self, plain: str, folded: str) -> bool:
        text = folded if self.language == "mn" else plain
        return all(part.search(text) for part in self.parts)


@dataclass(frozen=True)
class PatternHit:
    category: str
    pattern: str


class PatternSet:
    """The rules of ``resources/safety/patterns.toml``, in file order per category."""

    def __init__(self, path: Path) -> None:
        with Path(path).open("rb") as handle:
            data = tomllib.load(handle)
        rules: list[Rule] = []
        for category, spec in data.items():
            for language, lines in spec.items():
                for line in lines:
                    pieces = [p.strip() for p in str(line).split("&&")]
                    if language == "mn":
                        pieces = [fold(p) for p in pieces]
                    parts = tuple(re.compile(p, re.IGNORECASE | re.DOTALL) for p in pieces)
                    rules.append(Rule(category, language, str(line), parts))
        self.rules = tuple(rules)
        self.categories = tuple(dict.fromkeys(r.category for r in rules))

    def match(self, text: str) -> list[PatternHit]:
        """Every category whose patterns ``text`` matches (first matching pattern each)."""
        plain, folded = normalise(text), fold(text)
        hits: dict[str, PatternHit] = {}
        for rule in self.rules:
            if rule.category not in hits and rule.matches(plain, folded):
                hits[rule.category] = PatternHit(rule.category, rule.source)
        return list(hits.values())
