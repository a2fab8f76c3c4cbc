"""Retrieval quality on the sample library's question set (hit@k, MRR).

Run after importing the samples::

    python -m tutor_desktop.core.library.evaluation --data-dir DIR [--mode hybrid|vector|keyword]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor_desktop.core.library.samples import sample_books, sample_dir
from tutor_desktop.core.retrieval.hybrid import HybridRetriever
from tutor_desktop.core.storage import Database


@dataclass(frozen=True)
class Question:
    text: str
    language: str
    book: str          # sample PDF file name
    page: int
    keyword: bool


@dataclass(frozen=True)
class Score:
    questions: int
    hit_at_1: float
    hit_at_k: float
    mrr: float
    misses: list[str]


def load_questions(path: Path | None = None) -> list[Question]:
    path = path or sample_dir() / "questions.toml"
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return [Question(str(q["text"]), str(q["language"]), str(q["book"]), int(q["page"]),
                     bool(q.get("keyword", False))) for q in data["question"]]


def evaluate(db: Database, retriever: HybridRetriever, questions: list[Question], *,
             k: int = 5, mode: str = "hybrid", filtered: bool = False) -> Score:
    """hit@k: a passage covering the answer page is among the top k.

    ``filtered`` searches within the question's book's grade and subject (what
    the tutor does); otherwise across the whole library (harder).
    """
    titles = {b.file: b for b in sample_books()}
    book_ids = {row["title"]: row["id"] for row in db.query("SELECT id, title FROM textbooks")}
    hits1 = hitsk = 0
    reciprocal = 0.0
    misses: list[str] = []
    for question in questions:
        meta = titles[question.book]
        wanted = book_ids.get(meta.title)
        scope: dict[str, Any] = {"grade": meta.grade, "subject": meta.subject} if filtered else {}
        result = retriever.search_detailed(question.text, k=k, mode=mode, **scope)
        rank = next((i for i, hit in enumerate(result.hits, start=1)
                     if hit.textbook_id == wanted
                     and hit.page_start <= question.page <= hit.page_end), None)
        if rank == 1:
            hits1 += 1
        if rank is not None:
            hitsk += 1
            reciprocal += 1.0 / rank
        else:
            got = ", ".join(f"{h.book} p{h.page_label}" for h in result.hits[:3])
            misses.append(f"{question.text} (want p{question.page}; got {got})")
    total = max(1, len(questions))
    return Score(len(questions), hits1 / total, hitsk / total, reciprocal / total, misses)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from tutor_desktop.core.config import load_config
    from tutor_desktop.core.embeddings.discovery import open_default_embedder
    from tutor_desktop.core.paths import resolve_paths
    from tutor_desktop.core.retrieval.hybrid import HybridRetriever

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir")
    parser.add_argument("--mode", default="hybrid", choices=("hybrid", "vector", "keyword"))
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--filtered", action="store_true")
    args = parser.parse_args(argv)
    paths = resolve_paths(args.data_dir)
    db = Database(paths.database)
    config = load_config(paths.user_config_file)
    embedder = open_default_embedder(paths.model_dirs(config.models_dir), paths.user_models_dir)
    retriever = HybridRetriever(db, lambda: embedder)
    questions = load_questions()
    for subset, items in (("all", questions), ("keyword", [q for q in questions if q.keyword])):
        score = evaluate(db, retriever, items, k=args.k, mode=args.mode,
                         filtered=args.filtered)
        print(f"{args.mode:7} {subset:8} n={score.questions:3}  hit@1={score.hit_at_1:.3f}  "
              f"hit@{args.k}={score.hit_at_k:.3f}  MRR={score.mrr:.3f}")
        for miss in score.misses:
            print("   miss:", miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
