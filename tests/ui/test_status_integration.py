"""The connectivity indicator in the window's header and the staff-only "Services" settings.

Real components throughout: the composition root's connectivity monitor and router,
an online provider configured at a closed loopback port (so it is really "not
reachable"), and for "Offline" a model manager with no model installed. Switching
while a real provider goes down and up is covered in ``tests/remote``.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel
from ui_helpers import click, visible_texts

from tutor_desktop.core.connectivity import ConnectivityMonitor, IndicatorMode, build_probes
from tutor_desktop.core.llm.manager import ModelManager
from tutor_desktop.core.llm.remote import RemoteBackend, key_lookup
from tutor_desktop.core.llm.router import POLICY_SETTING, effective_policy
from tutor_desktop.core.storage.settings import get_setting
from tutor_desktop.ui.main_window import MainWindow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def _closed_port() -> int:
    """A loopback port nobody listens on: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An installation with one online provider ("Cloud") that cannot be reached."""
    folder = tmp_path / "data"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text(
        "[[remote_providers]]\n"
        'name = "Cloud"\n'
        f'base_url = "http://127.0.0.1:{_closed_port()}/v1"\n'
        'model = "tutor-large"\n', encoding="utf-8")
    return folder


def _indicator(window: MainWindow) -> Any:
    indicator = window.status_indicator
    assert indicator is not None
    return indicator


def _open_settings(qtbot: Any, window: MainWindow, session: Any) -> None:
    window.start_session(session)
    click(qtbot, window.settings_button)
    assert window.current_page() is window.settings_page


def test_indicator_in_header_on_every_page_matches_the_monitor(
        qtbot: Any, make_window: Any, services: Any, school: Any) -> None:
    monitor = services.connectivity
    window = make_window("en")
    indicator = _indicator(window)
    header = window.findChild(QFrame, "header")
    assert header is not None and header.isAncestorOf(indicator)

    # The online provider is refused; the local model (installed, not loaded yet) answers.
    qtbot.waitUntil(lambda: monitor.status("remote:Cloud").state.value == "down", timeout=10_000)
    indicator.refresh()
    assert monitor.summary().mode is IndicatorMode.LOCAL
    assert indicator.mode is IndicatorMode.LOCAL
    assert indicator.text() == "Local model"
    assert indicator.isVisible()

    window.start_session(school.teacher_session)
    assert window.current_page() is window.teacher_page and indicator.isVisible()
    click(qtbot, window.settings_button)
    assert window.current_page() is window.settings_page and indicator.isVisible()
    click(qtbot, window.sign_out_button)
    assert window.current_page() is window.sign_in_page and indicator.isVisible()

    window.set_language("mn")
    assert indicator.text() == "Дотоод загвар"
    assert "Local model" not in visible_texts(window)


def test_offline_when_no_local_model_and_the_online_model_is_unreachable(
        qtbot: Any, make_window: Any, services: Any, school: Any, tmp_path: Path) -> None:
    # A PC where nobody dropped a model into models/ and the only provider is down.
    empty = tmp_path / "no-models"
    empty.mkdir()
    no_model = ModelManager([], [empty])
    assert no_model.wait(10).state.value == "not_installed"
    remotes = [RemoteBackend(p, key_lookup(services.secrets))
               for p in services.config.remote_providers]
    monitor = ConnectivityMonitor(
        build_probes(services.config, remotes=remotes, model_manager=no_model),
        policy=lambda: effective_policy(services.config, services.db))
    services.connectivity.close()
    services.connectivity = monitor  # closed with the services

    window = make_window("en")
    indicator = _indicator(window)
    qtbot.waitUntil(lambda: indicator.text() == "Offline", timeout=10_000)
    assert monitor.summary().mode is IndicatorMode.OFFLINE

    _open_settings(qtbot, window, school.teacher_session)
    rows = {name: (state, error) for name, state, error, _ in
            window.settings_page.services_section.panel.rows()}
    assert rows["Remote model: Cloud"] == ("Not reachable", "connection refused")
    assert rows["Local model"][0] == "Not available"

    window.set_language("mn")
    assert indicator.text() == "Офлайн"


def test_status_panel_rows_in_mongolian(
        qtbot: Any, make_window: Any, services: Any, school: Any) -> None:
    monitor = services.connectivity
    window = make_window("mn")
    _open_settings(qtbot, window, school.teacher_session)
    qtbot.waitUntil(lambda: monitor.status("remote:Cloud").state.value == "down", timeout=10_000)
    panel = window.settings_page.services_section.panel
    panel.show_statuses(monitor.statuses())
    assert panel.rows()[1][:3] == ("Алсын загвар: Cloud", "Холбогдох боломжгүй",
                                   "холболтоос татгалзсан")


def test_only_staff_see_the_services_section(
        qtbot: Any, make_window: Any, services: Any, school: Any) -> None:
    window = make_window("en")
    section = window.settings_page.services_section
    assert section is not None

    student = services.accounts.sign_in_student(school.anu.id, "1234")
    _open_settings(qtbot, window, student)
    assert not section.isVisible()
    texts = visible_texts(window)
    assert "Services" not in texts and "Check now" not in texts
    assert not any("Cloud" in text for text in texts)
    click(qtbot, window.sign_out_button)
    window.set_language("en")  # signing out switched to the school's language

    _open_settings(qtbot, window, school.teacher_session)
    assert section.isVisible()
    texts = visible_texts(window)
    assert "Services" in texts and "Check now" in texts
    assert section.policy_combo.currentText() == "Local model first (works offline)"
    names = [row[0] for row in section.panel.rows()]
    assert "Remote model: Cloud" in names and "Local model" in names[0]

    # "Check now" probes in the background and shows the refused provider.
    click(qtbot, section.panel.check_button)
    qtbot.waitUntil(lambda: section.panel.check_button.isEnabled(), timeout=10_000)
    assert ("Remote model: Cloud", "Not reachable") in [r[:2] for r in section.panel.rows()]


def test_a_teacher_changes_the_routing_policy_and_it_is_kept(
        qtbot: Any, make_window: Any, services: Any, school: Any) -> None:
    window = make_window("en")
    section = window.settings_page.services_section
    assert section is not None
    _open_settings(qtbot, window, school.teacher_session)
    combo = section.policy_combo
    assert combo.currentData() == "local-first"
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Local model first (works offline)", "Online model first when connected",
        "Local model only"]

    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # the user picks the next choice
    assert combo.currentData() == "remote-first"
    qtbot.waitUntil(lambda: get_setting(services.db, POLICY_SETTING) == "remote-first",
                    timeout=10_000)
    qtbot.waitUntil(lambda: section.message.isVisible(), timeout=5_000)
    assert section.message.text() == "Saved."
    assert effective_policy(services.config, services.db) == "remote-first"
    assert services.router.policy == "remote-first"
    assert services.connectivity.policy == "remote-first"

    # Another staff member on the same PC sees the saved choice, in Mongolian too.
    click(qtbot, window.sign_out_button)
    window.set_language("mn")
    _open_settings(qtbot, window, school.admin)
    assert combo.currentData() == "remote-first"
    assert combo.currentText() == "Холбогдсон үед эхлээд онлайн загвар"
    window.resize(1100, 720)
    qtbot.wait(50)
    SCREENSHOTS.mkdir(exist_ok=True)
    assert window.grab().save(str(SCREENSHOTS / "settings_services_mn.png"))
    bar = window.settings_page.scroller.verticalScrollBar()
    bar.setValue(bar.maximum())  # the page scrolls down to "sign out"…
    qtbot.wait(50)
    assert window.settings_page.sign_out_button.visibleRegion().boundingRect().height() > 0
    # …and back to the panel's button (the admin's speech service form is below it)
    window.settings_page.scroller.ensureWidgetVisible(section.panel.check_button)
    qtbot.wait(50)
    assert section.panel.check_button.visibleRegion().boundingRect().height() > 0
    assert window.grab().save(str(SCREENSHOTS / "settings_services_mn_end.png"))


def test_header_fits_a_small_lab_screen(
        qtbot: Any, make_window: Any, services: Any, school: Any) -> None:
    window = make_window("mn")
    window.start_session(school.teacher_session)
    indicator = _indicator(window)
    words = indicator.findChild(QLabel, "connectivityLabel")
    window.resize(1100, 720)
    qtbot.waitUntil(lambda: words.isVisible())
    assert window.school_label.isVisible()

    window.resize(800, 560)  # the smallest window: no header button may be cut off
    needed = (window.language_button, window.settings_button, window.sign_out_button,
              window.user_label)
    qtbot.waitUntil(lambda: window.width() == 800 and all(
        w.isVisible() and w.width() >= w.sizeHint().width() for w in needed))
    assert indicator.isVisible()  # its words may give way, the dot stays
    assert words.isHidden() or words.width() >= words.sizeHint().width()
    assert indicator.accessibleName() == "Дотоод загвар"
    assert "Дотоод загвар" in indicator.toolTip()

    window.resize(1100, 720)
    qtbot.waitUntil(lambda: words.isVisible())
