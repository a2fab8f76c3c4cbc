"""Sync fixtures: a real PostgreSQL, the sync service under uvicorn on loopback, lab PCs."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pg_server import PostgresServer
from sync_cloud import Cloud, start_service


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = PostgresServer().start()  # raises (fails loudly) if PostgreSQL is missing
    yield server
    server.stop()


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
        with contextlib.suppress(Exception):  # a test may have closed it (a "crash")
            services.close()
