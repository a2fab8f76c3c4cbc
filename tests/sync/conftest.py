"""Sync fixtures: a real PostgreSQL, the sync service under uvicorn on loopback, lab PCs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pg_server import PostgresServer, free_port


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = PostgresServer().start()  # raises (fails loudly) if PostgreSQL is missing
    yield server
    server.stop()


@dataclass
class Cloud:
    url: str
    store: Any
    server: Any
    thread: threading.Thread

    def school(self, name: str = "School") -> tuple[str, str]:
        result: tuple[str, str] = self.store.create_school(name)
        return result

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.store.db.close()


def start_service(db_url: str, **app_options: Any) -> Cloud:
    import uvicorn

    from tutor_cloud.app import create_app
    from tutor_cloud.db import open_database
    from tutor_cloud.store import Store

    store = Store(open_database(db_url))
    app = create_app(store, **app_options)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True, name=f"uvicorn-{port}")
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the sync service did not start")
        time.sleep(0.02)
    return Cloud(f"http://127.0.0.1:{port}", store, server, thread)


@pytest.fixture
def cloud(pg_server: PostgresServer) -> Iterator[Cloud]:
    """The sync service on a fresh PostgreSQL database."""
    service = start_service(pg_server.new_database(), enrol_rate=100.0)
    yield service
    service.stop()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Any]:
    """``lab("pc1")`` → wired services for a lab PC with its own data folder."""
    from tutor_desktop.composition import build_services

    opened: list[Any] = []

    def open_pc(name: str) -> Any:
        services = build_services(tmp_path / name)
        opened.append(services)
        return services

    yield open_pc
    for services in opened:
        services.close()
