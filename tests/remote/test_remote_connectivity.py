"""The connectivity monitor against real providers, `tutor doctor`, and `tutor ask --backend`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from faultproxy import Fault, FaultProxy
from remote_helpers import FakeClock, monitor_for, remotes

from tutor_desktop.core.connectivity import (
    IndicatorMode,
    ServiceState,
)
from tutor_desktop.core.llm.backend import ChatMessage
from tutor_desktop.core.llm.router import Router


def test_probes_report_state_error_and_latency(proxy_alpha: FaultProxy,
                                               proxy_beta: FaultProxy) -> None:
    monitor = monitor_for(remotes(proxy_alpha, proxy_beta))
    statuses = {s.name: s for s in monitor.check_now()}
    alpha = statuses["remote:alpha"]
    assert alpha.state is ServiceState.OK and alpha.latency_ms is not None
    assert proxy_alpha.log[-1].path == "/v1/models"      # a free probe, no tokens spent
    proxy_alpha.pull_cable()
    proxy_beta.push(Fault.http(401))
    statuses = {s.name: s for s in monitor.check_now()}
    assert statuses["remote:alpha"].state is ServiceState.DOWN
    assert statuses["remote:alpha"].last_error == "net_refused"  # shown translated
    assert statuses["remote:beta"].state is ServiceState.AUTH
    proxy_beta.push(Fault.http(503))
    assert monitor.check_now(["remote:beta"])[1].state is ServiceState.DEGRADED


def test_probing_backs_off_while_offline(proxy_alpha: FaultProxy) -> None:
    clock = FakeClock()
    monitor = monitor_for(remotes(proxy_alpha), clock=clock)
    monitor.check_now()
    assert monitor.next_probe_in("remote:alpha") == monitor.interval_s
    proxy_alpha.pull_cable()
    waits = []
    for _ in range(8):
        monitor.check_now()
        waits.append(monitor.next_probe_in("remote:alpha"))
    assert waits == [5, 10, 20, 40, 80, 160, 300, 300]
    proxy_alpha.plug_cable()
    monitor.check_now()
    assert monitor.next_probe_in("remote:alpha") == monitor.interval_s


def test_background_thread_probes_and_notifies(proxy_alpha: FaultProxy) -> None:
    import threading

    monitor = monitor_for(remotes(proxy_alpha))
    seen = threading.Event()
    monitor.subscribe(lambda statuses: seen.set() if statuses[0].state is ServiceState.OK
                      else None)
    monitor.start()
    try:
        assert seen.wait(10)
    finally:
        monitor.close()


def test_real_answers_update_the_status_at_once(proxy_alpha: FaultProxy,
                                                proxy_beta: FaultProxy) -> None:
    backends = remotes(proxy_alpha, proxy_beta)
    monitor = monitor_for(backends)
    monitor.check_now()
    router = Router(None, backends, policy="remote-first")
    router.add_observer(monitor.report)
    assert monitor.summary().provider == "alpha"
    proxy_alpha.default = Fault.http(503)
    list(router.backend().stream([ChatMessage("user", "Hi")], max_tokens=2))
    assert monitor.status("remote:alpha").state is ServiceState.DEGRADED
    assert monitor.summary().provider == "beta"
    assert monitor.status("remote:beta").latency_ms is not None


@pytest.mark.parametrize(("policy", "local", "up", "mode", "provider"), [
    ("remote-first", ServiceState.OK, True, IndicatorMode.ONLINE, "alpha"),
    ("remote-first", ServiceState.OK, False, IndicatorMode.LOCAL, ""),
    ("local-first", ServiceState.OK, True, IndicatorMode.LOCAL, ""),
    ("local-first", ServiceState.DOWN, True, IndicatorMode.ONLINE, "alpha"),
    ("local-first", ServiceState.DOWN, False, IndicatorMode.OFFLINE, ""),
    ("local-only", ServiceState.DOWN, True, IndicatorMode.OFFLINE, ""),
])
def test_summary_follows_the_policy(proxy_alpha: FaultProxy, policy: str, local: ServiceState,
                                    up: bool, mode: IndicatorMode, provider: str) -> None:
    if not up:
        proxy_alpha.pull_cable()
    monitor = monitor_for(remotes(proxy_alpha), local=local, policy=policy)
    monitor.check_now()
    summary = monitor.summary()
    assert (summary.mode, summary.provider) == (mode, provider)


def test_doctor_reports_each_service(proxy_alpha: FaultProxy, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor_desktop.composition import build_services, doctor_checks
    from tutor_desktop.core.doctor import DoctorContext, run_checks

    monkeypatch.setenv("TUTOR_REMOTE_BASE_URL", proxy_alpha.base_url)
    monkeypatch.setenv("TUTOR_REMOTE_MODEL", "alpha-270m")
    monkeypatch.setenv("TUTOR_CLOUD_API_URL", "http://127.0.0.1:9/")  # nothing listens there
    services = build_services(tmp_path / "data")
    try:
        ctx = DoctorContext(services.paths, services.config, services.db, services.secrets)
        extra = doctor_checks(services, services.paths, services.config)
        checks = {c.name: c for c in run_checks(ctx, extra)}
        assert checks["status:remote:env"].status.value == "OK"
        assert "ms" in checks["status:remote:env"].detail
        assert checks["status:sync"].status.value == "WARN"
        assert "connection refused" in checks["status:sync"].detail
        assert "status:local" in checks and "status:speech" in checks
        proxy_alpha.pull_cable()
        checks = {c.name: c for c in run_checks(ctx, extra)}
        assert checks["status:remote:env"].status.value == "WARN"
    finally:
        services.close()


def _tutor(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor_desktop", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def test_tutor_ask_backend_remote_json_names_backend_and_model(proxy_alpha: FaultProxy,
                                                               tmp_path: Path) -> None:
    env = {**os.environ, "TUTOR_REMOTE_BASE_URL": proxy_alpha.base_url,
           "TUTOR_REMOTE_MODEL": "alpha-270m", "TUTOR_REMOTE_API_KEY": "sk-cli-test"}
    result = _tutor("--data-dir", str(tmp_path / "d"), "ask", "What is 2+2?", "--lang", "en",
                    "--backend", "remote", "--json", "--max-tokens", "8", env=env)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["backend"], out["model"]) == ("remote:env", "alpha-270m")
    assert out["answer"]
    assert proxy_alpha.log[-1].headers["authorization"] == "Bearer sk-cli-test"
    assert "sk-cli-test" not in result.stdout + result.stderr
    # The network is gone: --backend remote says so instead of silently answering locally.
    proxy_alpha.pull_cable()
    result = _tutor("--data-dir", str(tmp_path / "d"), "ask", "What is 2+2?", "--lang", "en",
                    "--backend", "remote", "--json", "--max-tokens", "8", env=env)
    assert result.returncode == 1
    assert "Cannot reach env" in json.loads(result.stdout)["error"]
