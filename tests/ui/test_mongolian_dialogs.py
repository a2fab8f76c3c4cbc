"""Every dialog a teacher meets in the Mongolian UI is in Mongolian.

Qt ships no Mongolian catalogue, and the system's own file dialog speaks the
system's language: the app opens Qt's widget dialog, translated by
``resources/translations/qt_mn.ts``. The window's title, the standard buttons of
a question and the services' error column are checked the same way.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QLabel,
    QMessageBox,
    QTreeView,
    QWidget,
)
from test_screenshots import SHOTS
from ui_helpers import click

from tutor_desktop.core.connectivity import ServiceKind, ServiceState, ServiceStatus

# Words that are the same in Mongolian: file types, protocols, key names.
ALLOWED = {"PDF", "pdf", "HTTP", "API", "WAV", "wav", "csv", "CSV"}


def english_words(text: str) -> list[str]:
    """Latin words (2+ letters) of ``text`` that a Mongolian reader would not expect."""
    text = re.sub(r"\([^)]*\)", "", text)   # "(*.pdf)" filters, "(HTTP 401)"
    return [w for w in re.findall(r"[A-Za-z]{2,}", text.replace("&", "")) if w not in ALLOWED]


def dialog_texts(dialog: QWidget) -> list[str]:
    """What a teacher reads in a dialog: labels, buttons, tooltips, column names, filters."""
    texts = [dialog.windowTitle()]
    for widget in dialog.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QLabel | QAbstractButton):
            texts += [widget.text(), widget.toolTip()]
        elif isinstance(widget, QComboBox) and not widget.isEditable():
            texts += [widget.itemText(i) for i in range(widget.count())]
        elif isinstance(widget, QTreeView):
            model = widget.model()
            texts += [str(model.headerData(c, widget.header().orientation()))
                      for c in range(model.columnCount()) if not widget.isColumnHidden(c)]
    return [t for t in texts if t and "/" not in t and "\\" not in t]   # folders are names


def _when_modal(qtbot, kind: type, check) -> list[str]:
    """Run ``check(dialog)`` on the modal dialog of ``kind`` once it is shown, then close it."""
    seen: list[str] = []

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog) or not isinstance(dialog, kind):
            QTimer.singleShot(20, poll)
            return
        seen.append(type(dialog).__name__)
        try:
            check(dialog)
        finally:
            dialog.reject()

    QTimer.singleShot(20, poll)
    return seen


def test_the_textbook_file_dialog_is_in_mongolian(qtbot, make_window, school) -> None:
    window = make_window("mn")
    window.resize(1024, 728)
    page = window.sign_in_page
    click(qtbot, page.staff_link)
    qtbot.keyClicks(page.username, "bat")
    qtbot.keyClicks(page.password, "teacher-pass-1")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_page() is window.teacher_page, timeout=10_000)
    tab = window.teacher_page.library_page
    assert tab is not None
    window.teacher_page.tabs.setCurrentWidget(tab)
    found: list[list[str]] = []

    def check(dialog: QFileDialog) -> None:
        qtbot.wait(50)
        SHOTS.mkdir(exist_ok=True)
        dialog.grab().save(str(SHOTS / "file_dialog_mn.png"))
        texts = dialog_texts(dialog)
        found.append([f"{t!r}: {english_words(t)}" for t in texts if english_words(t)])
        screen = dialog.screen().availableGeometry()
        assert dialog.frameGeometry().width() <= 1024 and dialog.height() <= screen.height()
        assert dialog.testOption(QFileDialog.Option.DontUseNativeDialog)

    seen = _when_modal(qtbot, QFileDialog, check)
    tab.import_button.click()   # returns when the dialog is closed
    assert seen == ["QFileDialog"]
    assert found == [[]], "\n".join(found[0])


def test_a_question_has_mongolian_buttons(qtbot, ui_lang) -> None:
    ui_lang.set_language("mn")
    parent = QWidget()
    qtbot.addWidget(parent)
    texts: list[list[str]] = []
    seen = _when_modal(qtbot, QMessageBox,
                       lambda box: texts.append([b.text() for b in box.buttons()]))
    QMessageBox.question(parent, "?", "?")
    assert seen == ["QMessageBox"]
    assert sorted(t.replace("&", "") for t in texts[0]) == ["Тийм", "Үгүй"]


def test_the_window_title_is_mongolian_and_names_the_school(make_window, school) -> None:
    window = make_window("mn")
    title = window.windowTitle()
    assert "School 1" in title
    assert english_words(title.replace("School 1", "")) == [], title
    assert title.startswith("Цахим багш")


def test_the_services_error_column_is_mongolian(qtbot, make_window, services, school) -> None:
    from tutor_desktop.ui.status_indicator import StatusPanel

    window = make_window("mn")
    panel = window.findChild(StatusPanel)
    assert panel is not None
    statuses = [
        ServiceStatus("local", ServiceKind.LOCAL, "gemma3-270m", ServiceState.DOWN,
                      last_error="status_no_local_model"),
        ServiceStatus("remote:alpha", ServiceKind.REMOTE, "alpha", ServiceState.AUTH,
                      last_error="service_key_rejected", error_params=(("status", "401"),)),
        ServiceStatus("remote:beta", ServiceKind.REMOTE, "beta", ServiceState.DOWN,
                      last_error="remote_server_error", error_params=(("provider", "beta"),)),
    ]
    panel.show_statuses(statuses)
    errors = [row[2] for row in panel.rows()]
    assert len(errors) >= 3 and all(errors[:3]), errors
    assert [e for e in errors if english_words(e.replace("beta", ""))] == []
    assert "401" in errors[1] and "beta" in errors[2]


def test_the_monitor_keeps_message_ids_for_the_panel(services) -> None:
    """The local model's own probe reports an id (translated where shown), not English."""
    from tutor_desktop.core.connectivity import model_manager_probe

    result = model_manager_probe(services.models)()
    if result.state is ServiceState.DOWN:
        assert re.fullmatch(r"[a-z_]+", result.error), result.error
        status = ServiceStatus("local", ServiceKind.LOCAL, "x", result.state,
                               last_error=result.error, error_params=result.error_params)
        assert english_words(status.error_text("mn")) == []
