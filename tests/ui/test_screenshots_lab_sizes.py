"""Screenshots of what a student and a teacher meet, in Mongolian, at the two lab sizes.

1024×768 and 1366×768 screens, less a 40 px taskbar: sign-in, the student's home,
the chat with an answer and its sources, the page viewer, each teacher tab, the
settings and the file dialog. Saved to ``screenshots/`` (git-ignored) for a person
to look at; the test also checks each one was really drawn, has no character the
font cannot show, and that the window kept the screen's size.
"""

from __future__ import annotations

import model_files
from model_files import link_into
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog
from staff import as_teacher
from test_screenshots import SHOTS, _boxes, _drawn
from ui_helpers import click, tile, type_text

SIZES = [(1024, 768 - 40), (1366, 768 - 40)]
QUESTION = "Фотосинтез гэж юу вэ?"


def _save(widget, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    image = widget.grab().toImage()
    assert image.save(str(SHOTS / f"{name}.png"))
    assert _drawn(image) > 40, name
    assert _boxes(widget) == [], name


def test_lab_screens_in_mongolian(qtbot, make_window, services, school, data_dir) -> None:
    from tutor_desktop.core.library import BookMeta
    from tutor_desktop.core.library.samples import generate_samples

    link_into(model_files.e5_gguf(), data_dir / "models")
    for path, book in generate_samples(data_dir / "samples"):
        services.library.import_file(as_teacher(),
            path, BookMeta(book.title, book.grade, book.subject,
                                                    book.language))
    window = make_window("mn")
    for width, height in SIZES:
        _walk(qtbot, window, services, width, height)


def _walk(qtbot, window, services, width: int, height: int) -> None:
    """Every screen at one size: a student's, then a teacher's."""
    from tutor_desktop.ui.library_view import make_page_viewer

    window.resize(width, height)
    tag = f"{width}"
    qtbot.wait(50)
    assert (window.width(), window.height()) == (width, height)
    _save(window, f"lab_{tag}_1_sign_in")
    click(qtbot, tile(window, "class:7A"))
    click(qtbot, tile(window, "student:Анужин"))
    qtbot.keyClicks(window.sign_in_page.pin_pad, "1234")
    qtbot.keyClick(window.sign_in_page.pin_pad, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.student_home, timeout=10_000)
    qtbot.wait(50)
    _save(window, f"lab_{tag}_2_student_home")
    click(qtbot, tile(window, "subject:biology"))
    view = window.chat_page.content
    type_text(view.input, QUESTION)
    qtbot.keyClick(view.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.busy and len(view.messages) >= 2, timeout=180_000)
    qtbot.wait(100)
    assert view.messages[-1].citations, "the answer has its textbook sources"
    _save(window, f"lab_{tag}_3_chat_sources")
    viewer = make_page_viewer(view.messages[-1].citations[0], services, window)
    viewer.show()
    qtbot.wait(100)
    _save(viewer, f"lab_{tag}_4_page_viewer")
    viewer.close()
    click(qtbot, window.sign_out_button)

    page = window.sign_in_page
    click(qtbot, page.staff_link)
    qtbot.keyClicks(page.username, "bat")
    qtbot.keyClicks(page.password, "teacher-pass-1")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.teacher_page, timeout=10_000)
    teacher = window.teacher_page
    for index in range(teacher.tabs.count()):
        teacher.tabs.setCurrentIndex(index)
        qtbot.wait(50)
        _save(window, f"lab_{tag}_5_teacher_tab_{index}")
    library = teacher.library_page
    teacher.tabs.setCurrentWidget(library)
    seen: list[str] = []

    def shoot_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(20, shoot_dialog)
            return
        qtbot.wait(50)
        _save(dialog, f"lab_{tag}_6_file_dialog")
        seen.append("file dialog")
        dialog.reject()

    QTimer.singleShot(20, shoot_dialog)
    library.import_button.click()
    assert seen == ["file dialog"]
    click(qtbot, window.settings_button)
    qtbot.wait(300)
    _save(window, f"lab_{tag}_7_settings")
    click(qtbot, window.settings_page.sign_out_button)
    qtbot.waitUntil(lambda: window.current_page() is window.sign_in_page, timeout=10_000)
