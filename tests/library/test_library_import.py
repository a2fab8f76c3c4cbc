"""Importing textbooks: through the CLI, duplicates, replacement, bad files, cancel."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from library_helpers import EXPECTED_ERRORS, bad_pdfs, meta_for, text_pdf
from staff import as_teacher

from tutor_desktop.cli.main import main as tutor


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = tutor(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_imports_the_sample_books_and_finds_their_pages(
        data_dir: Path, embedder_installed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(capsys, "--data-dir", str(data_dir), "library", "import-samples")
    assert code == 0, out
    assert "Биологи 7" in out and "Physics 8" in out

    code, out, _ = run_cli(capsys, "--data-dir", str(data_dir), "library", "list", "--json")
    books = {b["title"]: b for b in json.loads(out)}
    assert set(books) == {"Биологи 7", "Physics 8"}
    assert all(b["status"] == "ready" and b["pages"] == 5 and b["chunks"] >= 8
               for b in books.values())
    assert books["Physics 8"]["embed_model"] == embedder_installed.stem

    code, out, _ = run_cli(capsys, "--data-dir", str(data_dir), "library", "search",
                           "What is terminal velocity?", "--grade", "8", "--json")
    result = json.loads(out)
    top = result["hits"][0]
    assert (top["book"], top["page"]) == ("Physics 8", 5)
    assert {"book", "page", "chunk_id", "score"} <= top.keys()
    assert "terminal velocity" in top["text"]

    code, out, _ = run_cli(capsys, "--data-dir", str(data_dir), "library", "search",
                           "Кальвины цикл гэж юу вэ?", "--k", "3")
    assert code == 0 and out.startswith("1. Биологи 7, p. 3")

    # the samples are generated reproducibly: importing again recognises them
    code, out, _ = run_cli(capsys, "--data-dir", str(data_dir), "library", "import-samples")
    assert code == 0 and out.count("already in the library") == 2


def test_cli_add_with_flags_and_folder_sidecars(
        data_dir: Path, embedder_installed: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "curriculum"
    folder.mkdir()
    text_pdf(folder / "chem9.pdf", ["Химийн урвал\nХимийн урвалын үед шинэ бодис үүснэ. " * 6])
    text_pdf(folder / "geo6.pdf", ["Mountains\nThe highest mountain in Mongolia is Khuiten. " * 6])
    (folder / "library.toml").write_text(
        '[defaults]\nlanguage = "mn"\n\n[[book]]\nfile = "chem9.pdf"\ntitle = "Хими 9"\n'
        'grade = 9\nsubject = "хими"\n', encoding="utf-8")
    (folder / "geo6.json").write_text(
        '{"title": "Geography 6", "grade": 6, "subject": "geography", "language": "en"}')
    code, out, err = run_cli(capsys, "--data-dir", str(data_dir), "library", "add", str(folder))
    assert code == 0, err
    code, out, _ = run_cli(capsys, "--data-dir", str(data_dir), "library", "list", "--json")
    books = {b["title"]: b for b in json.loads(out)}
    assert (books["Хими 9"]["grade"], books["Хими 9"]["subject"],
            books["Хими 9"]["language"]) == (9, "chemistry", "mn")
    assert (books["Geography 6"]["grade"], books["Geography 6"]["language"]) == (6, "en")

    single = text_pdf(tmp_path / "bio10.pdf", ["Cells\nEvery living thing is made of cells. " * 6])
    code, out, err = run_cli(capsys, "--data-dir", str(data_dir), "library", "add", str(single),
                             "--grade", "10", "--subject", "Biology", "--lang", "en",
                             "--title", "Biology 10")
    assert code == 0, err
    assert 'Imported "Biology 10" (grade 10, biology, en)' in out

    code, out, _ = run_cli(capsys, "--data-dir", str(data_dir), "library", "list")
    book_id = next(line.split()[0] for line in out.splitlines() if "Biology 10" in line)
    code, out, _ = run_cli(capsys, "--data-dir", str(data_dir), "library", "remove", book_id)
    assert code == 0 and 'Removed "Biology 10"' in out
    code, out, _ = run_cli(capsys, "--data-dir", str(data_dir), "library", "list", "--json")
    assert "Biology 10" not in {b["title"] for b in json.loads(out)}
    assert len(list((data_dir / "library").glob("*.pdf"))) == 2


def test_missing_metadata_is_a_clear_error(data_dir: Path, embedder_installed: Path,
                                           tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    pdf = text_pdf(tmp_path / "book.pdf", ["Title\n" + "Some text here. " * 20])
    code, _out, err = run_cli(capsys, "--data-dir", str(data_dir), "library", "add", str(pdf),
                              "--subject", "math", "--lang", "mn")
    assert code == 2
    assert 'Cannot import "book.pdf": the grade must be a number from 1 to 12' in err


def test_same_file_twice_is_recognised(library: Any, sample_pdfs: dict[str, Any]) -> None:
    path, book = sample_pdfs["physics8_forces_en.pdf"]
    first = library.import_file(as_teacher(), path, meta_for(book))
    again = library.import_file(as_teacher(), path, meta_for(book))
    assert (first.outcome, again.outcome) == ("imported", "duplicate")
    assert again.book.id == first.book.id
    assert len(library.books()) == 1


def test_same_file_with_corrected_details_updates_the_book(library: Any, embedder: Any,
                                                          sample_pdfs: dict[str, Any]) -> None:
    from tutor_desktop.core.library import BookMeta
    from tutor_desktop.core.retrieval.hybrid import HybridRetriever

    retriever = HybridRetriever(library.db, lambda: embedder)
    path, _book = sample_pdfs["physics8_forces_en.pdf"]
    wrong = library.import_file(as_teacher(), path, BookMeta("Physics", 9, "physics", "en")).book
    fixed = library.import_file(as_teacher(), path, BookMeta("Physics 8", 8, "physics", "en"))
    assert fixed.outcome == "updated" and fixed.book.id == wrong.id
    assert (fixed.book.title, fixed.book.grade) == ("Physics 8", 8)
    result = retriever.search_detailed("terminal velocity", grade=8, subject="physics")
    assert not result.widened and result.vectors_used and result.hits[0].page_start == 5
    assert retriever.vectors.knn(embedder.embed_query("terminal velocity"), 5, grade=9) == []
    assert retriever.vectors.count() == fixed.book.chunk_count


def test_changed_file_replaces_the_old_book_atomically(library: Any, tmp_path: Path,
                                                       embedder: Any) -> None:
    from tutor_desktop.core.library import BookMeta
    from tutor_desktop.core.retrieval.hybrid import HybridRetriever

    retriever = HybridRetriever(library.db, lambda: embedder)
    meta = BookMeta("Math 7", 7, "math", "en")
    old = library.import_file(as_teacher(),
        text_pdf(tmp_path / "math7.pdf", ["Fractions\nA fraction has a numerator. " * 10]),
        meta).book
    assert retriever.search("numerator", grade=7)[0].textbook_id == old.id

    seen_during: list[set[str]] = []

    def watch(progress: Any) -> None:  # the old edition stays searchable until the swap
        if progress.stage == "embedding":
            seen_during.append({h.textbook_id for h in retriever.search("numerator", grade=7)})

    new_file = text_pdf(tmp_path / "math7-2025.pdf",
                        ["Fractions\nThe denominator is below the line. " * 10,
                         "Decimals\nA decimal point separates whole numbers. " * 10])
    result = library.import_file(as_teacher(), new_file, meta, progress=watch)
    assert result.outcome == "replaced"
    assert seen_during and all(ids == {old.id} for ids in seen_during)
    assert [b.id for b in library.books()] == [result.book.id]
    assert result.book.page_count == 2
    assert not (library.library_dir / old.stored_path).exists()
    assert retriever.search("numerator", grade=7, k=5)[0].textbook_id == result.book.id
    hits = retriever.search("denominator below the line", grade=7)
    assert hits and hits[0].textbook_id == result.book.id
    assert library.db.query_one("SELECT count(*) FROM chunks WHERE textbook_id = ?",
                                (old.id,))[0] == 0
    assert library.vectors.count() == result.book.chunk_count


@pytest.mark.parametrize("kind", sorted(EXPECTED_ERRORS))
def test_bad_file_gets_a_translated_reason_and_leaves_nothing(
        kind: str, library: Any, tmp_path: Path, sample_pdfs: dict[str, Any]) -> None:
    from tutor_desktop.core.library import BookMeta, LibraryError

    good, _book = sample_pdfs["physics8_forces_en.pdf"]
    bad = bad_pdfs(tmp_path / "bad", good)[kind]
    with pytest.raises(LibraryError) as caught:
        library.import_file(as_teacher(), bad, BookMeta("Bad", 8, "physics", "en"))
    error = caught.value
    assert error.message_id == EXPECTED_ERRORS[kind]
    for language in ("en", "mn"):
        assert bad.name in error.message(language)
    assert error.message("mn") != error.message("en")
    assert library.books() == []
    assert library.db.query_one("SELECT count(*) FROM chunks")[0] == 0
    assert not library.library_dir.exists() or not any(library.library_dir.iterdir())


def test_cli_reports_each_bad_file_and_imports_the_good_one(
        data_dir: Path, embedder_installed: Path, tmp_path: Path,
        sample_pdfs: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    good, _ = sample_pdfs["physics8_forces_en.pdf"]
    folder = tmp_path / "mixed"
    bad_pdfs(folder, good)
    (folder / "good.pdf").write_bytes(good.read_bytes())
    code, out, err = run_cli(capsys, "--data-dir", str(data_dir), "library", "add", str(folder),
                             "--grade", "8", "--subject", "physics", "--lang", "en")
    assert code == 2
    for name in ("empty.pdf", "notes.pdf", "locked.pdf", "broken.pdf"):
        assert f'Cannot import "{name}"' in err
    assert "4 file(s) could not be imported." in err
    assert 'Imported "good"' in out
    # The CLI has Tesseract: the page scanned from the good book is read, not refused.
    assert 'Cannot import "scan.pdf"' not in err
    assert 'Imported "scan"' in out


def test_cancel_keeps_nothing(library: Any, sample_pdfs: dict[str, Any]) -> None:
    from tutor_desktop.core.library import ImportCancelled

    path, book = sample_pdfs["biology7_photosynthesis_mn.pdf"]
    cancel = threading.Event()

    def cancel_while_embedding(progress: Any) -> None:
        if progress.stage == "embedding" and progress.chunks_done > 0:
            cancel.set()

    with pytest.raises(ImportCancelled):
        library.import_file(as_teacher(),
            path, meta_for(book), progress=cancel_while_embedding, cancel=cancel)
    assert library.books() == []
    assert library.db.query_one("SELECT count(*) FROM chunk_staging")[0] == 0
    assert not any(library.library_dir.iterdir())
    # and the same file imports fine afterwards
    assert library.import_file(as_teacher(), path, meta_for(book)).outcome == "imported"


def test_another_book_saved_under_the_same_file_name_is_not_a_new_edition(
        library: Any, tmp_path: Path) -> None:
    from tutor_desktop.core.library import BookMeta

    scan = tmp_path / "scan.pdf"
    maths = library.import_file(as_teacher(),
        text_pdf(scan, ["Fractions\nA fraction has a numerator. " * 10]),
                                BookMeta("Math 5", 5, "math", "en")).book
    text_pdf(scan, ["Forces\nA force is a push or a pull. " * 10])  # IT reuses the name
    physics = library.import_file(as_teacher(), scan, BookMeta("Physics 8", 8, "physics", "en"))
    assert physics.outcome != "replaced"
    assert {b.id for b in library.books()} == {maths.id, physics.book.id}
