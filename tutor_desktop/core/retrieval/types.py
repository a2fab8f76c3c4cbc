"""What retrieval hands to the tutor: ranked textbook passages with their sources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Hit:
    """One retrieved passage and where it comes from (for the citation)."""

    chunk_id: str
    textbook_id: str
    book: str          # display title, e.g. "Biology 7"
    page_start: int    # 1-based
    page_end: int
    heading: str
    text: str
    score: float       # higher is better (fused rank score)
    # The numbers printed on those pages ("38" on the PDF's page 52); "" = the index.
    label_start: str = ""
    label_end: str = ""

    # The book's subject and language: the tutor must say so when a passage comes from
    # another subject's book (core/grounding), and quotes the question's language first.
    subject: str = ""
    language: str = ""
    # Only for a passage in another language than the question: how much more it is about
    # the question than e5's hubs are (retrieval/crosslingual.py); None = same language.
    cross_score: float | None = None

    @property
    def printed_start(self) -> str:
        """What a student looks up in the printed book (``page_start`` opens the PDF)."""
        return self.label_start or str(self.page_start)

    @property
    def page_label(self) -> str:
        end = self.label_end or str(self.page_end)
        if self.page_end != self.page_start and end != self.printed_start:
            return f"{self.printed_start}-{end}"
        return self.printed_start

    def citation(self) -> dict[str, object]:
        """The shape ``tutor ask --json`` prints: ``page`` opens the PDF, ``label`` is cited."""
        return {"book": self.book, "page": self.page_start, "label": self.printed_start,
                "chunk_id": self.chunk_id, "score": round(self.score, 4)}


#: Joins the printed labels of a chunk's pages (``c``: chunks) for :class:`Hit`.
LABEL_COLUMNS = ("ps.label AS label_start, pe.label AS label_end")
LABEL_JOINS = ("LEFT JOIN textbook_pages ps ON ps.textbook_id = c.textbook_id "
               "AND ps.page = c.page_start "
               "LEFT JOIN textbook_pages pe ON pe.textbook_id = c.textbook_id "
               "AND pe.page = c.page_end")


class Retriever(Protocol):
    """Finds passages for a question within a grade/subject/language (widening if empty)."""

    def search(self, query: str, *, grade: int | None = None, subject: str | None = None,
               language: str | None = None, k: int = 5) -> list[Hit]: ...
