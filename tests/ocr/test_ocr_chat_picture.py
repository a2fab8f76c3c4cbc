"""A picture in the real chat view: "Add a picture" and pasting an image read the text on
this PC (real Tesseract) into the input box; nothing is sent until the student sends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ocr_helpers import mongolian_paragraph, render_text, save_png
from PIL import Image
from PySide6.QtCore import QMimeData
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from tutor_desktop.core.ocr import char_accuracy
from tutor_desktop.ui import dialogs, picture_input
from tutor_desktop.ui.chat_view import make_chat_page


def _chat(qtbot: QtBot, services: Any, school: Any) -> tuple[Any, Any]:
    student = services.accounts.sign_in_student(school.anu.id, "1234")
    view = make_chat_page(services, student, "biology", 7)
    qtbot.addWidget(view)
    view.show()
    return view, student


def _nothing_sent(services: Any, student: Any) -> bool:
    return all(not services.conversations.messages(student, c.id)
               for c in services.conversations.list_for(student))


def test_a_chosen_picture_fills_the_input_box_and_nothing_is_sent(
        qtbot: QtBot, services: Any, school: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(picture_input, "current_language", lambda: "mn")
    printed = mongolian_paragraph()
    photo = save_png(render_text(printed), tmp_path / "бодлого.png")
    monkeypatch.setattr(dialogs, "open_file", lambda *_a, **_k: str(photo))
    view, student = _chat(qtbot, services, school)
    assert view.picture.isVisible() and view.picture.isEnabled()
    view.input.setPlainText("Энэ юу гэсэн үг вэ?")
    with qtbot.waitSignal(view.picture.text_ready, timeout=60_000):
        view.picture.click()
        assert not view.picture.isEnabled()  # one picture at a time, on a worker thread
    text = view.input.toPlainText()
    assert text.startswith("Энэ юу гэсэн үг вэ? ")
    accuracy = char_accuracy(printed, text.removeprefix("Энэ юу гэсэн үг вэ? "))
    assert accuracy >= 0.9, text
    assert "шалга" in view.notice_label.text()      # "check it" in Mongolian
    assert view.picture.isEnabled()
    qtbot.wait(300)
    assert _nothing_sent(services, student)


def test_a_pasted_picture_goes_to_ocr_and_a_blank_one_says_so(
        qtbot: QtBot, services: Any, school: Any, tmp_path: Path) -> None:
    view, student = _chat(qtbot, services, school)
    page = render_text("Solve for x: 3x + 5 = 20")
    page.save(tmp_path / "shot.png")
    mime = QMimeData()
    mime.setImageData(QImage(str(tmp_path / "shot.png")))
    with qtbot.waitSignal(view.picture.text_ready, timeout=60_000):
        view.input.insertFromMimeData(mime)
    assert "Solve for x" in view.input.toPlainText()

    Image.new("L", (900, 600), 255).save(tmp_path / "blank.png")
    blank = QMimeData()
    blank.setImageData(QImage(str(tmp_path / "blank.png")))
    view.input.clear()
    with qtbot.waitSignal(view.picture.status, timeout=60_000,
                          check_params_cb=lambda text: "No text was found" in text):
        view.input.insertFromMimeData(blank)
    assert view.input.toPlainText() == ""
    assert "No text was found" in view.notice_label.text()
    assert _nothing_sent(services, student)


def test_without_a_camera_the_photo_button_is_off_and_says_why(
        qtbot: QtBot, qapp: Any, services: Any, school: Any) -> None:
    from tutor_desktop.ui import camera_input
    from tutor_desktop.ui.i18n import ui_language

    view, _student = _chat(qtbot, services, school)
    # This machine's PySide6 (Essentials) has no Qt Multimedia, and no camera either.
    assert camera_input.multimedia() is None
    assert view.camera.isVisible() and not view.camera.isEnabled()
    assert "no camera support" in view.camera.toolTip()
    language = ui_language()
    language.set_language("mn")
    try:
        assert view.camera.text() == "Зураг авах"
        assert "камерын дэмжлэг алга" in view.camera.toolTip()
        assert view.camera.accessibleDescription() == view.camera.toolTip()
    finally:
        language.set_language("en")
    view.camera.click()           # disabled: nothing happens, nothing breaks
    assert view.input.toPlainText() == ""


def test_a_camera_frame_is_read_into_the_box_like_a_picture(
        qtbot: QtBot, services: Any, school: Any, tmp_path: Path) -> None:
    view, student = _chat(qtbot, services, school)
    render_text("Solve for x: 2x + 7 = 19").convert("RGB").save(tmp_path / "frame.png")
    frame = QImage(str(tmp_path / "frame.png"))
    assert not frame.isNull()
    with qtbot.waitSignal(view.picture.text_ready, timeout=60_000):
        view.camera.take_frame(frame)   # what the camera hands over after one capture
    assert "Solve for x" in view.input.toPlainText()
    assert view.picture_chip.isVisible()            # the photo is kept for the question
    qtbot.wait(300)
    assert _nothing_sent(services, student)


def test_a_picture_can_be_removed_and_stays_on_this_pc_without_an_online_model(
        qtbot: QtBot, services: Any, school: Any, tmp_path: Path) -> None:
    from tutor_desktop.core.llm import vision

    view, student = _chat(qtbot, services, school)
    photo = save_png(render_text("What is photosynthesis?"), tmp_path / "q.png")
    view.picture.read(photo)
    qtbot.waitUntil(lambda: view.picture_chip.isVisible(), timeout=60_000)
    view.picture_chip.remove_button.click()
    assert not view.picture_chip.isVisible() and view.picture.attachment is None

    view.picture.read(photo)
    qtbot.waitUntil(lambda: view.picture_chip.isVisible(), timeout=60_000)
    view.send()          # no model here but the textbook tutor: the picture never leaves
    kept = vision.picture_notice(False).message("en")
    qtbot.waitUntil(lambda: kept in view.notice_label.text(), timeout=30_000)
    assert not view.picture_chip.isVisible()
    (conversation,) = services.conversations.list_for(student)
    question = services.conversations.messages(student, conversation.id)[0]
    assert question.content.startswith("What is photosynthesis")
