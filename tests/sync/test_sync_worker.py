"""The background worker: back-off with jitter when the server is away, the status line in
the settings page, and the doctor's line."""

from __future__ import annotations

import random
import socket
from datetime import UTC, datetime, timedelta

from tutor_desktop.core.doctor import Status
from tutor_desktop.core.sync.client import SyncWorker, wait_for
from tutor_desktop.core.sync.status import doctor_check, status_line


def test_back_off_doubles_with_jitter_and_is_capped(services) -> None:
    worker = SyncWorker(services.sync, interval=120, base_delay=5, max_delay=300,
                        rng=random.Random(7))
    assert worker.next_delay() == 120
    delays = []
    for failures in range(1, 10):
        worker.failures = failures
        delays.append(worker.next_delay())
    for failures, delay in enumerate(delays, start=1):
        ceiling = min(300, 5 * 2 ** (failures - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(d, 3) for d in delays}) == len(delays)  # jitter: never in step


def test_worker_keeps_changes_when_the_server_is_away(services, school) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    services.secrets.set("sync_device_token", "t")
    with services.db.write() as conn:
        conn.execute("INSERT INTO sync_state (key, value) VALUES ('server_url', ?)",
                     (f"http://127.0.0.1:{port}",))
    waiting = services.sync.status()["waiting"]
    worker = SyncWorker(services.sync, interval=60, base_delay=0.05, max_delay=0.2)
    worker.start()
    try:
        assert wait_for(lambda: worker.failures >= 3, 10)
    finally:
        worker.close()
    state = services.sync.status()
    assert state["waiting"] == waiting > 0
    assert "cannot be reached" in state["last_error"]
    check = doctor_check(state)
    assert check.status is Status.WARN and f"{waiting} waiting" in check.detail


def test_status_line_and_doctor_line() -> None:
    now = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    state = {"enrolled": True, "server": "https://sync.example", "waiting": 2,
             "last_sync_at": (now - timedelta(minutes=3)).isoformat(), "last_error": None}
    assert status_line(state, "en", now) == "synced 3 min ago · 2 waiting"
    assert "2 хүлээгдэж" in status_line(state, "mn", now)
    assert doctor_check(state, now).status is Status.OK
    stale = {**state, "last_sync_at": (now - timedelta(days=3)).isoformat()}
    assert doctor_check(stale, now).status is Status.WARN
    assert doctor_check({"enrolled": False, "waiting": 5}, now).status is Status.WARN


def test_settings_status_panel_shows_the_sync_line(qtbot, services, school) -> None:
    from tutor_desktop.ui.status_indicator import StatusPanel

    panel = StatusPanel(services.connectivity, start=False, sync_status=services.sync.status)
    qtbot.addWidget(panel)
    waiting = services.sync.status()["waiting"]
    assert panel.sync_label.isVisibleTo(panel)
    assert str(waiting) in panel.sync_label.text()
    with services.db.write() as conn:
        conn.execute("UPDATE sync_outbox SET sent_at = 'now'")
        conn.execute("INSERT INTO sync_state (key, value) VALUES ('last_sync_at', ?)",
                     (datetime.now(UTC).isoformat(),))
    panel.show_sync()
    text = panel.sync_label.text()
    assert ("synced 0 min ago · 0 waiting" in text) or ("0 хүлээгдэж" in text and "0 min" in text)
