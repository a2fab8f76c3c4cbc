"""Cutting pages into overlapping passages of a few hundred tokens.

Why these rules:
- A passage is what the tutor quotes and cites, so it should be about one
  idea: a new section heading always starts a new passage.
- Passages stay within one page where possible, so "p. 42" is right; a
  sentence that runs over a page break makes its passage span both pages,
  and both are recorded (``page_start``/``page_end``).
- Consecutive passages on a page overlap by a sentence or two, so an answer
  that straddles a cut is still found whole in one of them.
- Sizes are in characters: ~800 characters is ~200-250 e5 tokens for
  Mongolian Cyrillic (measured 3.4 characters/token), well inside e5's 512.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tutor_desktop.core.library.pdf import Page

TARGET_CHARS = 800
MAX_CHARS = 1100
OVERLAP_CHARS = 160
MIN_CHARS = 40              # smaller trailing pieces are merged into the previous passage

_SENTENCE_END = re.compile(r"(?<=[.!?…:;])\s+(?=[\"'«(\[]?[A-ZА-ЯЁӨҮ0-9])")
_TERMINAL = ("." , "!", "?", "…", ":", ";")


@dataclass(frozen=True)
class ChunkDraft:
    ordinal: int
    page_start: int
    page_end: int
    heading: str
    text: str


@dataclass(frozen=True)
class _Sentence:
    text: str
    page_start: int
    page_end: int
    heading: str
    section: int            # increments at every heading


def split_sentences(text: str) -> list[str]:
    """Sentences, with over-long ones cut at word boundaries."""
    out: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        while len(sentence) > MAX_CHARS:
            cut = sentence.rfind(" ", 0, TARGET_CHARS)
            cut = cut if cut > 0 else TARGET_CHARS
            out.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            out.append(sentence)
    return out


def _sentences(pages: list[Page]) -> Iterator[_Sentence]:
    heading = ""
    section = 0
    carry: _Sentence | None = None      # an unfinished sentence at the bottom of a page
    for page in pages:
        for block_index, block in enumerate(page.blocks):
            if block.heading:
                if carry is not None:
                    yield carry
                    carry = None
                heading = block.text
                section += 1
                continue
            parts = split_sentences(block.text)
            if carry is not None and parts and block_index == _first_body(page):
                first = parts.pop(0)
                yield _Sentence(f"{carry.text} {first}", carry.page_start, page.number,
                                carry.heading, carry.section)
                carry = None
            elif carry is not None:
                yield carry
                carry = None
            for position, part in enumerate(parts):
                sentence = _Sentence(part, page.number, page.number, heading, section)
                last_on_page = (position == len(parts) - 1
                                and block_index == len(page.blocks) - 1)
                if last_on_page and not part.endswith(_TERMINAL):
                    carry = sentence
                else:
                    yield sentence
    if carry is not None:
        yield carry


def _first_body(page: Page) -> int:
    """Index of the first block if it is body text (a sentence can continue into it)."""
    return 0 if page.blocks and not page.blocks[0].heading else -1


def chunk_pages(pages: list[Page], target: int = TARGET_CHARS,
                overlap: int = OVERLAP_CHARS) -> list[ChunkDraft]:
    """Passages for a whole book, in reading order."""
    drafts: list[ChunkDraft] = []
    current: list[_Sentence] = []

    def emit() -> None:
        if not current:
            return
        text = " ".join(s.text for s in current)
        first, last = current[0], current[-1]
        if (len(text) < MIN_CHARS and drafts and drafts[-1].heading == first.heading
                and drafts[-1].page_end >= first.page_start - 1):
            previous = drafts.pop()
            drafts.append(ChunkDraft(previous.ordinal, previous.page_start,
                                     max(previous.page_end, last.page_end), previous.heading,
                                     f"{previous.text} {text}"))
            return
        drafts.append(ChunkDraft(len(drafts), first.page_start,
                                 max(s.page_end for s in current), first.heading, text))

    length = 0
    for sentence in _sentences(pages):
        if current:
            new_section = sentence.section != current[-1].section
            new_page = sentence.page_start != current[-1].page_end
            too_long = length + len(sentence.text) + 1 > target
            if new_section or too_long or (new_page and length >= target // 3):
                emit()
                keep: list[_Sentence] = []
                if not new_section and not new_page:
                    kept = 0
                    for previous in reversed(current):
                        if kept + len(previous.text) > overlap:
                            break
                        keep.insert(0, previous)
                        kept += len(previous.text) + 1
                current = keep
                length = sum(len(s.text) + 1 for s in current)
        current.append(sentence)
        length += len(sentence.text) + 1
    emit()
    return drafts
