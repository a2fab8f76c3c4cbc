"""A ``tutor service`` in a thread of the test process, and its clients.

The OS boundary itself (another account, permission denied) is tested in
``test_service_accounts.py`` with real processes; these fixtures test the protocol.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def gemma_writes(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Path:
    """The embedded Gemma model in the data folder, allowed to write (no exam gate), so
    an answer streams token by token from a real model."""
    from tests.model_files import gemma_gguf, link_into

    monkeypatch.setenv("TUTOR_ANSWER_GATE", "0")
    monkeypatch.setenv("TUTOR_MAX_NEW_TOKENS", "24")
    return link_into(gemma_gguf(), data_dir / "models")


@pytest.fixture
def service(services, school, tmp_path: Path) -> Iterator[object]:
    """The school's services served on a socket (thread), as ``tutor service`` does."""
    from tutor_desktop.service.client import wait_for_socket
    from tutor_desktop.service.server import LocalService

    socket_path = tmp_path / "run" / "tutor.sock"
    local = LocalService(services, socket_path, group=None)
    thread = threading.Thread(target=local.run, daemon=True)
    thread.start()
    wait_for_socket(socket_path, timeout=30)
    yield local
    local.stop()
    thread.join(10)


@pytest.fixture
def client(service, data_dir: Path, tmp_path: Path) -> Iterator[object]:
    """The window's / terminal's services in client mode, connected to ``service``."""
    from tutor_desktop.core.config import load_config
    from tutor_desktop.core.paths import resolve_paths
    from tutor_desktop.service.client import connect

    paths = resolve_paths(tmp_path / "desktop-user")
    built = connect(service.socket_path, paths, load_config(paths.user_config_file))
    yield built
    built.close()
