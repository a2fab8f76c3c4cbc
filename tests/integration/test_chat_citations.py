"""Grounded answers in the window (pytest-qt, offscreen): a student asks with the sample
library imported, reads the textbook's own words under the answer, clicks the citation and
sees that page; after a restart the conversation still shows it. Screenshots for review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grounded_helpers import import_samples
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication, QTextBrowser

from tutor_desktop.core.i18n import tr
from tutor_desktop.core.library.evaluation import load_questions
from tutor_desktop.core.paths import install_dir

SHOTS = install_dir() / "screenshots"
QUESTION = "Фотосинтез гэж юу вэ?"
DEFINITION = "Энэ үйл явцыг фотосинтез гэнэ"   # the textbook's defining sentence (page 1)


def _view(qtbot, services, session, *, owned: bool = True):
    """The chat page, shown; ``owned=False`` when the test deletes it itself."""
    from tutor_desktop.ui.chat_view import make_chat_page

    view = make_chat_page(services, session, "biology", 7)
    if owned:
        qtbot.addWidget(view)
    view.resize(1100, 760)
    view.show()
    return view


def _click_link(qtbot, browser: QTextBrowser, text: str, after: str = "") -> None:
    """Click the link showing ``text`` (the first one after ``after``) like a student."""
    document = browser.document()
    start = document.find(after) if after else QTextCursor(document)
    assert not start.isNull(), after
    found = document.find(text, start)
    assert not found.isNull(), text
    cursor = QTextCursor(document)
    cursor.setPosition(found.selectionStart() + 2)
    assert cursor.charFormat().isAnchor(), f"{text!r} is not a link"
    browser.setTextCursor(cursor)
    browser.ensureCursorVisible()
    qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton,
                     pos=browser.cursorRect(cursor).center())


def _delete(widget: Any) -> None:
    """Delete a view now (before the services it uses are closed)."""
    widget.close()
    widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _wait_for_page(qtbot, view) -> Any:
    qtbot.waitUntil(lambda: view.page_viewer is not None and view.page_viewer.info is not None,
                    timeout=30_000)
    return view.page_viewer


def test_citation_opens_the_page_and_survives_a_restart(
        qtbot, ui_mn, models_installed: Path, sample_pdfs, data_dir: Path, services,
        school, student) -> None:
    import_samples(services, sample_pdfs)
    page = next(q.page for q in load_questions() if q.text == QUESTION)
    label = f"Биологи 7, х. {page}"
    services.tutor.max_new_tokens = 40  # a little more text for the screenshot
    # The model's answer with the textbook box under it (the exam gate would have the
    # textbook tutor answer instead: tests/integration/test_textbook_window.py).
    services.tutor.may_write = None
    view = _view(qtbot, services, student, owned=False)

    view.input.setPlainText(QUESTION)
    qtbot.mouseClick(view.send_button, Qt.MouseButton.LeftButton)
    seen: list[tuple[bool, str]] = []
    view.worker.sources_found.connect(
        lambda _: seen.append((view.busy, view.transcript.toPlainText())))
    qtbot.waitUntil(lambda: bool(seen), timeout=120_000)
    busy, shown = seen[0]
    assert busy and "Сурах бичгээс" in shown and DEFINITION in shown, \
        "the textbook's words are shown before the model has finished"
    qtbot.waitUntil(lambda: not view.busy, timeout=120_000)

    answer = view.messages[-1]
    assert answer.role == "assistant" and answer.citations
    assert answer.citations[0]["page"] == page and answer.citations[0]["book"] == "Биологи 7"
    text = view.transcript.toPlainText()
    assert f"Эх сурвалж: {label}" in text
    assert DEFINITION in text, "the excerpt quotes the sentence that answers the question"
    assert f'href="cite:{answer.citations[0]["chunk_id"]}"' in view.transcript.toHtml()
    assert tr("tutor_no_sources", "mn") not in text
    SHOTS.mkdir(exist_ok=True)
    assert view.grab().save(str(SHOTS / "grounded_answer_mn.png"))

    _click_link(qtbot, view.transcript, label, after="Эх сурвалж:")
    viewer = _wait_for_page(qtbot, view)
    assert viewer.isVisible() and viewer.page_number == page
    assert viewer.title.text().startswith(label)
    assert DEFINITION in viewer.text.toPlainText(), "the page's own text"
    assert viewer.image is not None, "the rendered PDF page"
    assert DEFINITION in viewer.passage.text(), "the cited passage is quoted on top"
    qtbot.wait(100)
    assert viewer.grab().save(str(SHOTS / "page_viewer_mn.png"))

    # "Show the whole passages" expands the excerpts in place.
    _click_link(qtbot, view.transcript, "Хэсгүүдийг бүтнээр нь харах")
    assert "Хураах" in view.transcript.toPlainText()

    # Restart: the stored answer keeps its citations and its textbook words.
    conversation = view.conversation_id
    viewer.close()
    view.shutdown()
    _delete(view)  # a view must not outlive its services (LanguageChange would reach it)
    services.close()
    from tutor_desktop.composition import build_services

    reopened = build_services(data_dir)
    try:
        session = reopened.accounts.sign_in_student(school.anu.id, "1234")
        again = _view(qtbot, reopened, session, owned=False)
        assert again.conversation_id == conversation
        text = again.transcript.toPlainText()
        assert f"Эх сурвалж: {label}" in text and DEFINITION in text
        _click_link(qtbot, again.transcript, label, after="Эх сурвалж:")
        assert _wait_for_page(qtbot, again).page_number == page
        again.page_viewer.close()
        again.shutdown()
        _delete(again)
    finally:
        reopened.close()


def test_no_textbook_passage_is_said_under_the_answer(
        qtbot, ui_mn, models_installed: Path, services, student) -> None:
    services.tutor.may_write = None   # the model's answer (gate: see above)
    view = _view(qtbot, services, student)
    view.input.setPlainText(QUESTION)
    qtbot.mouseClick(view.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.busy, timeout=120_000)
    assert view.messages[-1].citations == []
    notice = tr("tutor_no_sources", "mn")
    assert notice in view.transcript.toPlainText(), "said under the answer, in the chat"
    assert notice not in view.notice_label.text(), "not said twice"
    assert 'href="cite:' not in view.transcript.toHtml()


def test_the_excerpt_quotes_the_sentences_that_answer() -> None:
    from tutor_desktop.core.grounding.passages import EXCERPT_CHARS, excerpt, mentions

    passage = ("Амьд бүх организмд амьдрахад нь энерги хэрэгтэй. Ногоон ургамал нарны гэрлийн "
               "энергийг ашиглан нүүрсхүчлийн хий ба уснаас органик бодис үүсгэдэг. "
               f"{DEFINITION}. Фотосинтезийн үед ургамал агаараас нүүрсхүчлийн хий, хөрснөөс "
               "ус шингээж авна. Ус үндсээр дамжин иш рүү, ишээр дамжин навч руу зөөгдөнө. "
               "Нүүрсхүчлийн хий навчны жижиг нүхээр дотогш нэвтэрнэ.")
    quote = excerpt(passage, QUESTION)
    # the defining sentence, with the one before it that says what "this process" is
    assert quote.startswith("… Ногоон ургамал") and f"{DEFINITION}." in quote
    assert quote.endswith(" …") and len(quote) <= EXCERPT_CHARS + 4
    assert excerpt("Force is measured in newtons.", "What is a force?") == \
        "Force is measured in newtons."
    assert mentions(passage, "Фотосинтезийн тэгшитгэл") and not mentions(passage, "What is it?")
