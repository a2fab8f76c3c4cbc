"""The window: a student practises five items and sees the level change; a teacher
opens the class dashboard and exports CSV and PDF. Screenshots in Mongolian are
written when PROGRESS_SHOTS names a folder (for a human to look at)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QTableWidget
from qt_windows import close_windows

SHOTS = os.environ.get("PROGRESS_SHOTS", "")


@pytest.fixture
def window_for(qtbot: Any, services: Any, qapp: Any) -> Iterator[Callable[[str], Any]]:
    from tutor_desktop.ui.app import load_fonts
    from tutor_desktop.ui.i18n import ui_language
    from tutor_desktop.ui.main_window import MainWindow

    load_fonts(qapp)
    language = ui_language()
    windows: list[Any] = []

    def build(lang: str = "en", *, indexed: bool = True) -> Any:
        from tutor_desktop.ui.progress_view import indexing

        window = MainWindow(services, language=language, idle_check_ms=60_000)
        qtbot.addWidget(window)
        language.set_language(lang)
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        if indexed:     # the start-up look for older books (none here) has ended
            qtbot.waitUntil(lambda: not indexing().running, timeout=10_000)
        return window

    yield build
    language.set_language("en")
    close_windows(*windows)


def _shot(window: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        QApplication.processEvents()
        assert window.grab().save(str(Path(SHOTS) / f"{name}.png"))


def _click(qtbot: Any, widget: Any) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_student_practises_five_items_and_sees_the_level_change(
        qtbot: Any, window_for: Any, school8: Any, books: Any, progress: Any) -> None:
    window = window_for("mn")
    window.start_session(school8.anu_session)
    home_button = window.findChild(QPushButton, "homeProgress")
    assert home_button.text() == "Миний ахиц"
    _click(qtbot, home_button)
    page = window.my_progress_page
    assert window.current_page() is page
    table = page.findChild(QTableWidget, "progressTable")
    titles = [table.item(r, 0).text() for r in range(table.rowCount()) if table.item(r, 0)]
    assert "1.2 Навч ба хлоропласт" in titles and "2.4 Newton's second law" not in titles
    buttons = [r for r in range(table.rowCount()) if table.cellWidget(r, 3) is not None]
    assert buttons and all(table.rowHeight(r) >= table.cellWidget(r, 3).sizeHint().height()
                           for r in buttons)       # a row's button fits its row
    topic = next(t for t in progress.topics(books["biology"]) if t.title.startswith("1.1"))
    _click(qtbot, page.findChild(QPushButton, f"practise:{topic.id}"))
    practice = window.practice_page
    assert window.current_page() is practice and practice.counter.text() == "1 / 5"
    for number in range(5):
        item = practice.items[practice.index]
        if item.choices:
            pick = item.answer if number else next(c for c in item.choices if c != item.answer)
            _click(qtbot, practice.findChild(QPushButton, f"choice:{pick}"))
        else:
            practice.answer.setText(item.answer if number else "буруу")
            _click(qtbot, practice.check_button)
        feedback = practice.feedback.text()
        assert ("Зөв!" in feedback) is (number > 0)
        assert "Биологи 7, 1-р хуудсыг үзээрэй" in feedback
        if number == 0:
            assert "Зөв хариулт:" in feedback
            _shot(window, "practice_feedback_mn")
        _click(qtbot, practice.next_button)
    summary = practice.prompt.text()
    assert summary.startswith("5-аас 4 зөв. Түвшин: Эзэмшсэн.") and "→ Эзэмшсэн" in summary
    _click(qtbot, practice.back_button)
    assert window.current_page() is page
    assert page.level_of(topic.title) == "Эзэмшсэн"
    due = progress.due_count(school8.anu_session)   # FSRS learning steps: minutes away
    assert due == 5
    assert page.findChild(QLabel, "progressDue").text() == f"Өнөөдөр давтах {due} дасгал байна"
    _shot(window, "my_progress_mn")
    _click(qtbot, page.back_button)
    assert window.findChild(QLabel, "homeDue").text() == f"Өнөөдөр давтах {due} дасгал байна"
    _shot(window, "student_home_mn")


def test_teacher_dashboard_exports_csv_and_pdf(qtbot: Any, window_for: Any, services: Any,
                                               school8: Any, books: Any, progress: Any,
                                               tmp_path: Path) -> None:
    topics = [t for t in progress.topics(books["physics"]) if t.item_count]
    for session, right in ((school8.anu_session, True), (school8.temuulen_session, False)):
        for topic in topics[:3]:
            for item in progress.practice_set(session, topic.id)[:4]:
                progress.answer(session, item.id, item.answer if right else "0")
    window = window_for("mn")
    window.start_session(school8.teacher_session)
    teacher = window.teacher_page
    dashboard = teacher.progress_page
    assert dashboard is not None
    teacher.tabs.setCurrentWidget(dashboard)
    grid = dashboard.grid.model()
    assert grid.rowCount() == 2 and grid.columnCount() == 4
    names = {grid.index(r, 0).data(): r for r in range(2)}
    assert grid.index(names["Анужин"], 1).data() == "Эзэмшсэн"
    assert grid.index(names["Тэмүүлэн"], 1).data() == "Эхлэгч"
    from tutor_desktop.ui.progress_view import LEVEL_COLOURS

    mastered = grid.index(names["Анужин"], 1)
    assert mastered.data(Qt.ItemDataRole.BackgroundRole).color().name() == \
        LEVEL_COLOURS["mastered"].lower()
    assert "дасгалын" in mastered.data(Qt.ItemDataRole.ToolTipRole)   # why this level
    dashboard.grid.sortByColumn(1, Qt.SortOrder.DescendingOrder)      # best first
    assert [grid.index(r, 0).data() for r in range(2)] == ["Анужин", "Тэмүүлэн"]
    dashboard.grid.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert [grid.index(r, 0).data() for r in range(2)] == ["Тэмүүлэн", "Анужин"]
    names = {grid.index(r, 0).data(): r for r in range(2)}
    help_texts = [dashboard.help_list.item(i).text() for i in range(dashboard.help_list.count())]
    assert any(t.startswith("Тэмүүлэн — 2.") for t in help_texts)
    assert dashboard.chart.bars and dashboard.chart.bars[0][1] == {"mastered": 1, "beginner": 1}
    # flagged questions: the safety feature's "Needs attention" tab, one click away
    _click(qtbot, dashboard.flagged_button)
    assert teacher.tabs.currentWidget() is teacher.attention_page
    teacher.tabs.setCurrentWidget(dashboard)
    dashboard.assign_count.setValue(5)
    _click(qtbot, dashboard.assign_button)
    assert dashboard.assignments.count() == 1
    assert "2-аас 0 нь хийсэн" in dashboard.assignments.item(0).text()
    _shot(window, "dashboard_mn")
    # a double-click on a student opens their progress and conversations, read-only
    conv = services.conversations.create(school8.anu_session, subject="physics", grade=7)
    services.conversations.add_message(school8.anu_session, conv.id, "user", "Хүч гэж юу вэ?")
    dashboard.grid.cellDoubleClicked.emit(names["Анужин"], 1)
    dialog = teacher.student_progress
    assert dialog is not None and dialog.windowTitle() == "Анужин"
    assert dialog.table.rowCount() == 3 and dialog.table.item(0, 1).text() == "Эзэмшсэн"
    dialog.conversations.setCurrentRow(0)
    assert "Хүч гэж юу вэ?" in dialog.transcript.text()
    dialog.close()
    csv_path = dashboard.export("csv", tmp_path / "7a.csv")
    assert "Анужин" in csv_path.read_text(encoding="utf-8-sig")
    pdf_path = dashboard.export("pdf", tmp_path / "7a.pdf")
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf_path))
    text = document[0].get_textpage().get_text_range()
    assert "Анужин" in text and "Тэмүүлэн" in text and "7A анги" in text
    if SHOTS:
        image = document[0].render(scale=1.5).to_pil()
        image.save(str(Path(SHOTS) / "report_pdf_page1.png"))
    document.close()
    # teachers rename, merge and hide topics at the foot of the library tab
    from tutor_desktop.ui.progress_view import TopicEditor

    editor = teacher.library_page.findChild(TopicEditor, "topicEditor")
    assert editor is not None and editor.tree.topLevelItemCount() == 2
    editor.rename(topics[0].id, "Хүч гэж юу вэ?")
    dashboard.refresh()
    assert dashboard.grid.model().headerData(
        1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == "Хүч гэж юу вэ?"
    # ... and review the items of a topic: unticking one disables it for students
    section = next(i for i in range(editor.tree.topLevelItemCount())
                   if editor.tree.topLevelItem(i).text(0) == "Physics 8")
    book_item = editor.tree.topLevelItem(section)
    target = next(book_item.child(i) for i in range(book_item.childCount())
                  if book_item.child(i).data(0, Qt.ItemDataRole.UserRole) == topics[0].id)
    editor.tree.setCurrentItem(target)
    assert editor.items.count() == len(progress.items(topic=topics[0].id))
    first = editor.items.item(0)
    first.setCheckState(Qt.CheckState.Unchecked)
    disabled = str(first.data(Qt.ItemDataRole.UserRole))
    assert disabled not in [i.id for i in progress.items(topic=topics[0].id)]
    assert disabled not in [i.id for i in progress.practice_set(school8.anu_session,
                                                                topics[0].id, size=50)]


def test_a_practice_set_is_done_by_a_student_and_the_teacher_sees_it(
        qtbot: Any, window_for: Any, school8: Any, books: Any, progress: Any) -> None:
    topic = next(t for t in progress.topics(books["physics"]) if t.title.startswith("2.4"))
    assigned = progress.assign(school8.teacher_session, school8.class_7a.id,
                               topic.title, [topic.id], 3, "2026-12-07")
    window = window_for("mn")
    window.start_session(school8.anu_session)
    _click(qtbot, window.findChild(QPushButton, "homeProgress"))
    page = window.my_progress_page
    assert page.table.item(0, 0).text() == \
        "Даалгавар: 2.4 Newton's second law (хугацаа 2026-12-07)"
    _click(qtbot, page.findChild(QPushButton, f"assignment:{assigned.id}"))
    practice = window.practice_page
    assert len(practice.items) == 3
    for _ in range(3):
        item = practice.items[practice.index]
        if item.choices:
            _click(qtbot, practice.findChild(QPushButton, f"choice:{item.answer}"))
        else:
            practice.answer.setText(item.answer)
            _click(qtbot, practice.check_button)
        _click(qtbot, practice.next_button)
    _click(qtbot, practice.back_button)
    done = page.findChild(QPushButton, f"assignment:{assigned.id}")
    assert done.text() == "Хийсэн" and not done.isEnabled()
    status = progress.assignments(school8.teacher_session, school8.class_7a.id)[0]
    assert status.done == {school8.anu.id: 3}
    # another class's student cannot open it
    from tutor_desktop.core.i18n import TutorError

    with pytest.raises(TutorError):
        progress.assignment_items(school8.saraa_session, assigned.id)


def test_a_teacher_assigns_two_topics_and_the_set_draws_from_both(
        qtbot: Any, window_for: Any, school8: Any, books: Any, progress: Any) -> None:
    """The assign form takes several topics (ticked in the button's list); the student's
    set takes items from each in turn, and the teacher sees it done."""
    first = next(t for t in progress.topics(books["physics"]) if t.title.startswith("2.4"))
    second = next(t for t in progress.topics(books["biology"]) if t.title.startswith("1.1"))
    window = window_for("mn")
    window.start_session(school8.teacher_session)
    teacher = window.teacher_page
    dashboard = teacher.progress_page
    teacher.tabs.setCurrentWidget(dashboard)
    chooser = dashboard.assign_topics
    entries = {chooser.list.item(i).data(Qt.ItemDataRole.UserRole): chooser.list.item(i)
               for i in range(chooser.list.count())}
    assert chooser.chosen_ids() == [chooser.list.item(0).data(Qt.ItemDataRole.UserRole)]
    for topic_id, entry in entries.items():
        entry.setCheckState(Qt.CheckState.Checked if topic_id in (first.id, second.id)
                            else Qt.CheckState.Unchecked)
    assert chooser.text() == "2 сэдэв" and dashboard.assign_button.isEnabled()
    if SHOTS:       # the list a teacher ticks, open under the button
        chooser.menu().popup(chooser.mapToGlobal(chooser.rect().bottomLeft()))
        qtbot.wait(50)
        chooser.menu().grab().save(str(Path(SHOTS) / "assign_topics_open_mn.png"))
        chooser.menu().hide()
    order = list(entries)
    assert chooser.toolTip().split("\n") == [t.title for t in sorted(
        (first, second), key=lambda topic: order.index(topic.id))]
    dashboard.assign_count.setValue(4)
    _click(qtbot, dashboard.assign_button)
    assert dashboard.assignments.count() == 1
    assigned = progress.assignments(school8.teacher_session, school8.class_7a.id)[0]
    assert set(assigned.topic_ids) == {first.id, second.id} and assigned.item_count == 4
    _shot(window, "dashboard_assign_two_topics_mn")
    for entry in entries.values():      # nothing ticked: nothing to assign
        entry.setCheckState(Qt.CheckState.Unchecked)
    assert chooser.text() == "Сэдэв сонгох" and not dashboard.assign_button.isEnabled()

    window.start_session(school8.anu_session)
    _click(qtbot, window.findChild(QPushButton, "homeProgress"))
    page = window.my_progress_page
    assert page.table.item(0, 0).text().startswith("Даалгавар: ")
    assert first.title in page.table.item(0, 0).text()
    _click(qtbot, page.findChild(QPushButton, f"assignment:{assigned.id}"))
    practice = window.practice_page
    assert len(practice.items) == 4
    assert {item.topic_id for item in practice.items} == {first.id, second.id}
    for _ in range(4):
        item = practice.items[practice.index]
        if item.choices:
            _click(qtbot, practice.findChild(QPushButton, f"choice:{item.answer}"))
        else:
            practice.answer.setText(item.answer)
            _click(qtbot, practice.check_button)
        _click(qtbot, practice.next_button)
    status = progress.assignments(school8.teacher_session, school8.class_7a.id)[0]
    assert status.done == {school8.anu.id: 4}


def test_dashboard_column_headers_show_whole_topic_titles_on_lab_screens(
        qtbot: Any, window_for: Any, school8: Any, books: Any, progress: Any) -> None:
    """Every topic of both sample books practised: at 1024x768 and 1366x768 (less the
    taskbar) in Mongolian each column header shows its title whole, on up to three
    lines, with the title as its tooltip."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QFontMetrics

    topics = [t for t in progress.topics() if t.item_count]
    for session in (school8.anu_session, school8.temuulen_session):
        for topic in topics:
            item = progress.practice_set(session, topic.id)[0]
            progress.answer(session, item.id, item.answer)
    window = window_for("mn")
    window.start_session(school8.teacher_session)
    teacher = window.teacher_page
    dashboard = teacher.progress_page
    teacher.tabs.setCurrentWidget(dashboard)
    grid = dashboard.grid
    header = grid.horizontalHeader()
    assert grid.model().columnCount() == len(topics) + 1
    for width, height in ((1024, 728), (1366, 728)):
        window.resize(width, height)
        qtbot.wait(50)
        _shot(window, f"dashboard_{width}_mn")
        if SHOTS:       # the topic editor, folded at the foot of the library tab
            teacher.tabs.setCurrentWidget(teacher.library_page)
            _shot(window, f"library_topics_{width}_mn")
            teacher.tabs.setCurrentWidget(dashboard)
            qtbot.wait(20)
        # the dashboard asks for no more height than the screen leaves it (the teacher
        # page around it: title and tabs)
        room = window.pages.currentWidget().viewport().height() - (
            teacher.height() - dashboard.height())
        assert max(dashboard.sizeHint().height(),
                   dashboard.minimumSizeHint().height()) <= room
        for column, topic in enumerate(topics, 1):
            model = grid.model()
            assert model.headerData(column, Qt.Orientation.Horizontal,
                                    Qt.ItemDataRole.ToolTipRole) == topic.title
            shown = model.headerData(column, Qt.Orientation.Horizontal)
            assert " ".join(shown.split()) == topic.title, shown       # nothing left out
            assert shown.count("\n") <= 2
            # each line fits its column in the header's own font (the style sheet's)
            font = header.font()
            font.setBold(True)
            font.setPixelSize(16)
            metrics = QFontMetrics(font)
            room = QRect(0, 0, header.sectionSize(column) - 16, 10_000)
            for line in shown.split("\n"):
                assert metrics.boundingRect(room, 0, line).width() <= room.width(), line
            assert metrics.lineSpacing() * (shown.count("\n") + 1) <= header.height()


def test_no_teacher_tab_scrolls_on_a_lab_screen(
        qtbot: Any, window_for: Any, school8: Any, books: Any, progress: Any) -> None:
    """At 1024 and 1366 wide, 768 high and 768 less a taskbar, in Mongolian: no teacher
    tab scrolls the page, the library tab (the tallest) included; the class dashboard
    shows its grid, lists and assign form whole."""
    for topic in [t for t in progress.topics() if t.item_count][:4]:
        item = progress.practice_set(school8.anu_session, topic.id)[0]
        progress.answer(school8.anu_session, item.id, item.answer)
    window = window_for("mn")
    window.start_session(school8.teacher_session)
    teacher = window.teacher_page
    frame = window.pages.currentWidget()
    for width, height in ((1024, 768), (1024, 728), (1366, 768), (1366, 728)):
        window.resize(width, height)
        for index in range(teacher.tabs.count()):
            teacher.tabs.setCurrentIndex(index)
            qtbot.wait(20)
            tab = teacher.tabs.tabText(index)
            assert frame.verticalScrollBar().maximum() == 0, (width, height, tab)
            if teacher.tabs.currentWidget() is teacher.progress_page:
                dashboard = teacher.progress_page
                for part in (dashboard.grid, dashboard.help_list, dashboard.chart,
                             dashboard.assign_button, dashboard.assignments):
                    assert part.visibleRegion().boundingRect().height() == part.height(), \
                        (width, height, part.objectName())
                _shot(window, f"teacher_dashboard_{width}x{height}_mn")
            elif teacher.tabs.currentWidget() is teacher.library_page:
                _shot(window, f"teacher_library_{width}x{height}_mn")


def test_older_books_get_their_topics_off_the_window_thread(
        qtbot: Any, window_for: Any, services: Any, school8: Any, books: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Books imported before learning progress are indexed at start on a worker thread
    (slowed here to 3 s, a school's shelf of PDFs): meanwhile the student opens My
    progress at once and the window keeps painting; the topics appear when it ends."""
    import threading
    import time

    from PySide6.QtCore import QTimer

    from tutor_desktop.core.progress import indexing

    with services.db.write() as conn:               # as before this feature
        conn.execute("DELETE FROM practice_items")
        conn.execute("UPDATE chunks SET topic_id = NULL")
        conn.execute("DELETE FROM topics")
    real, threads = indexing.backfill, []

    def slow_backfill(db: Any, library_dir: Path) -> int:
        threads.append(threading.current_thread())
        time.sleep(3.0)
        return real(db, library_dir)

    monkeypatch.setattr(indexing, "backfill", slow_backfill)
    window = window_for("mn", indexed=False)
    qtbot.waitUntil(lambda: services.progress.indexing, timeout=5_000)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(50)
    window.start_session(school8.anu_session)
    _click(qtbot, window.findChild(QPushButton, "homeProgress"))
    assert services.progress.indexing                # shown without waiting for the backfill
    page = window.my_progress_page
    assert window.current_page() is page
    assert page.due_label.text() == "Сурах бичгийн сэдвүүдийг гаргаж байна…"

    def titles() -> list[str]:
        return [page.table.item(r, 0).text() for r in range(page.table.rowCount())
                if page.table.item(r, 0)]

    qtbot.waitUntil(lambda: "1.2 Навч ба хлоропласт" in titles(), timeout=30_000)
    timer.stop()
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
    assert len(ticks) >= 10                          # the window kept running meanwhile
    assert page.due_label.text() == "Өнөөдөр давтах 0 дасгал байна"


def test_a_topic_with_no_items_says_so_and_offers_the_tutor(
        qtbot: Any, window_for: Any, school8: Any, books: Any, progress: Any) -> None:
    topic = next(t for t in progress.topics(books["biology"]) if t.title.startswith("1.2"))
    for item in progress.items(topic=topic.id):
        progress.set_item_enabled(school8.teacher_session, item.id, False)
    window = window_for("mn")
    window.start_session(school8.anu_session)
    _click(qtbot, window.findChild(QPushButton, "homeProgress"))
    _click(qtbot, window.my_progress_page.findChild(QPushButton, f"practise:{topic.id}"))
    practice = window.practice_page
    assert practice.prompt.text() == ("Энэ сэдэвт дасгал алга байна. "
                                      "Оронд нь туслах багшаас асуугаарай.")
    assert not practice.answer.isVisible() and not practice.check_button.isVisible()
    ask = practice.findChild(QPushButton, "practiceAskTutor")
    assert ask.text() == "Багшаас асуух"
    _shot(window, "practice_no_items_mn")
    _click(qtbot, ask)
    assert window.current_page() is window.chat_page
    assert window.chat_page.subject_id == "biology"


def test_a_teacher_asks_a_model_for_more_items(qtbot: Any, window_for: Any, school8: Any,
                                               books: Any) -> None:
    """No capable model on this PC: the topic editor says so (in the background)."""
    from tutor_desktop.ui.progress_view import TopicEditor

    window = window_for("mn")
    window.start_session(school8.teacher_session)
    teacher = window.teacher_page
    teacher.tabs.setCurrentWidget(teacher.library_page)
    editor = teacher.library_page.findChild(TopicEditor, "topicEditor")
    assert not editor.tree.isVisible()                # folded until opened
    _click(qtbot, editor.title)
    assert editor.title.text() == "Сэдвүүд ▾" and editor.tree.isVisible()
    frame = window.pages.currentWidget()
    qtbot.waitUntil(lambda: frame.verticalScrollBar().value() > 0)   # scrolled into view
    first = editor.tree.topLevelItem(0).child(1)       # a section's title shows whole
    assert editor.tree.visualItemRect(first).width() >= editor.tree.fontMetrics(
    ).horizontalAdvance(first.text(0))
    assert editor.propose_button.text() == "Загвараас нэмэлт дасгал"
    _click(qtbot, editor.propose_button)
    qtbot.waitUntil(editor.propose_button.isEnabled, timeout=30_000)
    assert editor.propose_note.text().startswith("Чадвартай загвар хариулахгүй байна")
    _shot(window, "library_topics_open_mn")


def _ink(image: Any, rect: Any) -> Any:
    """The pixels of ``rect`` in ``image`` as an (h, w, 4) array."""
    import numpy as np
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.bytesPerLine() // 4, 4)
    return pixels[rect.top():rect.bottom() + 1, rect.left():rect.right() + 1].copy()


def _box(mask: Any) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the True cells of ``mask``, or None."""
    import numpy as np

    rows, columns = np.nonzero(mask)
    if not len(rows):
        return None
    return int(columns.min()), int(rows.min()), int(columns.max()), int(rows.max())


def test_the_sort_arrow_never_covers_a_topic_title(
        qtbot: Any, window_for: Any, school8: Any, books: Any, progress: Any) -> None:
    """Every topic column sorted, each way, in Mongolian: the title's ink (the header
    drawn with the title minus the header drawn without it) and the arrow's ink (what
    the section holds besides its background with no title) never share a pixel box,
    and the title stays inside its own column. The arrow was drawn over the end of
    "хлоропласт" (a two-line title) and over the third line of three-line titles."""
    import numpy as np
    from PySide6.QtCore import QRect

    topics = [t for t in progress.topics() if t.item_count]
    for session, right in ((school8.anu_session, True), (school8.temuulen_session, False)):
        for topic in topics:
            item = progress.practice_set(session, topic.id)[0]
            progress.answer(session, item.id, item.answer if right else "0")
    window = window_for("mn")
    window.start_session(school8.teacher_session)
    teacher = window.teacher_page
    dashboard = teacher.progress_page
    teacher.tabs.setCurrentWidget(dashboard)
    grid, model = dashboard.grid, dashboard.grid.levels
    header = grid.horizontalHeader()
    lines = {column: model.headerData(column, Qt.Orientation.Horizontal).count("\n") + 1
             for column in range(1, model.columnCount())}
    assert {2, 3} <= set(lines.values())        # two- and three-line titles are checked
    long_title = next(c for c, n in lines.items()
                      if "хлоропласт" in model.headerData(c, Qt.Orientation.Horizontal))
    assert lines[long_title] == 2
    for column in [long_title] + [c for c in lines if c != long_title]:
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            grid.sortByColumn(column, order)
            grid.scrollTo(model.index(0, column))
            qtbot.wait(10)
            left = header.sectionViewportPosition(column)
            section = QRect(left, 0, header.sectionSize(column), header.height())
            assert left >= 0 and section.right() < header.width(), column    # all in view
            titled = _ink(header.grab().toImage(), section)
            title = model.titles[column - 1]
            model.titles[column - 1] = ""
            model.headerDataChanged.emit(Qt.Orientation.Horizontal, column, column)
            bare = _ink(header.grab().toImage(), section)
            model.titles[column - 1] = title
            model.headerDataChanged.emit(Qt.Orientation.Horizontal, column, column)
            text = _box(np.any(titled != bare, axis=2))
            background = bare[section.height() // 2, 2]
            # the arrow: anything but the background, above the bottom border
            arrow = _box(np.any(bare[:-4, 1:-1] != background, axis=2))
            assert text is not None and arrow is not None, (column, order)
            arrow = (arrow[0] + 1, arrow[1], arrow[2] + 1, arrow[3])
            apart = (text[2] < arrow[0] or arrow[2] < text[0]
                     or text[3] < arrow[1] or arrow[3] < text[1])
            assert apart, (title, order, text, arrow)
            assert text[0] > 0 and text[2] < section.width() - 1, (title, text)
    # the sorted column alone is widened for the arrow: each other column keeps its size
    sizes = [header.sectionSize(c) for c in range(model.columnCount())]
    room = header.arrow_room()
    grid.sortByColumn(long_title, Qt.SortOrder.AscendingOrder)
    widened = [header.sectionSize(c) for c in range(model.columnCount())]
    assert [a - b for a, b in zip(widened, sizes, strict=True)] == [
        (room if c == long_title else -room if c == column else 0)
        for c in range(model.columnCount())]
    for width in (1024, 1366):
        window.resize(width, 768)
        grid.horizontalScrollBar().setValue(0)      # the names and the sorted column
        qtbot.wait(50)
        _shot(window, f"dashboard_sorted_{width}x768_mn")
    three = next(c for c, n in lines.items() if n == 3)
    grid.sortByColumn(three, Qt.SortOrder.DescendingOrder)
    grid.horizontalScrollBar().setValue(0)
    qtbot.wait(50)
    _shot(window, "dashboard_sorted_three_lines_1366x768_mn")


def test_a_class_with_nothing_to_show_says_what_will_appear_there(
        qtbot: Any, window_for: Any, services: Any, school8: Any, books: Any,
        progress: Any) -> None:
    """No grid with a bare header row: a class with students and no activity, a class
    with no students, and filters that leave nothing each say in Mongolian what will
    appear and how; the grid (with its header) comes back with the first activity."""
    from tutor_desktop.ui.i18n import ui_language

    window = window_for("mn")
    window.start_session(school8.teacher_session)
    teacher = window.teacher_page
    dashboard = teacher.progress_page
    teacher.tabs.setCurrentWidget(dashboard)
    empty = dashboard.empty_label
    qtbot.wait(10)

    def shows_message() -> str:
        """The heading and text shown in the grid's place (on one line)."""
        assert empty.isVisible() and not dashboard.grid.isVisible()
        assert not dashboard.grid.horizontalHeader().isVisible()    # no bare header row
        assert not dashboard.chart.isVisible()
        heading, body = dashboard.empty_message()
        assert heading in empty.text() and body in empty.text()
        return f"{heading}. {body}"

    assert dashboard.class_combo.currentText() == "7A"
    assert dashboard.grid.levels.rowCount() == 2        # two students, nothing done yet
    assert shows_message() == (
        "7A ангид одоогоор идэвх алга. Сурагчид сэдвээр дасгал хийх эсвэл сурах "
        "бичгийнхээ талаар туслах багшаас асуухад сурагч бүрийн сэдэв тус бүрийн түвшин "
        "энд харагдана: сурагч бүрт нэг мөр.")
    for width in (1024, 1366):
        window.resize(width, 768)
        qtbot.wait(50)
        _shot(window, f"dashboard_empty_{width}x768_mn")
    ui_language().set_language("en")          # retranslated in place
    assert shows_message().startswith("No activity in class 7A yet. Once students practise")
    assert (dashboard.subject_combo.itemText(0), dashboard.book_combo.itemText(0)) == (
        "All subjects", "All books")
    _shot(window, "dashboard_empty_en")
    ui_language().set_language("mn")
    assert shows_message().startswith("7A ангид одоогоор идэвх алга.")
    # the first practice answer brings the grid, header and chart back
    biology = next(t for t in progress.topics(books["biology"]) if t.item_count)
    item = progress.practice_set(school8.anu_session, biology.id)[0]
    progress.answer(school8.anu_session, item.id, item.answer)
    dashboard.refresh()
    assert dashboard.grid.isVisible() and dashboard.grid.horizontalHeader().isVisible()
    assert not empty.isVisible() and dashboard.chart.isVisible()
    assert dashboard.grid.levels.columnCount() == 2
    # a subject with no activity in it
    dashboard.subject_combo.setCurrentIndex(dashboard.subject_combo.findData("physics"))
    assert shows_message().startswith("Энэ хичээл эсвэл номоор одоогоор идэвх алга.")
    assert "«Бүх хичээл»" in empty.text() and "«Бүх ном»" in empty.text()
    dashboard.subject_combo.setCurrentIndex(0)
    assert dashboard.grid.isVisible() and not empty.isVisible()
    dashboard.book_combo.setCurrentIndex(dashboard.book_combo.findData(books["physics"]))
    assert shows_message().startswith("Энэ хичээл эсвэл номоор")
    dashboard.book_combo.setCurrentIndex(0)
    # a class with no students yet
    services.accounts.create_class(school8.teacher_session, "9В", 9)
    dashboard.reload_filters()
    dashboard.class_combo.setCurrentIndex(dashboard.class_combo.findText("9В"))
    assert dashboard.grid.levels.rowCount() == 0
    assert shows_message().startswith("9В ангид одоогоор сурагч алга. Сурагчдаа «Сурагчид»")
    # a practice set for nobody cannot be assigned, and the button says why
    assert dashboard.assign_topics.chosen_ids() and not dashboard.assign_button.isEnabled()
    assert dashboard.assign_button.toolTip() == (
        "Дасгал даалгахын өмнө энэ ангид сурагчдаа нэмнэ үү")
    qtbot.mouseClick(dashboard.assign_button, Qt.MouseButton.LeftButton)
    assert progress.assignments(school8.teacher_session,
                                dashboard.class_combo.currentData()) == []
    _shot(window, "dashboard_no_students_mn")
    dashboard.class_combo.setCurrentIndex(dashboard.class_combo.findText("7A"))
    assert dashboard.assign_button.isEnabled()
    assert dashboard.assign_button.toolTip() == "Дасгал даалгах"


def test_a_school_with_no_textbook_is_told_to_import_one(
        qtbot: Any, window_for: Any, school8: Any) -> None:
    """No book imported: the dashboard points to the Library tab, not to practice."""
    window = window_for("mn")
    window.start_session(school8.teacher_session)
    teacher = window.teacher_page
    dashboard = teacher.progress_page
    teacher.tabs.setCurrentWidget(dashboard)
    qtbot.wait(10)
    assert dashboard.empty_label.isVisible() and not dashboard.grid.isVisible()
    heading, body = dashboard.empty_message()
    assert heading == "Одоогоор сэдэвтэй сурах бичиг алга"
    assert heading in dashboard.empty_label.text() and body in dashboard.empty_label.text()
    assert "«Номын сан»" in dashboard.empty_label.text()


def test_the_sort_follows_its_topic_when_a_filter_changes_the_columns(
        qtbot: Any, window_for: Any, school8: Any, books: Any, progress: Any) -> None:
    """Sorted by the last topic, then a subject that hides it: the app went down (the
    old column number was sorted by); now the roster's order comes back. Sorted by a
    topic the filter keeps: the sort and its arrow follow that topic to its new column."""
    topics = [t for t in progress.topics() if t.item_count]
    for session, right in ((school8.anu_session, True), (school8.temuulen_session, False)):
        for topic in topics:
            item = progress.practice_set(session, topic.id)[0]
            progress.answer(session, item.id, item.answer if right else "0")
    window = window_for("mn")
    window.start_session(school8.teacher_session)
    teacher = window.teacher_page
    dashboard = teacher.progress_page
    teacher.tabs.setCurrentWidget(dashboard)
    grid, model = dashboard.grid, dashboard.grid.levels
    header = grid.horizontalHeader()
    roster = [model.index(r, 0).data() for r in range(model.rowCount())]
    last = model.columnCount() - 1
    assert model.topics[last - 1].subject == "physics"
    grid.sortByColumn(last, Qt.SortOrder.DescendingOrder)         # Анужин (right) first
    subjects = dashboard.subject_combo
    subjects.setCurrentIndex(subjects.findData("biology"))
    assert 1 < model.columnCount() < last
    assert header.sortIndicatorSection() == -1
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == roster
    assert not header.grab().isNull()                          # and the header draws
    # a physics topic sorted with every subject shown keeps its sort in physics alone
    subjects.setCurrentIndex(0)
    chosen = [c for c in range(1, model.columnCount())
              if model.topics[c - 1].subject == "physics"][1]
    topic_id = model.topics[chosen - 1].id
    grid.sortByColumn(chosen, Qt.SortOrder.AscendingOrder)      # Тэмүүлэн (wrong) first
    first = model.index(0, 0).data()
    subjects.setCurrentIndex(subjects.findData("physics"))
    moved = header.sortIndicatorSection()
    assert moved == 2 != chosen and model.topics[moved - 1].id == topic_id
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    assert model.index(0, 0).data() == first
    widths = {c: header.sectionSize(c) for c in range(model.columnCount())}
    grid.sortByColumn(0, Qt.SortOrder.AscendingOrder)             # the strip moves to names
    assert header.sectionSize(moved) == widths[moved] - header.arrow_room()


def test_the_names_stay_in_view_while_the_topics_scroll(
        qtbot: Any, window_for: Any, services: Any, school8: Any, books: Any,
        progress: Any) -> None:
    """A class of 30 on a 1024×768 screen: scrolled to the last topic and down to the last
    student, each row still starts with its student's name, level with the row; the
    names' title sorts the class, and a double-click on a name opens that student."""
    from PySide6.QtCore import QPoint

    for n in range(28):
        services.accounts.create_student(school8.teacher_session, school8.class_7a.id,
                                         f"Сурагч {n:02d}", "1234")
    topics = [t for t in progress.topics() if t.item_count]
    for topic in topics:
        item = progress.practice_set(school8.anu_session, topic.id)[0]
        progress.answer(school8.anu_session, item.id, item.answer)
    window = window_for("mn")
    window.resize(1024, 768)
    window.start_session(school8.teacher_session)
    teacher = window.teacher_page
    dashboard = teacher.progress_page
    teacher.tabs.setCurrentWidget(dashboard)
    qtbot.wait(20)
    grid, model, names = dashboard.grid, dashboard.grid.levels, dashboard.grid.names
    assert model.rowCount() == 30 and names.isVisible()
    across, down = grid.horizontalScrollBar(), grid.verticalScrollBar()
    assert across.maximum() > 0 and down.maximum() > 0     # wider and taller than the screen
    across.setValue(across.maximum())
    down.setValue(down.maximum())
    qtbot.wait(20)
    assert grid.columnAt(0) > 0                     # the grid itself shows topics there
    assert names.geometry().left() <= grid.frameWidth()
    assert names.width() == grid.columnWidth(0)
    assert names.verticalScrollBar().value() == down.value()
    last_column = model.columnCount() - 1
    for row in (model.rowCount() - 1, grid.rowAt(grid.viewport().height() // 2)):
        rect = names.visualRect(model.index(row, 0))
        assert rect.top() >= 0 and rect.bottom() <= names.viewport().height(), row
        assert names.indexAt(rect.center()).data() == model.students[row].display_name
        cell = grid.visualRect(model.index(row, last_column))
        assert (names.viewport().mapTo(window, rect.topLeft()).y()
                == grid.viewport().mapTo(window, cell.topLeft()).y())       # level with it
    # what the grid shows at its left edge is the names view (drawn over the topics)
    left = grid.grab(names.geometry()).toImage()
    assert left == names.grab().toImage().convertToFormat(left.format())
    _shot(window, "dashboard_scrolled_names_1024x768_mn")
    # a topic scrolled into view is not hidden under the names
    grid.scrollTo(model.index(0, 1))
    assert grid.columnViewportPosition(1) >= grid.columnWidth(0)
    # the names' title sorts by name, each way, as the grid's own header does
    title = names.horizontalHeader()
    centre = QPoint(title.sectionViewportPosition(0) + title.sectionSize(0) // 2,
                    title.height() // 2)
    by_name = sorted(s.display_name for s in model.students)
    qtbot.mouseClick(title.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert [s.display_name for s in model.students] == by_name
    assert grid.horizontalHeader().sortIndicatorSection() == 0
    assert title.sortIndicatorSection() == 0
    qtbot.mouseClick(title.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert [s.display_name for s in model.students] == by_name[::-1]
    grid.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert title.sortIndicatorSection() == -1       # one arrow, on the topic
    # a double-click on a name opens that student's progress
    down.setValue(0)
    rect = names.visualRect(model.index(0, 0))
    with qtbot.waitSignal(dashboard.student_opened) as opened:
        qtbot.mouseClick(names.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(names.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [model.students[0].id]
