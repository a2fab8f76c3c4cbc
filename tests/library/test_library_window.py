"""The teacher's Library tab and the page viewer, driven like a user would (pytest-qt)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from library_helpers import bad_pdfs, long_book
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from staff import as_teacher

from tutor_desktop.core.paths import install_dir

SHOTS = install_dir() / "screenshots"


def drop(page: Any, *paths: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    page.dropEvent(event)


def choose(page: Any, *, subject: str, grade: int, language: str, title: str = "") -> None:
    page.subject_combo.setCurrentIndex(page.subject_combo.findData(subject))
    page.grade_spin.setValue(grade)
    page.language_combo.setCurrentIndex(page.language_combo.findData(language))
    page.title_edit.setText(title)


@pytest.fixture
def library_page(qtbot: Any, services: Any, school: Any, embedder_installed: Path) -> Any:
    from tutor_desktop.ui.library_view import make_library_page

    page = make_library_page(services, school.teacher_session)
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    qtbot.waitExposed(page)
    return page


class HeldAfterFirstBatch:
    """The real embedder, except that its second batch waits until the test lets it go.

    The import is then certainly still running when the teacher clicks Cancel, however
    fast or slow the PC is.
    """

    def __init__(self, embedder: Any) -> None:
        self._embedder = embedder
        self.gate = threading.Event()
        self.batches = 0

    def embed_passages(self, texts: Any) -> Any:
        self.batches += 1
        if self.batches > 1:
            self.gate.wait(120)
        return self._embedder.embed_passages(texts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._embedder, name)


@pytest.mark.timeout(900)
def test_teacher_imports_by_drop_sees_progress_cancels_and_removes(
        qtbot: Any, library_page: Any, sample_pdfs: dict[str, Any], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    page = library_page
    seen: list[Any] = []
    page._relay.progressed.connect(seen.append)

    choose(page, subject="physics", grade=8, language="en", title="Physics 8")
    drop(page, sample_pdfs["physics8_forces_en.pdf"][0])
    assert page.busy and page.progress.isVisible() and page.cancel_button.isVisible()
    qtbot.waitUntil(lambda: not page.busy, timeout=300_000)
    assert any(p.stage == "reading" for p in seen)
    assert any(p.stage == "embedding" and p.chunks_total > 0 for p in seen)
    assert 'Imported "Physics 8" (grade 8, Physics, English)' in page.message.text()
    assert page.table.rowCount() == 1
    assert [page.table.item(0, c).text() for c in (0, 1, 2, 6)] == [
        "Physics 8", "8", "Physics", "ready"]

    # a bad file dropped gets the translated reason, naming the file
    bad = bad_pdfs(tmp_path / "bad", sample_pdfs["physics8_forces_en.pdf"][0])
    drop(page, bad["encrypted"])
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)
    assert 'Cannot import "locked.pdf": it is protected by a password' in page.message.text()

    # cancel a long import half-way: nothing is kept
    seen.clear()
    held = HeldAfterFirstBatch(page.library.embedder())
    monkeypatch.setattr(page.library, "_embedder_source", lambda: held)
    choose(page, subject="physics", grade=9, language="en", title="Long physics")
    page.import_files([long_book(tmp_path / "long.pdf", pages=12)])
    qtbot.waitUntil(lambda: any(p.stage == "embedding" and p.chunks_done > 0 for p in seen),
                    timeout=300_000)
    qtbot.waitUntil(lambda: "left" in page.progress_label.text(), timeout=30_000)
    assert page.busy
    page.cancel_button.click()
    held.gate.set()
    qtbot.waitUntil(lambda: not page.busy, timeout=120_000)
    assert page.last_outcome.cancelled
    assert "Import cancelled" in page.message.text()
    assert page.table.rowCount() == 1

    # remove
    book_id = page.books[0].id
    page.remove_book(book_id)
    qtbot.waitUntil(lambda: page.table.rowCount() == 0, timeout=30_000)
    assert page.library.books() == []


def test_page_viewer_shows_the_cited_page(qtbot: Any, services: Any,
                                          embedder_installed: Path,
                                          sample_pdfs: dict[str, Any]) -> None:
    from library_helpers import meta_for

    from tutor_desktop.ui.library_view import PageViewer, make_page_viewer

    path, book = sample_pdfs["biology7_photosynthesis_mn.pdf"]
    services.library.import_file(as_teacher(), path, meta_for(book))
    hit = services.retriever.search("Фотосинтезийн химийн тэгшитгэл", grade=7)[0]
    assert hit.page_start == 3

    dialog = make_page_viewer(hit, services)
    assert isinstance(dialog, PageViewer)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=30_000):
        dialog.show()
    assert dialog.image is not None and dialog.image.width() == 900
    assert "6CO2 + 6H2O" in dialog.text.toPlainText()
    assert dialog.title.text().startswith("Биологи 7, p. 3")
    assert hit.text[:40] in dialog.passage.text()
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "library_page_viewer.png"))

    with qtbot.waitSignal(dialog.loaded, timeout=30_000):
        dialog.next_button.click()
    assert dialog.page_number == 4 and "0.04" in dialog.text.toPlainText()

    # a citation dict from `tutor ask --json` (chunk id only) opens the same page
    other = make_page_viewer(hit.citation(), services)
    assert isinstance(other, PageViewer)
    qtbot.addWidget(other)
    with qtbot.waitSignal(other.loaded, timeout=30_000):
        other.show()
    assert other.page_number == 3


@pytest.mark.timeout(900)
def test_queued_books_import_after_the_idle_teacher_is_signed_out(
        qtbot: Any, services: Any, school: Any, embedder_installed: Path,
        sample_pdfs: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A teacher drops two books and leaves for lunch: the window signs them out (the tab
    goes), and both books are imported. A drop after the session ran out is refused."""
    from tutor_desktop.core.accounts import Session
    from tutor_desktop.ui.library_view import make_library_page

    now = [0.0]
    teacher = Session(school.teacher_session.user, 60.0, clock=lambda: now[0])
    page: Any = make_library_page(services, teacher)
    page.show()
    held = HeldAfterFirstBatch(services.library.embedder())
    monkeypatch.setattr(services.library, "_embedder_source", lambda: held)

    choose(page, subject="physics", grade=9, language="en", title="Long physics")
    page.import_files([long_book(tmp_path / "long.pdf", pages=12)])
    qtbot.waitUntil(lambda: held.batches >= 2, timeout=300_000)  # the first is importing
    biology, _book = sample_pdfs["biology7_photosynthesis_mn.pdf"]
    choose(page, subject="biology", grade=7, language="mn", title="Biology 7")
    page.import_files([biology])                                  # queued behind it

    now[0] = 61.0                                                 # lunch
    choose(page, subject="physics", grade=8, language="en", title="Too late")
    page.import_files([sample_pdfs["physics8_forces_en.pdf"][0]])
    assert "sign in again" in page.message.text().lower()          # not queued
    page.shutdown()                                               # the window signs out
    page.close()
    page.deleteLater()
    held.gate.set()

    def ready() -> list[str]:
        return sorted(b.title for b in services.library.books() if b.status == "ready")

    qtbot.waitUntil(lambda: ready() == ["Biology 7", "Long physics"], timeout=600_000)
    assert ready() == ["Biology 7", "Long physics"]   # and not the one dropped too late
