"""The sync service under uvicorn on loopback, for the tests (PostgreSQL or SQLite)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from pg_server import free_port


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
