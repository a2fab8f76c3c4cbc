"""Topic trees (chapter -> section) from a book's PDF outline or headings.

Why: a teacher thinks in chapters and sections, not in passages; mastery, the
practice items and the class dashboard are all per topic. Sources, best first:

1. the PDF outline (bookmarks) where the file has a useful one;
2. the headings the importer found (larger type), chapter = the largest level;
3. page ranges ("х. 1–10") for a book without either.

Every passage is then given exactly one topic: the deepest heading in effect on
its first page, in reading order. Topic ids are derived from the book's sha256
and the heading path, so the same book imported on two PCs yields the same ids
and interaction logs merged from both agree.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tutor_desktop.core.library.pdf import Page

PAGE_RANGE = 10                 # pages per topic when a book has no headings
MIN_OUTLINE_ENTRIES = 2
_NAMESPACE = uuid.UUID("6f1b7c1e-6c2a-4e8e-9a55-3b1f0c7d2a90")
_SECTION_NUMBER = re.compile(r"^\s*\d+\.\d+")
_CHAPTER_WORD = re.compile(r"^\s*([IVXLC]+|\d+)\s*(бүлэг|БҮЛЭГ)|^\s*(chapter|бүлэг)\b",
                           re.IGNORECASE)


@dataclass(frozen=True)
class HeadingMark:
    """A heading in reading order: its level (1 = chapter), title and first page."""

    level: int
    title: str
    page: int


@dataclass(frozen=True)
class TopicDraft:
    id: str
    parent_id: str | None
    ordinal: int
    level: int
    title: str
    page_start: int
    page_end: int
    source: str             # outline | headings | pages


@dataclass(frozen=True)
class ChunkRef:
    """What topic assignment needs from a passage."""

    ordinal: int
    page_start: int
    heading: str


def topic_id(book_sha: str, path: Sequence[str]) -> str:
    """A stable id: the same book and heading path give the same id on every PC."""
    return str(uuid.uuid5(_NAMESPACE, book_sha + "\x1f" + "\x1f".join(path)))


def outline_marks(pdf_path: Path) -> list[HeadingMark]:
    """The PDF's bookmarks as heading marks (empty when none or unreadable)."""
    try:
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(str(pdf_path))
    except Exception:  # no outline is not an error: headings or pages are used instead
        return []
    marks: list[HeadingMark] = []
    try:
        for item in document.get_toc():
            title = _outline_title(item)
            page = _outline_page(item)
            if title and page is not None:
                marks.append(HeadingMark(int(getattr(item, "level", 0)) + 1,
                                         " ".join(title.split()), page + 1))
    except Exception:  # a damaged outline: fall back to headings
        return []
    finally:
        document.close()
    return marks


def _outline_title(item: object) -> str:
    getter = getattr(item, "get_title", None)
    if callable(getter):
        return str(getter() or "")
    return str(getattr(item, "title", "") or "")


def _outline_page(item: object) -> int | None:
    index = getattr(item, "page_index", None)
    if index is None:
        dest_getter = getattr(item, "get_dest", None)
        dest = dest_getter() if callable(dest_getter) else None
        index_getter = getattr(dest, "get_index", None)
        index = index_getter() if callable(index_getter) else None
    return int(index) if isinstance(index, int) and index >= 0 else None


def heading_marks(pages: Sequence[Page]) -> list[HeadingMark]:
    """Headings found by the importer (font-size levels), with numbering hints:
    "1.1 …" is a section, "I БҮЛЭГ …"/"Chapter 2 …" a chapter."""
    marks: list[HeadingMark] = []
    for page in pages:
        for block in page.blocks:
            if block.heading and block.text.strip():
                marks.append(HeadingMark(max(1, block.level), block.text.strip(), page.number))
    return marks


def _two_levels(marks: list[HeadingMark]) -> list[HeadingMark]:
    """Fold any depth into chapter (1) and section (2): deeper headings belong to
    their section, which keeps the dashboard readable."""
    if not marks:
        return []
    levels = sorted({m.level for m in marks})
    top = levels[0]
    second = levels[1] if len(levels) > 1 else None
    folded: list[HeadingMark] = []
    for mark in marks:
        if _CHAPTER_WORD.match(mark.title):
            level = 1
        elif _SECTION_NUMBER.match(mark.title):
            level = 2
        elif mark.level == top:
            level = 1
        elif mark.level == second:
            level = 2
        else:
            continue        # a sub-sub-heading: its text stays in its section
        folded.append(HeadingMark(level, mark.title, mark.page))
    return folded


def build_topics(book_sha: str, page_count: int, language: str,
                 outline: Sequence[HeadingMark] = (),
                 headings: Sequence[HeadingMark] = ()) -> list[TopicDraft]:
    """The topic tree of a book, in reading order."""
    source = "outline" if len(outline) >= MIN_OUTLINE_ENTRIES else "headings"
    marks = _two_levels(list(outline if source == "outline" else headings))
    if not marks:
        return page_topics(book_sha, page_count, language)
    drafts: list[TopicDraft] = []
    chapter: TopicDraft | None = None
    seen: set[str] = set()
    for mark in marks:
        parent = chapter if mark.level == 2 and chapter is not None else None
        path = [parent.title, mark.title] if parent else [mark.title]
        ident = topic_id(book_sha, path)
        suffix = 2
        while ident in seen:      # the same heading twice in one chapter
            ident = topic_id(book_sha, [*path, str(suffix)])
            suffix += 1
        seen.add(ident)
        draft = TopicDraft(ident, parent.id if parent else None, len(drafts),
                           1 if parent is None else 2, mark.title, mark.page, mark.page, source)
        drafts.append(draft)
        if parent is None:
            chapter = draft
    return _with_page_ends(drafts, page_count)


def _with_page_ends(drafts: list[TopicDraft], page_count: int) -> list[TopicDraft]:
    """A topic runs until the next topic of its level or higher starts."""
    ended: list[TopicDraft] = []
    for index, draft in enumerate(drafts):
        end = page_count
        for later in drafts[index + 1:]:
            if later.level <= draft.level:
                end = max(draft.page_start, later.page_start - (0 if later.page_start
                                                                == draft.page_start else 1))
                break
        ended.append(TopicDraft(draft.id, draft.parent_id, draft.ordinal, draft.level,
                                draft.title, draft.page_start, max(draft.page_start, end),
                                draft.source))
    return ended


def page_topics(book_sha: str, page_count: int, language: str,
                size: int = PAGE_RANGE) -> list[TopicDraft]:
    """Fallback for a book without headings: "х. 1–10", "х. 11–20", …"""
    drafts: list[TopicDraft] = []
    prefix = "х." if language == "mn" else "pp."
    for start in range(1, max(1, page_count) + 1, size):
        end = min(max(1, page_count), start + size - 1)
        title = f"{prefix} {start}–{end}" if end != start else f"{prefix} {start}"
        drafts.append(TopicDraft(topic_id(book_sha, [f"pages:{start}"]), None, len(drafts), 1,
                                 title, start, end, "pages"))
    return drafts


def assign_chunks(topics: Sequence[TopicDraft], chunks: Sequence[ChunkRef]) -> dict[int, str]:
    """chunk ordinal -> topic id. A passage under a heading goes to that heading's topic
    (the latest one of that title starting on or before its page); otherwise to the
    deepest topic whose pages hold its first page."""
    result: dict[int, str] = {}
    if not topics:
        return result
    by_title: dict[str, list[TopicDraft]] = {}
    for topic in topics:
        by_title.setdefault(_key(topic.title), []).append(topic)
    for chunk in chunks:
        candidates = [t for t in by_title.get(_key(chunk.heading), [])
                      if t.page_start <= chunk.page_start] if chunk.heading else []
        if candidates:
            result[chunk.ordinal] = candidates[-1].id
            continue
        started = [t for t in topics if t.page_start <= chunk.page_start]
        if not started:
            result[chunk.ordinal] = topics[0].id
            continue
        deepest = max(started, key=lambda t: (t.page_start, t.level, t.ordinal))
        result[chunk.ordinal] = deepest.id
    return result


def _key(title: str) -> str:
    return " ".join(title.casefold().split())
