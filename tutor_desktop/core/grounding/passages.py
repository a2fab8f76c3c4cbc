"""Choosing, clipping and quoting textbook passages: one implementation for all screens.

Retrieval ranks passages but always returns *something*; a rank is not a
reason to cite. :func:`relevance` measures how much of the question a passage
actually speaks about (the share of the question's content words found in it,
longer, rarer-looking words weighing more), and :data:`RELEVANCE_FLOOR`, set
from the sample library's questions (see ``tests/grounding``), is the line
below which a passage is not cited at all: "not found in your textbooks" is
more honest than a page of another book.

:func:`definition_term` recognises "X гэж юу вэ?" / "What is X?";
:func:`is_definition` recognises the sentences a textbook defines X with
("… X гэнэ", "X гэж … юм", "X нь … юм", "X is …", "… is called X").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tutor_desktop.core.grounding.text import (
    clean_text,
    content_stems,
    content_words,
    has_stem,
    script_language,
    split_sentences,
    stem,
    words,
)

# Calibrated on resources/sample_library/questions.toml (every right page scores
# >= 0.5 for its question) against off-topic questions (electric current in a forces
# book, quadratic equations in a biology book: <= 0.34). See tests/grounding.
RELEVANCE_FLOOR = 0.45
# A passage from another subject's book must say more about the question to be shown.
OTHER_SUBJECT_FLOOR = 0.6
# A passage in another language than the question shares no words with it: retrieval's
# hubness-corrected e5 score judges it instead (calibrated in core/retrieval/crosslingual.py:
# answer pages 0.018-0.053, eleven off-topic questions <= 0.014).
CROSS_LANGUAGE_FLOOR = 0.02
EXCERPT_CHARS = 260
PASSAGE_CHARS = 700
DUPLICATE_SHARE = 0.6       # this share of a passage's sentences already quoted: a repeat

_DEFINITION_QUESTION = (
    re.compile(r"(?:^|[.!?]\s*)(?P<term>[^.!?,]+?)\s+(?:гэж|гэдэг\s+нь|гэдэг)\s+"
               r"(?:юу|юуг|ямар)", re.I),
    re.compile(r"(?:^|[.!?]\s*)(?:what\s+(?:is|are)|define|what's)\s+"
               r"(?:an?\s+|the\s+)?(?P<term>[^.!?,]+?)\s*(?:[.!?,]|$)", re.I),
    re.compile(r"(?:^|[.!?]\s*)what\s+does\s+(?:an?\s+|the\s+)?(?P<term>[^.!?,]+?)\s+mean"
               r"\s*(?:[.!?,]|$)", re.I),
)
_DEFINITION_MAX_WORDS = 4
@dataclass(frozen=True)
class Passage:
    """A retrieved passage as the grounding module sees it (built from a retrieval Hit)."""

    chunk_id: str
    book: str
    page: int
    text: str
    heading: str = ""
    subject: str = ""
    language: str = ""
    score: float = 0.0
    label: str = ""             # the page number printed in the book ("" = ``page``)
    # For a passage in another language than the question: retrieval's hubness-corrected
    # e5 score (core/retrieval/crosslingual.py); None for the question's own language.
    cross_score: float | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def cited_page(self) -> str:
        """What the student looks up in the printed book."""
        return self.label or str(self.page)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Passage:
        return cls(chunk_id=str(record.get("chunk_id", "")), book=str(record.get("book", "")),
                   page=int(record.get("page", 0) or 0), text=str(record.get("text", "")),
                   heading=str(record.get("heading", "") or ""),
                   subject=str(record.get("subject", "") or ""),
                   language=str(record.get("language", "") or ""),
                   score=float(record.get("score", 0.0) or 0.0), extra=dict(record))


def clip(text: str, limit: int = PASSAGE_CHARS) -> str:
    """``text`` on one line, cut at a word boundary with " …" when longer than ``limit``."""
    text = " ".join(clean_text(text).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def _weight(word: str) -> float:
    # Long words are the specific ones ("фотосинтез", "resultant"); digits matter too.
    return 1.0 + min(len(word), 12) / 6.0 if not word.isdigit() else 1.5


def relevance(question: str, text: str, heading: str = "") -> float:
    """Share (0..1) of the question's content words the passage mentions, by weight."""
    asked = content_words(question)
    if not asked:
        return 0.0
    have = words(f"{heading} {text}")
    total = sum(_weight(w) for w in asked)
    found = sum(_weight(w) for w in asked if has_stem(stem(w), have))
    return found / total


def definition_term(question: str) -> str:
    """The X of "X гэж юу вэ?" / "What is X?" (lower case), or "" for other questions."""
    text = " ".join(clean_text(question).split())
    for pattern in _DEFINITION_QUESTION:
        found = pattern.search(text)
        if found is None:
            continue
        term = found.group("term").strip(" \"'«»“”")
        if 0 < len(term.split()) <= _DEFINITION_MAX_WORDS and content_words(term):
            return term.casefold()
    return ""


_MN_MARKERS = frozenset({"гэнэ", "гэж", "гэдэг", "гэдгийг", "хэмээх", "хэмээн", "гэгдэх",
                         "нэрлэнэ", "нэрлэдэг"})
_MN_COPULAS = frozenset({"нь", "бол"})
_MN_DEFINING_ENDS = frozenset({"юм", "хэлнэ", "гэнэ", "нэрлэнэ", "нэрлэдэг", "болно"})
_EN_AFTER_TERM = frozenset({"is", "are", "means", "mean"})
_EN_BEFORE_TERM = ("called", "named", "as")


def is_definition(sentence: str, term: str) -> bool:
    """Whether ``sentence`` defines ``term``, phrased as textbooks do: "… X гэнэ",
    "X гэж … -ийг хэлнэ", "X нь/бол … юм", "X is …", "… is called X"."""
    stems = [stem(w) for w in content_words(term)]
    have = words(sentence)
    if not stems or not have or not all(has_stem(s, have) for s in stems):
        return False
    n = len(stems)

    def holds(window: list[str]) -> bool:
        return all(has_stem(s, window) for s in stems)

    for index, word in enumerate(have):
        # "… фотосинтез гэнэ", "амсар гэж нэрлэгдэх …", "глюкоз хэмээх …": the marker
        # right after the term.
        if word in _MN_MARKERS and holds(have[max(0, index - n - 1):index]):
            return True
        if word in _EN_BEFORE_TERM and holds(have[index + 1:index + n + 2]):
            return index > 0 and have[index - 1] in {"called", "known", "defined", "is", "are"}
    head = have[:n + 1]
    if holds(head):
        after = have[n:n + 2]
        if any(w in _MN_COPULAS for w in after) and have[-1] in _MN_DEFINING_ENDS:
            return True
        if any(w in _EN_AFTER_TERM for w in after):
            return True
    return False


def sentence_score(question: str, sentence: str, term: str = "") -> float:
    """How well one sentence answers ``question``: its words, plus a definition bonus."""
    score = relevance(question, sentence)
    if term and is_definition(sentence, term):
        score += 1.0
    return score


@dataclass(frozen=True)
class Quote:
    """One sentence chosen from a passage, with where it sits."""

    sentence: str
    passage: Passage
    index: int              # position among the passage's sentences
    score: float
    defines: bool = False


def best_sentences(question: str, passages: Sequence[Passage], limit: int = 3) -> list[Quote]:
    """The ``limit`` sentences of ``passages`` that best answer ``question``, best first.

    Definitions of the asked-for term come first; a sentence quoted once (passages
    overlap) is not quoted again; sentences that say nothing of the question are left out.
    """
    term = definition_term(question)
    quotes: list[Quote] = []
    seen: set[str] = set()
    for rank, passage in enumerate(passages):
        # A section titled with the question's words ("Speed, velocity and acceleration")
        # is where the textbook answers it.
        titled = 0.25 if passage.heading and relevance(question, passage.heading) >= 0.5 else 0
        for index, sentence in enumerate(split_sentences(passage.text)):
            key = " ".join(words(sentence))
            if not key or key in seen or len(sentence) < 12:
                continue
            seen.add(key)
            defines = bool(term) and is_definition(sentence, term)
            score = (sentence_score(question, sentence, term) + titled - 0.02 * rank
                     - 0.005 * index)
            if score > 0.15:
                quotes.append(Quote(sentence, passage, index, score, defines))
    quotes.sort(key=lambda q: -q.score)
    return quotes[:limit]


def excerpt(text: str, question: str = "", limit: int = EXCERPT_CHARS) -> str:
    """A short quote from ``text``: the sentence that best matches ``question`` with the
    sentence before it (it often names what "this" refers to), then what follows."""
    sentences = split_sentences(text)
    if not sentences:
        return ""
    term = definition_term(question)
    stems = content_stems(question)
    if stems:
        scores = [sentence_score(question, s, term) for s in sentences]
        best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    else:
        best = 0
    start = best
    if best > 0 and len(sentences[best - 1]) + len(sentences[best]) < limit:
        start = best - 1
    quote = ""
    for sentence in sentences[start:]:
        if quote and len(quote) + 1 + len(sentence) > limit:
            break
        quote = f"{quote} {sentence}".strip()
    if len(quote) > limit:
        quote = quote[:limit].rsplit(" ", 1)[0]
    if quote != " ".join(sentences[start:]):
        quote += " …"
    return ("… " if start > 0 else "") + quote


def mentions(text: str, question: str) -> bool:
    """Whether ``text`` contains one of the question's content words (in any case form)."""
    have = words(text)
    return any(has_stem(s, have) for s in content_stems(question))


def mentions_term(text: str, term: str) -> bool:
    """Whether ``text`` names ``term`` as a phrase: its words next to each other, in any
    case form ("электр гүйдлийн" names "электр гүйдэл"; "electric charges" does not name
    "electric current")."""
    stems = [stem(w) for w in content_words(term)]
    if not stems:
        return False
    have = words(text)
    for start in range(len(have)):
        window = have[start:start + len(stems) + 2]
        if has_stem(stems[0], window[:1]) and all(has_stem(s, window) for s in stems[1:]):
            return True
    return False


def deduplicate(passages: Sequence[Passage]) -> list[Passage]:
    """Passages without repeats: the same chunk twice, or one whose sentences were mostly
    quoted already (neighbouring chunks overlap by a sentence or two)."""
    kept: list[Passage] = []
    seen_sentences: set[str] = set()
    seen_ids: set[str] = set()
    for passage in passages:
        if passage.chunk_id in seen_ids:
            continue
        keys = [" ".join(words(s)) for s in split_sentences(passage.text)]
        keys = [k for k in keys if k]
        repeated = sum(1 for k in keys if k in seen_sentences)
        if keys and repeated / len(keys) >= DUPLICATE_SHARE:
            continue
        kept.append(passage)
        seen_ids.add(passage.chunk_id)
        seen_sentences.update(keys)
    return kept


def other_language(question: str, passage: Passage) -> bool:
    """Whether ``passage`` is written in another language than ``question``."""
    asked = script_language(question)
    book = passage.language or script_language(passage.text)
    return bool(asked and book and asked != book)


def other_language_match(question: str, passage: Passage) -> bool:
    """A passage in the other language that retrieval's cross-language score says is about
    the question (never one of another subject's book: the caller checks)."""
    return (other_language(question, passage) and passage.cross_score is not None
            and passage.cross_score >= CROSS_LANGUAGE_FLOOR)


@dataclass(frozen=True)
class Selection:
    """The passages worth citing for a question, and why others were left out."""

    passages: list[Passage]
    dropped: int                 # below the relevance floor
    other_subject: list[str]     # books of another subject that were kept (said so)


def select_passages(question: str, passages: Sequence[Passage], *, subject: str = "",
                    floor: float = RELEVANCE_FLOOR,
                    other_subject_floor: float = OTHER_SUBJECT_FLOOR,
                    limit: int = 4) -> Selection:
    """De-duplicated passages about ``question``, best first, at most ``limit``.

    A passage below ``floor`` is never cited. When the student works in ``subject``,
    a passage of another subject's book needs ``other_subject_floor`` and its book is
    named in :attr:`Selection.other_subject`, so the tutor can say it crossed over.
    """
    kept: list[Passage] = []
    dropped = 0
    others: list[str] = []
    term = definition_term(question)
    for passage in deduplicate(passages):
        score = relevance(question, passage.text, passage.heading)
        if term and not mentions_term(f"{passage.heading} {passage.text}", term):
            score = 0.0     # "What is electric current?" is not answered by "electric charges"
        crossing = bool(subject and passage.subject and passage.subject != subject)
        if score < (other_subject_floor if crossing else floor) \
                and not (not crossing and other_language_match(question, passage)):
            dropped += 1
            continue
        if crossing and passage.book not in others:
            others.append(passage.book)
        kept.append(passage)
        if len(kept) == limit:
            break
    return Selection(kept, dropped, others)
