"""Practice items made from textbook passages by rules, with no language model.

Why rules: the embedded small model cannot write good questions, and a lab PC
has no internet. Definitions and formulas in school textbooks follow a few
fixed shapes, so we look for those:

- cloze: a definition sentence with its term blanked ("Энэ үйл явцыг ____ гэнэ.",
  "… is called ____.", "X is …" / "X бол … юм");
- choice: the same gap with the answer among distractors drawn from other key
  terms of the same chapter (never the answer's synonyms, never a term that
  contains it or is contained in it);
- numeric: a formula such as ``F = m a`` found in the text: values picked
  deterministically, the answer computed with sympy, units from the quantities
  the passage itself names.

Every item keeps its passage; :func:`supported` re-checks an item against the
passage text and unsupported ones are dropped (also items a model proposes).
Item ids are derived from the book and the prompt, so a passage repeated in the
overlap of two chunks yields one item, and re-imports on other PCs agree.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tutor_desktop.core.i18n import tr
from tutor_desktop.core.library.chunking import split_sentences

BLANK = "_____"
_NAMESPACE = uuid.UUID("0b8e3d52-9a1f-4f73-8d1e-6f0f5e2d9c41")
MIN_DISTRACTORS = 2
MAX_DISTRACTORS = 3


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    topic_id: str | None
    chapter_id: str | None      # the level-1 topic above (distractors come from its terms)
    page: int
    text: str


@dataclass(frozen=True)
class Item:
    id: str
    kind: str                   # cloze | choice | numeric
    prompt: str
    answer: str
    chunk_id: str
    topic_id: str | None
    page: int
    choices: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Definition:
    term: str
    sentence: str               # the sentence as printed
    prompt: str                 # context + sentence with the term blanked
    synonyms: tuple[str, ...] = ()


# --------------------------------------------------------------- definitions
_WORD = r"[A-Za-zА-Яа-яЁёӨөҮүІі][A-Za-zА-Яа-яЁёӨөҮүІі\-]*"
_TERM_EN = rf"{_WORD}(?:\s{_WORD}){{0,3}}"
_TERM_MN = rf"{_WORD}(?:\s{_WORD}){{0,2}}"
_EN_CALLED = re.compile(
    rf"^(?P<before>.+?\s)(?:is|are)\s+(?:also\s+)?called\s+(?:an?\s+|the\s+)?(?P<term>{_TERM_EN})[.]$")
_EN_CALLED_TAIL = re.compile(
    rf"^(?P<before>.+?[a-z]\s)called\s+(?:an?\s+|the\s+)?(?P<term>{_TERM_EN})[.]$")
_EN_IS = re.compile(
    rf"^(?:(?:An?|The)\s+)?(?P<term>{_TERM_EN}?)(?:,\s+or\s+(?P<syn>{_TERM_EN}),)?\s+is\s+"
    r"(?P<def>.+)$")
_EN_NOT_DEF = {"measured", "not", "also", "only", "about", "very", "made", "used", "zero",
               "equal", "called", "in", "on", "at", "than", "more", "less", "same", "needed",
               "one", "two", "usually", "always", "often", "useful", "different", "important",
               "given", "shown", "found", "known", "named", "balanced", "unbalanced", "why",
               "how", "what", "so", "no", "there", "it"}
_EN_NOT_TERM = {"it", "this", "that", "there", "he", "she", "they", "what", "which", "here",
                "one", "its", "his", "her", "each", "every", "all", "force of", "we", "you"}
_MN_CALLED = re.compile(
    rf"^(?P<before>.*\S(?:ыг|ийг|ууг|үүг|г))\s+(?P<term>{_TERM_MN})\s+"
    r"(?:гэж\s+нэрлэдэг|гэж\s+нэрлэнэ|гэж\s+нэрлэгддэг|гэнэ|гэдэг)[.]?$")
_MN_IS = re.compile(rf"^(?P<term>{_TERM_MN})\s+бол\s+(?P<def>.+?)\s+(?:юм|болно)[.]?$")
_MN_NAMED = re.compile(rf"(?P<term>{_WORD})\s+(?:гэж\s+нэрлэгдэх|хэмээх)\s+")
_DEMONSTRATIVE = re.compile(r"^(Энэ|Ийм|Тэр|Тэдгээр|Үүнийг|This|These|It|They|Such)\b|тэднийг")
_KEY_LIST = re.compile(
    r"(?:Key\s+words|Key\s+terms|Шинэ\s+нэр\s+томь?ёо|Түлхүүр\s+үг)\s*:\s*(?P<list>[^.]+)",
    re.IGNORECASE)
_ALSO_CALLED = re.compile(rf"(?P<a>{_WORD}(?:\s{_WORD})?),\s+also\s+called\s+(?:an?\s+)?"
                          rf"(?P<b>{_WORD}(?:\s{_WORD})?)")


def _clean(text: str) -> str:
    return " ".join(text.replace("\ufffe", "").split())


def _norm(term: str) -> str:
    return " ".join(term.casefold().replace("-", " ").split())


def key_terms(text: str) -> list[str]:
    """Terms a textbook lists itself ("Key words: …", "Шинэ нэр томьёо: …")."""
    terms: list[str] = []
    for match in _KEY_LIST.finditer(text):
        for part in match.group("list").split(","):
            term = part.strip(" .;:")
            if 2 < len(term) <= 40 and len(term.split()) <= 4:
                terms.append(term)
    return terms


def synonym_pairs(text: str) -> list[tuple[str, str]]:
    pairs = [(m.group("a"), m.group("b")) for m in _ALSO_CALLED.finditer(text)]
    for sentence in split_sentences(text):
        match = _EN_IS.match(sentence)
        if match and match.group("syn"):
            pairs.append((match.group("term"), match.group("syn")))
    return pairs


def _blank(sentence: str, start: int, end: int) -> str:
    return sentence[:start] + BLANK + sentence[end:]


def _with_context(sentences: list[str], index: int, blanked: str, term: str) -> str:
    """A sentence that starts with "this"/"энэ" needs the one before it to make sense."""
    if index > 0 and _DEMONSTRATIVE.search(sentences[index]):
        before = sentences[index - 1]
        if _norm(term) not in _norm(before):
            return f"{before} {blanked}"
    return blanked


_NOISE = re.compile(r"[\\`´ˆ^{}_~|<>]|^\s*\d")
MAX_SENTENCE_CHARS = 300


def _clean_sentence(sentence: str) -> bool:
    """Prose, not a code listing, a formula fragment or a heading run into the text
    (real PDFs are full of those: "4.7.1 Вебд …", "\\width", "Th`anh")."""
    return len(sentence) <= MAX_SENTENCE_CHARS and _NOISE.search(sentence) is None


def definitions(text: str) -> list[_Definition]:
    """Definition sentences in a passage, each with its term and a blanked prompt."""
    found: list[_Definition] = []
    sentences = [_clean(s) for s in split_sentences(_clean(text))]
    synonyms = synonym_pairs(text)
    for index, sentence in enumerate(sentences):
        if not _clean_sentence(sentence):
            continue
        definition = _match_definition(sentence)
        if definition is None:
            continue
        term, start, end = definition
        if not _good_term(term):
            continue
        blanked = _blank(sentence, start, end)
        if _norm(term) in _norm(blanked):   # the answer would be in the question
            continue
        syns = tuple(b if _norm(a) == _norm(term) else a for a, b in synonyms
                     if _norm(term) in (_norm(a), _norm(b)))
        found.append(_Definition(term, sentence, _with_context(sentences, index, blanked, term),
                                 syns))
    return found


def _match_definition(sentence: str) -> tuple[str, int, int] | None:
    for pattern in (_MN_CALLED, _EN_CALLED, _EN_CALLED_TAIL):
        match = pattern.match(sentence)
        if match and "also called" not in sentence:
            return match.group("term"), match.start("term"), match.end("term")
    match = _MN_IS.match(sentence)
    if match:
        return match.group("term"), match.start("term"), match.end("term")
    match = _EN_IS.match(sentence)
    if match:
        first = match.group("def").split()[0].strip(",.;:").casefold()
        if first not in _EN_NOT_DEF and not first.endswith("ed"):
            return match.group("term"), match.start("term"), match.end("term")
    match = _MN_NAMED.search(sentence)
    if match:
        return match.group("term"), match.start("term"), match.end("term")
    return None


def _good_term(term: str) -> bool:
    words = term.split()
    if not 1 <= len(words) <= 4 or len(term) < 3:
        return False
    if term.casefold() in _EN_NOT_TERM or words[0].casefold() in _EN_NOT_TERM:
        return False
    # English terms are lower case after the first word (a proper noun is not a term)
    return all(w[:1].islower() for w in words[1:] if w.isascii())


# -------------------------------------------------------------------- items
def item_id(book_sha: str, kind: str, prompt: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{book_sha}\x1f{kind}\x1f{_norm(prompt)}"))


def _stable_order(seed: str, values: Iterable[str]) -> list[str]:
    return sorted(values, key=lambda v: hashlib.sha256(f"{seed}\x1f{v}".encode()).hexdigest())


def chapter_terms(passages: Sequence[Passage]) -> dict[str | None, list[str]]:
    """Key terms per chapter: defined terms plus the book's own key-word lists."""
    terms: dict[str | None, dict[str, str]] = {}
    for passage in passages:
        bucket = terms.setdefault(passage.chapter_id, {})
        for term in [d.term for d in definitions(passage.text)] + key_terms(passage.text):
            bucket.setdefault(_norm(term), term)
    return {chapter: list(bucket.values()) for chapter, bucket in terms.items()}


def _distractors(answer: str, synonyms: Sequence[str], pool: Sequence[str], prompt: str,
                 seed: str) -> list[str]:
    avoid = {_norm(answer), *(_norm(s) for s in synonyms)}
    chosen: list[str] = []
    for term in _stable_order(seed, pool):
        key = _norm(term)
        if key in avoid or any(key in a or a in key for a in avoid):
            continue
        if key in _norm(prompt) or any(key in _norm(c) or _norm(c) in key for c in chosen):
            continue
        chosen.append(_case_like(term, answer))
        if len(chosen) == MAX_DISTRACTORS:
            break
    return chosen


def _case_like(term: str, answer: str) -> str:
    """A distractor's first letter in the answer's case: a capital taken from the start
    of its own sentence ("Friction", "Хлоропласт") among lower-case options told the
    student which ones were not the answer. Acronyms ("DNA") stay as they are."""
    if not term or not answer or term[:2].isupper():
        return term
    if answer[0].islower() and term[0].isupper():
        return term[0].lower() + term[1:]
    if answer[0].isupper() and term[0].islower():
        return term[0].upper() + term[1:]
    return term


def generate(book_sha: str, language: str, passages: Sequence[Passage]) -> list[Item]:
    """All rule-made items of a book, validated and with duplicates merged."""
    pools = chapter_terms(passages)
    items: dict[str, Item] = {}
    for passage in passages:
        for definition in definitions(passage.text):
            cloze_prompt = tr("item_cloze_prompt", language, text=definition.prompt)
            cloze = Item(item_id(book_sha, "cloze", definition.prompt), "cloze", cloze_prompt,
                         definition.term, passage.chunk_id, passage.topic_id, passage.page,
                         data={"sentence": definition.sentence,
                               "synonyms": list(definition.synonyms)})
            _keep(items, cloze, passage)
            choice_id = item_id(book_sha, "choice", definition.prompt)
            others = _distractors(definition.term, definition.synonyms,
                                  pools.get(passage.chapter_id, []), definition.prompt, choice_id)
            if len(others) >= MIN_DISTRACTORS:
                options = tuple(_stable_order(choice_id, [definition.term, *others]))
                choice = Item(choice_id, "choice",
                              tr("item_choice_prompt", language, text=definition.prompt),
                              definition.term, passage.chunk_id, passage.topic_id, passage.page,
                              choices=options, data={"sentence": definition.sentence})
                _keep(items, choice, passage)
        from tutor_desktop.core.progress.numeric import numeric_items

        for item in numeric_items(book_sha, language, passage):
            _keep(items, item, passage)
    return list(items.values())


def _keep(items: dict[str, Item], item: Item, passage: Passage) -> None:
    """Add a supported item unless an equal one (same id) came from an earlier passage."""
    if item.id not in items and supported(item, passage.text):
        items[item.id] = item


def supported(item: Item, passage_text: str) -> bool:
    """Is the item's answer backed by its passage? (An item a model proposes passes the
    same test.) Cloze/choice: the filled-in sentence is in the passage; numeric: the
    formula is there and the answer recomputes."""
    text = _norm(_clean(passage_text))
    if item.kind in ("cloze", "choice"):
        sentence = str(item.data.get("sentence", ""))
        if not item.answer.strip() or _norm(item.answer) not in text:
            return False
        if sentence and _norm(sentence) not in text:
            return False
        if item.kind == "choice":
            normalised = [_norm(c) for c in item.choices]
            if normalised.count(_norm(item.answer)) != 1 or len(set(normalised)) != len(
                    normalised):
                return False
        return BLANK in item.prompt
    if item.kind == "numeric":
        from tutor_desktop.core.progress.numeric import verify_numeric

        return verify_numeric(item, passage_text)
    return False
