"""The Windows transport, run here: loopback TCP plus a key in an endpoint file.

CPython has no Unix sockets on Windows and uvicorn serves no named pipes, so there the
service listens on 127.0.0.1 (a port the OS picks) and writes the port and a 256-bit key
to ``endpoint.json`` under ProgramData, whose ACL (installers/windows/tutor.nsi) says
who may read it. The same code runs on Linux, so it is tested here with the real server
and client; the ACL and the service control manager are Windows-only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tutor_desktop.core.config import load_config
from tutor_desktop.core.errors import WrongPin
from tutor_desktop.core.paths import resolve_paths
from tutor_desktop.service.address import KEY_HEADER, is_endpoint_file
from tutor_desktop.service.client import connect, wait_for_socket
from tutor_desktop.service.errors import ServiceSocketDenied, ServiceUnreachable
from tutor_desktop.service.server import LocalService


@pytest.fixture
def endpoint_service(services, school, tmp_path: Path) -> Iterator[LocalService]:
    endpoint = tmp_path / "ProgramData" / "TutorDesktop" / "run" / "endpoint.json"
    local = LocalService(services, endpoint, group=None)
    thread = threading.Thread(target=local.run, daemon=True)
    thread.start()
    wait_for_socket(endpoint, timeout=30)
    yield local
    local.stop()
    thread.join(10)


def _client(address: Path, tmp_path: Path) -> Any:
    paths = resolve_paths(tmp_path / "desktop-user")
    return connect(address, paths, load_config(paths.user_config_file))


def test_a_client_signs_in_through_the_endpoint_file(endpoint_service, school,
                                                     tmp_path: Path) -> None:
    address = endpoint_service.socket_path
    assert is_endpoint_file(address)
    written = json.loads(address.read_text("utf-8"))
    assert written["host"] == "127.0.0.1" and written["port"] > 0
    assert len(written["key"]) >= 43   # 256 random bits
    client = _client(address, tmp_path)
    try:
        assert [c.name for c in client.accounts.list_classes()] == ["2A", "7A"]
        with pytest.raises(WrongPin):
            client.accounts.sign_in_student(school.anu.id, "0000")
        session = client.accounts.sign_in_student(school.anu.id, "1234")
        assert session.user.display_name == "Анужин"
        # A streamed answer comes back over TCP too (the textbook tutor: no model here).
        conversation = client.tutor.start_conversation(session, subject="math")
        deltas: list[str] = []
        reply = client.tutor.ask(session, conversation.id, "What is a fraction?",
                                 on_delta=deltas.append)
        assert reply.text or reply.notices
    finally:
        client.close()


def test_reaching_the_port_without_the_key_is_refused(endpoint_service) -> None:
    """Any program on the PC can reach a loopback port; only readers of the file get in."""
    written = json.loads(endpoint_service.socket_path.read_text("utf-8"))
    base = f"http://127.0.0.1:{written['port']}"
    body = {"service": "accounts", "method": "list_classes", "args": [], "kwargs": {}}
    for headers in ({}, {KEY_HEADER: "x" * len(written["key"])}):
        refused = httpx.post(f"{base}/v1/call", json=body, headers=headers, timeout=10)
        assert refused.status_code == 403 and "7A" not in refused.text
        assert httpx.get(f"{base}/v1/health", headers=headers, timeout=10).status_code == 403
    allowed = httpx.post(f"{base}/v1/call", json=body, headers={KEY_HEADER: written["key"]},
                         timeout=10)
    assert allowed.status_code == 200 and "7A" in allowed.text


def test_a_stale_or_missing_endpoint_is_a_clear_error(endpoint_service, tmp_path: Path) -> None:
    address = endpoint_service.socket_path
    written = json.loads(address.read_text("utf-8"))
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps({**written, "key": "not-the-key"}), "utf-8")
    with pytest.raises(ServiceSocketDenied):
        _client(stale, tmp_path)
    with pytest.raises(ServiceUnreachable):
        _client(tmp_path / "no-service.json", tmp_path)
    # A key is never sent anywhere but loopback, whatever the file says.
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({**written, "host": "192.0.2.7"}), "utf-8")
    with pytest.raises(ServiceUnreachable):
        _client(elsewhere, tmp_path)


def test_stopping_the_service_removes_its_endpoint_file(services, school,
                                                        tmp_path: Path) -> None:
    endpoint = tmp_path / "run" / "endpoint.json"
    local = LocalService(services, endpoint, group=None)
    thread = threading.Thread(target=local.run, daemon=True)
    thread.start()
    wait_for_socket(endpoint, timeout=30)
    local.stop()
    thread.join(10)
    assert not thread.is_alive() and not endpoint.exists()
