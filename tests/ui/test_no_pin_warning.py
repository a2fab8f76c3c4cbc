"""Teachers are told that a class without PINs is open to anyone at the PC, and that IT
locked the routing policy."""

from __future__ import annotations

from ui_helpers import click


def test_teacher_sees_a_warning_for_classes_without_pin(qtbot, make_window, services,
                                                        school):
    window = make_window("en")
    page = window.sign_in_page
    click(qtbot, page.staff_link)
    qtbot.keyClicks(page.username, "admin")
    qtbot.keyClicks(page.password, "admin-pass-1")
    click(qtbot, page.staff_button)
    qtbot.waitUntil(lambda: window.current_page() is window.teacher_page, timeout=10_000)
    teacher = window.teacher_page
    combo = teacher.class_combo
    names = [combo.itemText(i) for i in range(combo.count())]

    combo.setCurrentIndex(names.index("2A (grade 2)"))  # students sign in without PIN
    qtbot.waitUntil(lambda: teacher.no_pin_warning.isVisible(), timeout=5_000)
    assert "anyone at this computer" in teacher.no_pin_warning.text()

    combo.setCurrentIndex(names.index("7A (grade 7)"))  # PINs required: no warning
    qtbot.waitUntil(lambda: not teacher.no_pin_warning.isVisible(), timeout=5_000)
    teacher.allow_no_pin.setChecked(True)  # the warning comes before the choice is saved
    assert teacher.no_pin_warning.isVisible()


def test_a_policy_locked_by_it_is_shown_not_offered(qtbot, make_window, services, school):
    from dataclasses import replace

    from ui_helpers import click as press

    from tutor_desktop.core.llm.router import RoutingSettings

    services.config = replace(services.config, routing_policy="local-only",
                              locked=frozenset({"routing_policy"}))
    # The settings page reads the policy through the routing settings (built from the
    # config at start, as composition does).
    services.routing = RoutingSettings(services.config, services.db)
    window = make_window("en")
    window.start_session(school.teacher_session)
    press(qtbot, window.settings_button)
    section = window.settings_page.services_section
    assert section.policy_combo.currentData() == "local-only"
    assert not section.policy_combo.isEnabled()
    assert section.policy_locked.isVisible()
    assert "IT has fixed this setting" in section.policy_locked.text()
