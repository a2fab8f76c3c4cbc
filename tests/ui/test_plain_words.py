"""Words a student or teacher understands, in Mongolian."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

from tutor_desktop.core.llm.manager import ModelState, ModelStatus


def test_students_are_not_shown_the_models_file_name(qtbot, services, school, ui_lang) -> None:
    from tutor_desktop.ui.chat_view import ChatView, make_chat_page

    ui_lang.set_language("mn")
    ready = ModelStatus(ModelState.READY, "gemma3-270m")
    student = services.accounts.sign_in_student(school.anu.id, "1234")
    view = make_chat_page(services, student, "math", 7)
    assert isinstance(view, ChatView)
    qtbot.addWidget(view)
    view._show_model_status(ready)
    assert view.model_label.text() == "Багш бэлэн байна"
    teacher = make_chat_page(services, school.teacher_session, "math", 7)
    assert isinstance(teacher, ChatView)
    qtbot.addWidget(teacher)
    teacher._show_model_status(ready)
    assert teacher.model_label.text() == "Загвар: gemma3-270m"


def test_the_recording_action_does_not_say_wav(qtbot, services, ui_lang) -> None:
    from tutor_desktop.ui.voice_input import VoiceInputButton

    ui_lang.set_language("mn")
    widget = VoiceInputButton(services.speech, language="mn")
    qtbot.addWidget(widget)
    assert widget.import_action.text() == "Бичсэн дуугаа сонсгох…"
    assert "WAV" not in widget.import_action.text()


def test_the_import_message_names_the_subject_and_the_language(services, school,
                                                               ui_lang) -> None:
    from tutor_desktop.core.library.service import Book, ImportResult
    from tutor_desktop.ui.library_view import _result_text

    ui_lang.set_language("mn")
    book = Book(id="b", title="Мэдээлэл зүй 8", subject="informatics", grade=8, language="mn",
                sha256="", source_path="", stored_path="", page_count=155, status="ready",
                embed_model="e5", chunk_count=368, embedded_count=368, replaces="",
                created_at="", updated_at="")
    text = _result_text(ImportResult(book, "imported"))
    assert text == ('"Мэдээлэл зүй 8" номыг орууллаа (8-р анги, Мэдээлэл зүй, монгол хэл): '
                    "155 хуудас, 368 хэсэг.")
    ui_lang.set_language("en")
    english = _result_text(ImportResult(replace(book, language="en"), "imported"))
    assert "(grade 8, Informatics, English)" in english


def test_a_demo_school_set_up_in_mongolian_has_mongolian_names(services) -> None:
    data_dir = services.paths.data_dir
    services.close()
    result = subprocess.run([sys.executable, "-m", "tutor_desktop", "--data-dir", str(data_dir),
                             "setup", "--demo", "--language", "mn"], capture_output=True,
                            text=True, timeout=300, encoding="utf-8")
    assert result.returncode == 0, result.stderr
    from tutor_desktop.composition import build_services

    again = build_services(data_dir)
    try:
        assert again.accounts.school_name() == "Жишээ сургууль"
        admin = again.db.query_one("SELECT display_name FROM users WHERE username = 'admin'")
        assert admin["display_name"] == "Админ"
    finally:
        again.close()
