"""The textbook tutor: teaching from the retrieved passages alone, with no language model.

Why: the model every lab PC can run (Gemma 3 270M, a base model) cannot tutor;
it recites its instructions or loops. The textbook already holds the answer,
so the tutor quotes it, deterministically, and teaches with it:

* :meth:`TextbookTutor.answer` — the 1–3 sentences that best answer the
  question (a definition first for "X гэж юу вэ?" / "What is X?"), quoted with
  book and page; "not found in your textbooks" when no passage is about it.
* :meth:`TextbookTutor.hint` — a Socratic ladder: (1) where to look and a
  question built from the key sentence, (2) the key sentence with its key term
  blanked, (3) the whole sentence. :meth:`TextbookTutor.check` compares the
  student's attempt in between (:func:`~.text.answer_matches`).
* maths — a worked example only when the passage has one; otherwise the tutor
  says the textbook has none and suggests asking the teacher. It never
  computes or gives away a result.

Everything it prints is a quote or a fixed translated sentence, so it cannot
recite a prompt, safety text, or repeat a line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from tutor_desktop.core.grounding.passages import (
    Passage,
    Quote,
    best_sentences,
    other_language,
    select_passages,
)
from tutor_desktop.core.grounding.text import (
    STOPWORDS,
    answer_matches,
    clean_text,
    content_words,
    has_stem,
    script_language,
    split_sentences,
    stem,
    words,
)
from tutor_desktop.core.i18n import Notice, tr

MATHS_SUBJECT = "math"      # canonical subject id (core/subjects.py)
BACKEND = "textbook"        # the ``backend`` of every message this tutor writes
HINT_STEPS = 3
LEAD_SENTENCES = 2          # quoted from a passage in another language than the question
LEAD_MIN_CHARS = 40
BLANK = "_____"
_MATHS_QUESTION = re.compile(
    r"\d\s*[a-zA-Z]?\s*(?:[-+*/^=×÷]|\*\*)\s*\d|[a-zA-Z]\s*\^|=\s*0|тэгшитгэл|тэнцэтгэл|"
    r"\bbod\b|equation|solve|calculate|simplify|factori[sz]e|тооцоол|хялбарчил|задал", re.I)
_EQUATION = re.compile(r"\d\s*[-+*/^=×÷]\s*\d|[a-zA-Z]\s*\^\s*\d|=\s*-?\d")
_EXAMPLE_START = re.compile(r"^(?:жишээ|example|worked example|бодолт|solution)\b", re.I)
_HAS_WORKING = re.compile(r"=|\d\s*[-+*/×÷^]\s*\d")
_REFERS_BACK = re.compile(r"^(?:энэ|эдгээр|ийм|тийм|үүнийг|this|these|such|it|they)\b", re.I)
_VERB_ENDINGS = ("даг", "дэг", "дог", "дөг", "сан", "сэн", "сон", "сөн", "на", "нэ", "но",
                 "нө", "ах", "эх", "ох", "өх", "жээ", "жаа", "чээ", "лаа", "лээ", "лоо",
                 "ing", "ed", "ly", "ж", "ч", "аад", "ээд", "оод", "өөд")
_MN_CASE_QUESTION = (("ийг", "юуг"), ("ыг", "юуг"), ("г", "юуг"), ("аас", "юунаас"),
                     ("ээс", "юунаас"), ("оос", "юунаас"), ("өөс", "юунаас"),
                     ("ийн", "юуны"), ("ын", "юуны"), ("аар", "юугаар"), ("ээр", "юугаар"),
                     ("оор", "юугаар"), ("өөр", "юугаар"), ("д", "юунд"), ("т", "юунд"))


_KEY_TERMS = re.compile(r"(?:key\s+words|key\s+terms|шинэ\s+нэр\s+томь?ёо|түлхүүр\s+үг)\s*:"
                        r"\s*([^\n]+)", re.I)


def maths_filter(question: str, passages: Sequence[Passage],
                 subject: str = "") -> list[Passage]:
    """Passages that can help with a maths question.

    Mathematics never borrows another subject's page, and an equation to solve is
    helped only by a maths page or a worked example ("Фотосинтезийн тэгшитгэл" shares
    a word with "тэгшитгэлийг бод", not the mathematics).
    """
    kept = list(passages)
    if subject == MATHS_SUBJECT:
        kept = [p for p in kept if p.subject in ("", MATHS_SUBJECT)]
    if _EQUATION.search(question):
        kept = [p for p in kept if p.subject == MATHS_SUBJECT or worked_example(p.text)]
    return kept


def is_maths_question(question: str) -> bool:
    """An equation, a calculation or "solve …" (these get worked examples, never results)."""
    return bool(_MATHS_QUESTION.search(question))


@dataclass(frozen=True)
class Source:
    """Where a quote comes from (the citation shown under the answer)."""

    chunk_id: str
    book: str
    page: int


@dataclass
class TextbookAnswer:
    """What the textbook tutor says, and the passages it is grounded on."""

    text: str
    found: bool                              # False: "not found in your textbooks"
    sources: list[Source] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    step: int = 0                            # hint step (1-3), 0 for an answer
    expected: str = ""                       # the blanked key term the student may type
    notices: list[Notice] = field(default_factory=list)  # message ids, translated by the UI

    @property
    def excerpt(self) -> str:
        """The quoted words, one line (what the window, terminal and ``ask`` all show)."""
        return " ".join(self.quotes)


@dataclass(frozen=True)
class KeyPoint:
    """The sentence a hint ladder leads to, and the word the student should find."""

    sentence: str           # the key sentence (with the one before it when it says "this")
    term: str               # the key term as written in the sentence
    passage: Passage


class TextbookTutor:
    """Answers and hints from passages (see the module notes). Stateless and cheap."""

    def __init__(self, *, max_sentences: int = 3) -> None:
        self.max_sentences = max_sentences

    # -- choosing ------------------------------------------------------------
    def usable(self, question: str, passages: Sequence[Passage],
               subject: str = "") -> tuple[list[Passage], list[str]]:
        """Passages about the question, in the question's language first, and the books
        of other subjects among them (the caller says it crossed over)."""
        passages = maths_filter(question, passages, subject)
        chosen = select_passages(question, passages, subject=subject)
        language = script_language(question)
        ordered = sorted(chosen.passages,
                         key=lambda p: 0 if script_language(p.text) == language else 1)
        return ordered, chosen.other_subject

    def _quotes(self, question: str, passages: Sequence[Passage]) -> list[Quote]:
        quotes = best_sentences(question, passages, limit=self.max_sentences)
        if not quotes and passages and other_language(question, passages[0]):
            return self._lead(passages[0])
        if not quotes:
            return []
        # One book's page, in reading order: a quote jumping between pages reads badly.
        top = quotes[0]
        same = [q for q in quotes if q.passage.chunk_id == top.passage.chunk_id]
        same = [q for q in same if q.defines or q.score >= top.score * 0.6]
        return sorted(same, key=lambda q: q.index)

    def _lead(self, passage: Passage) -> list[Quote]:
        """The opening sentences of a passage in another language than the question: no
        word of the question can pick a sentence, and a textbook page says what it is
        about first (headings and short lines skipped)."""
        sentences = split_sentences(passage.text)
        chosen = [Quote(s, passage, i, 0.0) for i, s in enumerate(sentences)
                  if len(s) >= LEAD_MIN_CHARS][:LEAD_SENTENCES]
        return chosen

    def _with_antecedent(self, quote: Quote) -> list[str]:
        """The quote, preceded by the sentence "this"/"энэ" refers to."""
        sentences = split_sentences(quote.passage.text)
        if quote.index > 0 and _REFERS_BACK.match(quote.sentence):
            return [sentences[quote.index - 1], quote.sentence]
        return [quote.sentence]

    # -- answering -----------------------------------------------------------
    def answer(self, question: str, passages: Sequence[Passage], language: str, *,
               subject: str = "") -> TextbookAnswer:
        """The textbook's answer to ``question``, or an honest "not found"."""
        usable, others = self.usable(question, passages, subject)
        notices = [Notice("textbook_other_subject", {"books": ", ".join(others)})] \
            if others else []
        if not usable:
            return TextbookAnswer(tr("textbook_not_found", language), False, notices=notices)
        if is_maths_question(question):
            shown = self._maths(question, usable, language, notices)
            if shown is not None:
                return shown
        quotes = self._quotes(question, usable)
        if not quotes:
            return TextbookAnswer(tr("textbook_not_found", language), False, notices=notices)
        lines: list[str] = []
        for quote in quotes:
            for sentence in self._with_antecedent(quote):
                if sentence not in lines:
                    lines.append(sentence)
        source = quotes[0].passage
        text = "\n\n".join([
            _intro(question, source, language, "textbook_answer_intro"),
            "> " + " ".join(lines),
            "— " + tr("textbook_cite", language, book=source.book, page=source.cited_page),
            tr("textbook_answer_next", language),
        ])
        return TextbookAnswer(text, True, [Source(source.chunk_id, source.book, source.page)],
                              lines, notices=notices)

    def _maths(self, question: str, passages: Sequence[Passage], language: str,
               notices: list[Notice]) -> TextbookAnswer | None:
        """A worked example, or (in a maths book without one) an honest "no example";
        None: not a maths book, quote it like any other (a physics formula)."""
        for passage in passages:
            example = worked_example(passage.text)
            if example:
                text = "\n\n".join([
                    _intro(question, passage, language, "textbook_example_intro"),
                    "> " + example,
                    "— " + tr("textbook_cite", language, book=passage.book,
                              page=passage.cited_page),
                    tr("textbook_example_next", language),
                ])
                return TextbookAnswer(text, True, [Source(passage.chunk_id, passage.book,
                                                          passage.page)], [example],
                                      notices=notices)
        # No example in a maths book: say so, and name the closest maths page.
        top = next((p for p in passages if p.subject == MATHS_SUBJECT), None)
        if top is None:
            return None
        text = "\n\n".join([tr("textbook_no_example", language),
                            "— " + tr("textbook_cite", language, book=top.book,
                                      page=top.cited_page)])
        return TextbookAnswer(text, True, [Source(top.chunk_id, top.book, top.page)],
                              notices=notices)

    # -- hints ---------------------------------------------------------------
    def key_point(self, question: str, passages: Sequence[Passage],
                  subject: str = "") -> KeyPoint | None:
        """The sentence the hints lead to and its key term (None: nothing to hint at)."""
        usable, _ = self.usable(question, passages, subject)
        quotes = self._quotes(question, usable)
        if not quotes:
            return None
        quote = quotes[0]
        sentences = self._with_antecedent(quote)
        asked = [stem(w) for w in content_words(question)]
        pool = words(" ".join(p.text for p in usable))
        # "Key words: force, newton" / "Шинэ нэр томьёо: автотроф, …": the book's own terms.
        key_terms = [stem(w) for w in words(" ".join(_KEY_TERMS.findall(quote.passage.text)))]
        best: tuple[float, str] | None = None
        for sentence in sentences:
            for raw in re.findall(r"\w+", sentence):
                word = raw.casefold()
                if (len(word) < 4 or word in STOPWORDS or word.isdigit()
                        or any(has_stem(a, [word]) for a in asked)
                        or word.endswith(_VERB_ENDINGS)):
                    continue
                frequency = sum(1 for w in pool if w.startswith(stem(word)))
                score = frequency + len(word) / 10 + (5 if has_stem(stem(word), key_terms)
                                                      or any(has_stem(k, [word])
                                                             for k in key_terms) else 0)
                if best is None or score > best[0]:
                    best = (score, raw)
        if best is None:
            return None
        return KeyPoint(" ".join(sentences), best[1], quote.passage)

    def hint(self, question: str, passages: Sequence[Passage], step: int, language: str, *,
             subject: str = "") -> TextbookAnswer:
        """Hint ``step`` (1-3) for ``question``; "not found" when the textbook has nothing."""
        step = max(1, min(HINT_STEPS, step))
        if is_maths_question(question) and any(worked_example(p.text) for p in passages):
            # Maths hints are the textbook's worked example, never a blank in the result.
            shown = self.answer(question, passages, language, subject=subject)
            shown.step = step
            return shown
        point = self.key_point(question, passages, subject)
        if point is None:
            return TextbookAnswer(tr("textbook_not_found", language), False, step=step)
        holding = next((s for s in split_sentences(point.sentence)
                        if re.search(rf"\b{re.escape(point.term)}", s)), point.sentence)
        passage = point.passage
        where = tr("textbook_cite", language, book=passage.book, page=passage.cited_page)
        source = [Source(passage.chunk_id, passage.book, passage.page)]
        if step == 1:
            guiding = cloze_question(holding, point.term)
            text = tr("textbook_hint_1", language, where=where, question=guiding)
            return TextbookAnswer(text, True, source, [], step=1, expected=point.term)
        if step == 2:
            blanked = blank_term(point.sentence, point.term)
            text = tr("textbook_hint_2", language, where=where, sentence=blanked,
                      letter=point.term[:1].upper())
            return TextbookAnswer(text, True, source, [], step=2, expected=point.term)
        text = tr("textbook_hint_3", language, where=where, sentence=point.sentence)
        return TextbookAnswer(text, True, source, [point.sentence], step=3, expected=point.term)

    def check(self, attempt: str, expected: str, language: str) -> tuple[bool, str]:
        """Whether the student's ``attempt`` names ``expected``, and what to tell them."""
        right = answer_matches(attempt, expected)
        if right:
            return True, tr("textbook_attempt_right", language, term=expected)
        return False, tr("textbook_attempt_wrong", language)


def _intro(question: str, passage: Passage, language: str, message_id: str) -> str:
    """The line before a quote: in the student's language, and saying so when the book is
    in another language than the question (the quote stays in the book's words)."""
    if other_language(question, passage):
        book = passage.language or script_language(passage.text)
        if book in ("mn", "en"):
            return tr(f"textbook_book_in_{book}", language)
    return tr(message_id, language)


def blank_term(sentence: str, term: str) -> str:
    """``sentence`` with ``term`` (and its case ending) replaced by a blank."""
    pattern = re.compile(rf"\b{re.escape(term)}\w*", re.I)
    return pattern.sub(BLANK, sentence, count=1)


def cloze_question(sentence: str, term: str) -> str:
    """A question asking for ``term``, built from the sentence that holds it.

    "Ургамал … уснаас органик бодис үүсгэдэг." with term "органик" → "Ургамал …
    уснаас юу бодис үүсгэдэг вэ?"; English "… make glucose." → "… make what?".
    """
    found = re.search(rf"\b{re.escape(term)}(\w*)", sentence, re.I)
    if found is None:
        return sentence
    if script_language(sentence) == "mn":
        ending = found.group(1).casefold()
        asked = next((q for suffix, q in _MN_CASE_QUESTION if ending.endswith(suffix)), "юу")
        body = sentence[:found.start()] + asked + sentence[found.end():]
        body = body.rstrip(" .!?…")
        particle = "бэ" if body[-1:].casefold() in "влмн" else "вэ"
        return f"{body} {particle}?"
    body = sentence[:found.start()] + "what" + sentence[found.end():]
    body = re.sub(r"\b(?:an?|the)\s+what\b", "what", body, flags=re.I)
    return body.rstrip(" .!?…") + "?"


def worked_example(text: str) -> str:
    """The worked example in a passage ("Жишээ …"/"Example …" with its working), or ""."""
    sentences = split_sentences(text)
    for index, sentence in enumerate(sentences):
        if not _EXAMPLE_START.match(clean_text(sentence).strip()):
            continue
        example: list[str] = []
        for part in sentences[index:index + 6]:
            example.append(part)
            if len(" ".join(example)) > 600:
                break
        body = " ".join(example)
        if _HAS_WORKING.search(body):
            return body
    return ""
