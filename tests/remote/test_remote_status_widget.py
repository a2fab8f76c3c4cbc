"""The window's status indicator and panel follow the providers going down and coming back."""

from __future__ import annotations

from typing import Any

from faultproxy import FaultProxy
from remote_helpers import monitor_for, remotes

from tutor_desktop.core.connectivity import IndicatorMode, ServiceState
from tutor_desktop.ui.status_indicator import StatusIndicator, StatusPanel


def fast_monitor(*proxies: FaultProxy, local: ServiceState | None = None) -> Any:
    monitor = monitor_for(remotes(*proxies), local=local, policy="remote-first")
    monitor.interval_s, monitor.retry_s, monitor.max_backoff_s = 0.2, 0.1, 0.3
    return monitor


def test_indicator_changes_when_a_provider_goes_down_and_comes_back(
        qtbot: Any, proxy_alpha: FaultProxy, proxy_beta: FaultProxy) -> None:
    monitor = fast_monitor(proxy_alpha, proxy_beta)
    indicator = StatusIndicator(monitor, refresh_ms=60_000)  # only the monitor's signal updates
    qtbot.addWidget(indicator)
    try:
        qtbot.waitUntil(lambda: indicator.text() == "Online via alpha", timeout=10_000)
        with qtbot.waitSignal(indicator.mode_changed, timeout=10_000):
            proxy_alpha.pull_cable()
        qtbot.waitUntil(lambda: indicator.text() == "Online via beta", timeout=10_000)
        proxy_beta.pull_cable()
        qtbot.waitUntil(lambda: indicator.text() == "Offline", timeout=10_000)
        assert indicator.mode is IndicatorMode.OFFLINE
        assert "connection refused" in indicator.toolTip()
        proxy_alpha.plug_cable()
        qtbot.waitUntil(lambda: indicator.text() == "Online via alpha", timeout=10_000)
    finally:
        monitor.close()


def test_indicator_shows_local_model_when_offline_with_a_local_model(
        qtbot: Any, proxy_alpha: FaultProxy) -> None:
    proxy_alpha.pull_cable()
    monitor = fast_monitor(proxy_alpha, local=ServiceState.OK)
    indicator = StatusIndicator(monitor)
    qtbot.addWidget(indicator)
    try:
        qtbot.waitUntil(lambda: indicator.text() == "Local model", timeout=10_000)
        proxy_alpha.plug_cable()
        qtbot.waitUntil(lambda: indicator.text() == "Online via alpha", timeout=10_000)
    finally:
        monitor.close()


def test_status_panel_lists_state_error_and_latency(qtbot: Any, proxy_alpha: FaultProxy,
                                                    proxy_beta: FaultProxy) -> None:
    proxy_beta.pull_cable()
    monitor = fast_monitor(proxy_alpha, proxy_beta, local=ServiceState.OK)
    panel = StatusPanel(monitor, start=False)
    qtbot.addWidget(panel)
    assert [row[1] for row in panel.rows()] == ["Not checked yet"] * 3
    panel.check_button.click()
    qtbot.waitUntil(lambda: panel.check_button.isEnabled(), timeout=10_000)
    rows = {row[0]: row for row in panel.rows()}
    assert rows["Remote model: alpha"][1] == "Working"
    assert rows["Remote model: alpha"][3].endswith(" ms")
    assert rows["Remote model: beta"][1:3] == ("Not reachable", "connection refused")
    assert rows["Local model (gemma3-270m)"][1] == "Working"
    monitor.close()
