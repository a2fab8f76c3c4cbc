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

    @property
    def page_label(self) -> str:
        if self.page_end != self.page_start:
            return f"{self.page_start}-{self.page_end}"
        return str(self.page_start)

    def citation(self) -> dict[str, object]:
        """The shape ``tutor ask --json`` prints."""
        return {"book": self.book, "page": self.page_start, "chunk_id": self.chunk_id,
                "score": round(self.score, 4)}


class Retriever(Protocol):
    """Finds passages for a question within a grade/subject/language (widening if empty)."""

    def search(self, query: str, *, grade: int | None = None, subject: str | None = None,
               language: str | None = None, k: int = 5) -> list[Hit]: ...
