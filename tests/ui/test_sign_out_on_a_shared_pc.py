"""Signing out of a shared lab PC: nothing one person typed or copied is left for the next,
settings are saved as they were on screen, and a textbook import goes on after the teacher
leaves. Real services, the real embedder, real threads."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import shiboken6
from model_files import e5_gguf, link_into
from PySide6.QtCore import QEvent
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from ui_helpers import click, tile

from tutor_desktop.core.accounts import AccountService
from tutor_desktop.ui.background import run_in_background, worker_pool

TESTS = Path(__file__).resolve().parents[1]


def _library_helpers() -> ModuleType:
    """tests/library/library_helpers.py (long_book, text_pdf), also when run from tests/ui."""
    spec = importlib.util.spec_from_file_location(
        "_sign_out_library_helpers", TESTS / "library" / "library_helpers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def embedder_installed(data_dir: Path) -> Path:
    """The default embedder in the data folder's models/, as set-up leaves it."""
    return link_into(e5_gguf(), data_dir / "models")


def _sign_in_staff(qtbot: Any, window: Any, username: str, password: str) -> None:
    page = window.sign_in_page
    click(qtbot, page.staff_link)
    qtbot.keyClicks(page.username, username)
    qtbot.keyClicks(page.password, password)
    click(qtbot, page.staff_button)
    qtbot.waitUntil(lambda: window.current_page() is window.teacher_page, timeout=10_000)


def _delete_later_now() -> None:
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()


@pytest.mark.timeout(300)
def test_signing_out_does_not_stop_a_textbook_import(
        qtbot, tmp_path, embedder_installed, make_window, services, school) -> None:
    helpers = _library_helpers()
    long_pdf = helpers.long_book(tmp_path / "long_physics.pdf", pages=6)
    queued_pdf = helpers.text_pdf(tmp_path / "queued_notes.pdf", [
        "Magnets\n" + "A magnet attracts iron. Like poles repel, unlike poles attract. " * 6])
    library = services.library
    window = make_window("en")
    _sign_in_staff(qtbot, window, "bat", "teacher-pass-1")
    page = window.teacher_page.library_page
    assert page is not None

    seen: list[Any] = []
    page._relay.progressed.connect(seen.append)
    page.import_files([long_pdf])
    page.import_files([queued_pdf])  # dropped while the first one imports: it waits
    qtbot.waitUntil(lambda: bool(seen), timeout=120_000)
    assert not any(book.status == "ready" for book in library.books())

    click(qtbot, window.sign_out_button)  # mid-import; the Library tab is deleted
    _delete_later_now()
    assert window.teacher_page.library_page is None and not shiboken6.isValid(page)

    def all_ready() -> bool:
        books = library.books()
        return len(books) == 2 and all(b.status == "ready" and b.embed_model for b in books)

    qtbot.waitUntil(all_ready, timeout=180_000)
    titles = sorted(book.title for book in library.books())
    assert titles == ["long physics", "queued notes"]
    assert all(book.chunk_count > 0 for book in library.books())


def test_staff_forms_are_empty_for_the_next_person(
        qtbot, make_window, school) -> None:
    window = make_window("en")
    _sign_in_staff(qtbot, window, "admin", "admin-pass-1")
    page = window.teacher_page
    fields = {
        "new_name": "Сараа", "new_pin": "4321", "reset_pin_edit": "9999",
        "new_class_name": "8B", "teacher_name": "Oyun", "teacher_username": "oyun",
        "teacher_password": "secret-pass-9"}
    for name, text in fields.items():
        getattr(page, name).setText(text)

    click(qtbot, window.sign_out_button)
    assert {name: getattr(page, name).text() for name in fields} == dict.fromkeys(fields, "")
    # and the sign-in form does not offer the last staff member's username
    assert window.sign_in_page.username.text() == ""
    assert window.sign_in_page.password.text() == ""

    _sign_in_staff(qtbot, window, "bat", "teacher-pass-1")
    assert all(getattr(page, name).text() == "" for name in fields)


def test_class_settings_saved_are_the_ones_on_screen_at_click(
        qtbot, make_window, services, school) -> None:
    window = make_window("en")
    _sign_in_staff(qtbot, window, "bat", "teacher-pass-1")
    page = window.teacher_page
    assert page.current_class_id() == school.class_7a.id
    page.allow_no_pin.setChecked(True)
    page.daily_limit.setValue(25)

    # Every worker busy: the save waits in the queue while the teacher goes on.
    release = threading.Event()
    pool = worker_pool()
    for _ in range(pool.maxThreadCount()):
        run_in_background(release.wait, 60)
    qtbot.waitUntil(lambda: pool.activeThreadCount() == pool.maxThreadCount(), timeout=5_000)
    try:
        click(qtbot, page.save_settings_button)
        page.allow_no_pin.setChecked(False)
        page.daily_limit.setValue(3)
        click(qtbot, window.sign_out_button)
    finally:
        release.set()

    def saved() -> bool:
        school_class = services.accounts.get_class(school.class_7a.id)
        return bool(school_class.allow_no_pin and school_class.daily_message_limit == 25)

    qtbot.waitUntil(saved, timeout=10_000)


def test_a_copied_answer_leaves_with_the_student(
        qtbot, make_window, services, school) -> None:
    now = [1000.0]
    services.accounts = AccountService(services.db, idle_minutes=10, idle_clock=lambda: now[0])
    window = make_window("en")
    clipboard = QGuiApplication.clipboard()
    conversation: list[str] = []

    def open_math_with_an_answer(answer: str) -> Any:
        click(qtbot, tile(window, "class:2A"))
        click(qtbot, tile(window, "student:Болд"))
        qtbot.waitUntil(lambda: window.current_page() is window.student_home, timeout=10_000)
        conversations = services.conversations
        if not conversation:
            conversation.append(conversations.create(window.session, subject="math", grade=2).id)
        conversations.add_message(window.session, conversation[0], "user", "How many?")
        conversations.add_message(window.session, conversation[0], "assistant", answer)
        click(qtbot, tile(window, "subject:math"))
        view = window.chat_page.content
        assert view is not None and view.objectName() == "chatView"
        return view

    # inactivity sign-out takes the copied answer off the clipboard
    view = open_math_with_an_answer("Count on from 2: 3, 4, 5. So 2 + 3 = 5.")
    click(qtbot, view.copy_button)
    assert clipboard.text() == "Count on from 2: 3, 4, 5. So 2 + 3 = 5."
    now[0] += 11 * 60
    qtbot.waitUntil(lambda: window.current_page() is window.sign_in_page, timeout=5_000)
    assert clipboard.text() == ""

    # text another program put there after the copy is not ours to clear
    view = open_math_with_an_answer("Five apples.")
    click(qtbot, view.copy_button)
    assert clipboard.text() == "Five apples."
    clipboard.setText("the teacher's notes")
    window.sign_out_button.click()
    assert clipboard.text() == "the teacher's notes"
    clipboard.clear()


def test_a_book_is_listed_while_it_imports_with_its_percentage(
        qtbot, tmp_path, embedder_installed, services, school, ui_lang) -> None:
    """The teacher sees the book in the list at once, «оруулж байна 45 %», not only when
    it is finished."""
    from tutor_desktop.ui.library_view import make_library_page

    ui_lang.set_language("mn")
    pdf = _library_helpers().long_book(tmp_path / "long_physics.pdf", pages=6)
    page: Any = make_library_page(services, school.teacher_session)
    qtbot.addWidget(page)
    page.show()
    seen: list[str] = []

    def rows() -> None:
        for row in range(page.table.rowCount()):
            item = page.table.item(row, page.COLUMNS - 1)
            if item is not None and item.text().startswith("оруулж байна"):
                seen.append(item.text())

    page._relay.progressed.connect(lambda _progress: rows())
    page.import_files([pdf])
    qtbot.waitUntil(lambda: not page.busy, timeout=300_000)
    assert seen, "the book was not listed while it imported"
    assert all(text.endswith(" %") for text in seen)
    percents = [int(text.split()[-2]) for text in seen]
    assert percents == sorted(percents) and 0 <= percents[0] < 100
    assert page.table.rowCount() == 1
