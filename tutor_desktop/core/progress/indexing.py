"""Topics and practice items for a stored book, written in the caller's transaction.

Called by the library import (in the same transaction that stores the passages,
so a book never exists without topics) and by :func:`backfill` for books
imported before this feature (their PDF is re-read for headings and outline;
without the file the passage headings or page ranges are used).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

from tutor_desktop.core.library.pdf import Page
from tutor_desktop.core.progress.items import Passage, generate
from tutor_desktop.core.progress.topics import (
    ChunkRef,
    HeadingMark,
    assign_chunks,
    build_topics,
    heading_marks,
    outline_marks,
)
from tutor_desktop.core.storage import Database, utc_now
from tutor_desktop.core.storage.connection import Connection

log = logging.getLogger(__name__)


def read_structure(pdf_path: Path | None) -> tuple[list[Page] | None, list[HeadingMark]]:
    """A stored PDF's pages and outline, read outside any write transaction."""
    if pdf_path is None or not pdf_path.is_file():
        return None, []
    return _read_pages(pdf_path), outline_marks(pdf_path)


def index_book(conn: Connection, book_id: str, pages: Sequence[Page] | None = None,
               outline: Sequence[HeadingMark] = ()) -> tuple[int, int]:
    """(Re)build a book's topics and items; returns (topics, items)."""
    book = conn.execute("SELECT sha256, language, page_count FROM textbooks WHERE id = ?",
                        (book_id,)).fetchone()
    if book is None:
        return 0, 0
    chunks = conn.execute("SELECT id, ordinal, page_start, heading, text FROM chunks "
                          "WHERE textbook_id = ? ORDER BY ordinal", (book_id,)).fetchall()
    headings = heading_marks(pages) if pages else _marks_from_chunks(chunks)
    topics = build_topics(book["sha256"], int(book["page_count"]), book["language"],
                          outline, headings)
    assignment = assign_chunks(topics, [ChunkRef(int(c["ordinal"]), int(c["page_start"]),
                                                 c["heading"]) for c in chunks])
    now = utc_now()
    conn.execute("UPDATE chunks SET topic_id = NULL WHERE textbook_id = ?", (book_id,))
    # keep teachers' renames, merges and hides across a rebuild
    kept = {r["id"]: r for r in conn.execute(
        "SELECT id, custom_title, hidden, merged_into FROM topics WHERE textbook_id = ?",
        (book_id,)).fetchall()}
    conn.execute("DELETE FROM topics WHERE textbook_id = ?", (book_id,))
    conn.executemany(
        "INSERT INTO topics (id, textbook_id, parent_id, ordinal, level, title, custom_title, "
        "page_start, page_end, source, hidden, merged_into, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(t.id, book_id, t.parent_id, t.ordinal, t.level, t.title,
          kept[t.id]["custom_title"] if t.id in kept else "", t.page_start, t.page_end,
          t.source, kept[t.id]["hidden"] if t.id in kept else 0,
          kept[t.id]["merged_into"] if t.id in kept else "", now, now) for t in topics])
    conn.executemany("UPDATE chunks SET topic_id = ? WHERE textbook_id = ? AND ordinal = ?",
                     [(topic, book_id, ordinal) for ordinal, topic in assignment.items()])
    parents = {t.id: (t.parent_id or t.id) for t in topics}
    passages = [Passage(c["id"], assignment.get(int(c["ordinal"])),
                        parents.get(assignment.get(int(c["ordinal"]), "")),
                        int(c["page_start"]), c["text"]) for c in chunks]
    items = generate(book["sha256"], book["language"], passages)
    disabled = {r[0] for r in conn.execute(
        "SELECT id FROM practice_items WHERE textbook_id = ? AND enabled = 0", (book_id,))}
    conn.execute("DELETE FROM practice_items WHERE textbook_id = ? AND origin = 'rules'",
                 (book_id,))
    conn.executemany(
        "INSERT OR IGNORE INTO practice_items (id, textbook_id, topic_id, chunk_id, kind, prompt, "
        "answer, choices, data, page, origin, enabled, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?, 'rules', ?, ?, ?)",
        [(i.id, book_id, i.topic_id, i.chunk_id, i.kind, i.prompt, i.answer,
          json.dumps(list(i.choices), ensure_ascii=False),
          json.dumps(i.data, ensure_ascii=False), i.page, 0 if i.id in disabled else 1,
          now, now) for i in items])
    return len(topics), len(items)


def _read_pages(pdf_path: Path) -> list[Page] | None:
    from tutor_desktop.core.library.errors import LibraryError
    from tutor_desktop.core.library.pdf import extract_pages

    try:
        return extract_pages(pdf_path)
    except LibraryError:
        return None


def _marks_from_chunks(chunks: Sequence[object]) -> list[HeadingMark]:
    """Without the PDF: each distinct passage heading, flat (level 2 under no chapter)."""
    marks: list[HeadingMark] = []
    last = ""
    for chunk in chunks:
        heading = chunk["heading"]  # type: ignore[index]
        if heading and heading != last:
            marks.append(HeadingMark(1, heading, int(chunk["page_start"])))  # type: ignore[index]
            last = heading
    return marks


def backfill(db: Database, library_dir: Path) -> int:
    """Index every book that has no topics yet (books imported before this feature)."""
    rows = db.query("SELECT id, stored_path FROM textbooks t WHERE NOT EXISTS "
                    "(SELECT 1 FROM topics p WHERE p.textbook_id = t.id)")
    done = 0
    for row in rows:
        path = library_dir / row["stored_path"] if row["stored_path"] else None
        try:
            pages, outline = read_structure(path)
            with db.write() as conn:
                index_book(conn, row["id"], pages, outline)
            done += 1
        except Exception:  # one odd book must not stop the others or the app
            log.exception("could not index topics of book %s", row["id"])
    return done


def index_new_book(conn: Connection, book_id: str, pages: Sequence[Page],
                   pdf_path: Path) -> None:
    """The import's call: topics and items in the import's transaction. A failure here
    (a bug, an odd book) is rolled back to a savepoint and logged: the book still
    imports, and :func:`backfill` tries again at the next start."""
    outline = outline_marks(pdf_path)
    conn.execute("SAVEPOINT progress_index")
    try:
        index_book(conn, book_id, pages, outline)
    except Exception:
        conn.execute("ROLLBACK TO progress_index")
        log.exception("could not index topics of book %s", book_id)
    finally:
        conn.execute("RELEASE progress_index")
