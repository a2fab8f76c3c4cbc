"""The school hub: the sync service on the teacher's PC, on SQLite, forwarding to the cloud.

Lab PCs of a school with no internet sync with the hub over the school network;
whenever the hub reaches the cloud it forwards: it pushes its rows (as events of
its own device, sequenced by its server cursor, so a re-send is idempotent) and
takes the cloud's rows in (merged last-writer-wins like everything else). Rows
that come back from the other side carry the same version and change nothing,
so forwarding settles after one round.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import httpx

from tutor_cloud.db import SqliteDatabase
from tutor_cloud.store import Store, new_code

log = logging.getLogger(__name__)
BATCH = 500


class Hub:
    def __init__(self, path: Path, school_id: str, school_name: str, code: str | None) -> None:
        self.store = Store(SqliteDatabase(path))
        self.school_id = school_id
        if self.store.school(school_id) is None:
            self.code = code or new_code()
            self.store.create_school(school_name, school_id=school_id, code=self.code)
        else:
            if not code:
                raise ValueError("the hub's enrolment code is missing from the secret store")
            self.code = code

    def state(self, key: str, default: str = "") -> str:
        with self.store.db.transaction() as conn:
            rows = conn.execute("SELECT value FROM hub_state WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else default

    def set_state(self, key: str, value: str) -> None:
        with self.store.db.transaction() as conn:
            conn.execute("INSERT INTO hub_state (key, value) VALUES (?, ?) ON CONFLICT (key) "
                         "DO UPDATE SET value = excluded.value", (key, value))

    def close(self) -> None:
        self.store.db.close()


class Forwarder:
    """Pushes the hub's rows to the cloud and takes the cloud's rows in."""

    def __init__(self, hub: Hub, cloud_url: str, token: str, *,
                 transport: httpx.BaseTransport | None = None, interval: float = 30.0) -> None:
        self.hub = hub
        self.device_id = f"hub:{hub.school_id}"[:64]
        self.client = httpx.Client(base_url=cloud_url.rstrip("/"), timeout=30,
                                   headers={"Authorization": f"Bearer {token}"},
                                   transport=transport)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> tuple[int, int]:
        """One round: (rows pushed, rows taken in)."""
        pushed = taken = 0
        while True:
            cursor = int(self.hub.state("cloud_push_cursor", "0"))
            rows, next_cursor = self.hub.store.pull(self.hub.school_id, cursor, BATCH)
            if not rows:
                break
            events = [{**{k: v for k, v in row.items() if k != "server_seq"},
                       "device_id": self.device_id, "seq": row["server_seq"]}
                      for row in rows if row["op"] == "delete" or row["row"] is not None]
            answer = self.client.post("/v1/push", json={"events": events})
            answer.raise_for_status()
            self.hub.set_state("cloud_push_cursor", str(next_cursor))
            pushed += len(events)
        more = True
        while more:
            cursor = int(self.hub.state("cloud_pull_cursor", "0"))
            answer = self.client.get("/v1/pull", params={"cursor": cursor, "limit": BATCH})
            answer.raise_for_status()
            page: dict[str, Any] = answer.json()
            self.hub.store.ingest(self.hub.school_id, page["events"])
            self.hub.set_state("cloud_pull_cursor", str(page["cursor"]))
            taken += len(page["events"])
            more = bool(page["more"])
        return pushed, taken

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="hub-forwarder", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except httpx.HTTPError as exc:  # the cloud is out of reach: try again later
                log.info("hub: cloud not reachable (%s)", exc)
            self._stop.wait(self.interval)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=40)
        self.client.close()
