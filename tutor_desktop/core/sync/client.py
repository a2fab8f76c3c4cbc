"""The desktop sync client: push the outbox, pull the school's changes, check counts.

* Push: the oldest pending events in batches (≤ 500, gzip); an event is marked
  sent only after the server's answer names its sequence as stored. A crash or
  a lost answer leaves it pending; the re-send is harmless (the server keeps
  one copy per (device, sequence)).
* Pull: pages after the server cursor; each page and the new cursor are applied
  in one transaction (:mod:`tutor_desktop.core.sync.apply`).
* After a sync with nothing waiting, the row count of every table is compared
  with the server's (Anki's sanity check); on a mismatch everything is queued
  again in full (keeping versions, so nothing newer is overwritten).
* In the background (:class:`SyncWorker`): every ``interval`` seconds, with
  exponential back-off and jitter after failures; the window never waits.

The device token lives in the secret store (never in the config or the logs).
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import ipaddress
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.secrets_store import SecretStore
from tutor_desktop.core.storage import Database
from tutor_desktop.core.storage.connection import Connection
from tutor_desktop.core.sync.apply import ApplyResult, Recompute, apply_events, parked_count
from tutor_desktop.core.sync.contract import SYNCED_TABLES, queued_tables
from tutor_desktop.core.sync.identity import current_device_id, rotate_identity
from tutor_desktop.core.sync.merge import (
    ADOPT_KEY,
    adopt_school,
    mark_enrolled,
    open_notes,
    resolve,
)
from tutor_desktop.core.sync.outbox import (
    Event,
    keeps_text_local,
    pending_events,
    queue_everything,
    waiting_count,
)

log = logging.getLogger(__name__)
TOKEN_SECRET = "sync_device_token"
KEY_SECRET = "sync_school_key"  # signs USB bundles; derived from the school's enrolment code
BATCH = 500
MAX_BATCH_BYTES = 900_000  # under the server's 1 MB, with room for the envelope


def school_key_from_code(code: str) -> str:
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return hmac.new(normal.encode(), b"tutor-desktop usb sync v1", hashlib.sha256).hexdigest()


class SyncError(TutorError):
    """Sync could not run; carries a translated message id (messages.sync.toml)."""


def insecure_url(url: str) -> bool:
    """Plain http is allowed only to this PC or the school network (the hub)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return False
    if parts.scheme != "http":
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (address.is_loopback or address.is_private)


@dataclass
class SyncReport:
    pushed: int = 0
    pulled: int = 0
    applied: ApplyResult = field(default_factory=ApplyResult)
    resent_in_full: bool = False
    counts_match: bool | None = None


class SyncClient:
    def __init__(self, db: Database, secrets: SecretStore, *,
                 transport: httpx.BaseTransport | None = None, timeout: float = 30.0,
                 batch: int = BATCH, page: int = 500,
                 recompute: Sequence[Recompute] = ()) -> None:
        self.db = db
        # Derived tables rebuilt when pulled rows change a learning log (composition root).
        self.recompute = tuple(recompute)
        self.secrets = secrets
        self._transport = transport
        self._timeout = timeout
        self.batch = batch
        self.page = page
        self._lock = threading.Lock()  # one sync at a time per PC

    # -- state ----------------------------------------------------------------
    def _state(self, key: str, default: str = "") -> str:
        row = self.db.query_one("SELECT value FROM sync_state WHERE key = ?", (key,))
        return default if row is None else str(row["value"])

    @staticmethod
    def _set(conn: Connection, **values: str | int) -> None:
        for key, value in values.items():
            conn.execute("INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT(key) "
                         "DO UPDATE SET value = excluded.value", (key, str(value)))

    @property
    def server_url(self) -> str:
        return self._state("server_url")

    def enrolled(self) -> bool:
        return bool(self.server_url and self.secrets.get(TOKEN_SECRET))

    def status(self) -> dict[str, Any]:
        reader = self.db.reader()
        return {
            "device_id": current_device_id(reader),
            "server": self.server_url,
            "school_id": self._state("school_id"),
            "enrolled": self.enrolled(),
            "last_push_at": self._state("last_push_at") or None,
            "last_pull_at": self._state("last_pull_at") or None,
            "last_sync_at": self._state("last_sync_at") or None,
            "last_error": self._state("last_error") or None,
            "waiting": waiting_count(reader),
            "parked": parked_count(reader),
            "pull_cursor": int(self._state("pull_cursor", "0")),
            # Merges made, usernames renamed, possible duplicate students (merge.py).
            "notices": open_notes(reader),
        }

    # -- HTTP -----------------------------------------------------------------
    def _client(self, url: str | None = None) -> httpx.Client:
        base = (url or self.server_url).rstrip("/")
        if not base:
            raise SyncError("sync_not_enrolled")
        if insecure_url(base):
            raise SyncError("sync_url_insecure", url=base)
        headers = {"User-Agent": "tutor-desktop-sync"}
        token = self.secrets.get(TOKEN_SECRET)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(base_url=base, headers=headers, timeout=self._timeout,
                            transport=self._transport)

    @staticmethod
    def _check(response: httpx.Response) -> Any:
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail")
                message = detail.get("message") if isinstance(detail, dict) else str(detail)
            except (ValueError, AttributeError):
                message = response.text[:200]
            if response.status_code in (401, 403):
                raise SyncError("sync_refused", reason=message or response.status_code)
            if response.status_code >= 500 or response.status_code == 429:
                raise SyncError("sync_unreachable", reason=f"HTTP {response.status_code}")
            raise SyncError("sync_rejected", reason=message or response.status_code)
        return response.json()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            with self._client(kwargs.pop("url", None)) as client:
                return self._check(client.request(method, path, **kwargs))
        except httpx.HTTPError as exc:
            raise SyncError("sync_unreachable", reason=type(exc).__name__) from exc

    # -- files (textbook packs) ------------------------------------------------------
    def list_packs(self) -> list[dict[str, Any]]:
        """The textbook packs the school's hub or cloud offers (``/v1/packs``)."""
        answer = self._call("GET", "/v1/packs")
        packs = answer.get("packs") if isinstance(answer, dict) else None
        return [p for p in packs if isinstance(p, dict)] if isinstance(packs, list) else []

    def download(self, path: str, target: Path, sha256: str, *,
                 max_bytes: int = 2 * 1024 ** 3, attempts: int = 5) -> int:
        """Fetch ``path`` into ``target`` (via ``target.part``, renamed only once the
        sha256 matches); returns the bytes read. A file already there with the right
        sha256 is kept (a fetch cut off half-way continues with the next file), and a
        busy server's 429 is waited out as its Retry-After asks."""
        if target.is_file() and _file_sha256(target) == sha256:
            return 0
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        for attempt in range(attempts):
            digest, size = hashlib.sha256(), 0
            try:
                with self._client() as client, client.stream(
                        "GET", path, headers={"Accept-Encoding": "identity"}) as answer:
                    if answer.status_code == 429 and attempt + 1 < attempts:
                        time.sleep(min(30.0, float(answer.headers.get("Retry-After", "1"))))
                        continue
                    if answer.status_code >= 400:
                        answer.read()
                        self._check(answer)
                    with partial.open("wb") as out:
                        for chunk in answer.iter_bytes(1 << 16):
                            size += len(chunk)
                            if size > max_bytes:
                                raise SyncError("sync_file_too_large", file=target.name)
                            digest.update(chunk)
                            out.write(chunk)
            except httpx.HTTPError as exc:
                partial.unlink(missing_ok=True)
                raise SyncError("sync_unreachable", reason=type(exc).__name__) from exc
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            if digest.hexdigest() != sha256:
                partial.unlink(missing_ok=True)
                raise SyncError("sync_file_damaged", file=target.name)
            partial.replace(target)
            return size
        raise SyncError("sync_unreachable", reason="HTTP 429")

    # -- enrolment ------------------------------------------------------------------
    def enroll(self, url: str, code: str, name: str = "") -> dict[str, Any]:
        """Register this PC with the school's code; keep the token in the secret store.

        The first PC of a school uploads its whole school; later ones receive it.
        """
        device = current_device_id(self.db.reader())
        answer = self._call("POST", "/v1/enroll", url=url,
                            json={"code": code, "device_id": device, "name": name})
        self.secrets.set(TOKEN_SECRET, str(answer["token"]))
        self.secrets.set(KEY_SECRET, school_key_from_code(code))
        with self.db.write() as conn:
            self._set(conn, server_url=url.rstrip("/"), school_id=answer["school_id"],
                      pull_cursor=0)
        server_rows = sum(self._call("GET", "/v1/counts")["counts"].values())
        local_school = self.db.query_one("SELECT id FROM schools ORDER BY created_at, id LIMIT 1")
        uploaded = 0
        if local_school is not None:
            # A PC set up on its own joins the enrolled school rather than uploading a
            # second one: its school is adopted once the school's rows are here.
            with self.db.write() as conn:
                conn.execute("DELETE FROM sync_outbox WHERE sent_at IS NULL")
                self._set(conn, **{ADOPT_KEY: str(local_school["id"])})
            uploaded = self._adopt()
        return {"school_id": answer["school_id"], "school_name": answer["school_name"],
                "server_rows": server_rows, "queued": uploaded}

    def _adopt(self) -> int:
        """Pull the enrolled school, then fold this PC's own school into it (merge.py:
        classes of one name become one, a username taken twice is renamed, students of
        one name are flagged for the teacher) and queue what this PC wrote. Resumed by
        the next sync when the PC is switched off half-way."""
        own = self._state(ADOPT_KEY)
        if not own:
            return 0
        # This PC's writers (its device id, and earlier ones if it ever renewed it)
        # before the school's rows arrive: what they wrote is what the server lacks.
        writers = {str(r[0]) for r in self.db.reader().execute(
            "SELECT DISTINCT device_id FROM sync_versions").fetchall()}
        self._pull_all(SyncReport())
        with self.db.write() as conn:
            adopted = adopt_school(conn, own)
            conn.execute("DELETE FROM sync_state WHERE key = ?", (ADOPT_KEY,))
            resolve(conn, self.recompute)
            # The school left is the enrolled one: a synced mark, so a PC that is never
            # online and was set up alone earlier yields to it too (merge.py).
            mark_enrolled(conn)
            if not adopted:  # the first PC of the school: it uploads everything
                return queue_everything(conn)
            writers.add(current_device_id(conn))
            return queue_everything(conn, authored_by=writers)

    def enroll_offline(self, code: str) -> None:
        """A PC that is never online: only the school key, for USB bundles."""
        self.secrets.set(KEY_SECRET, school_key_from_code(code))

    def forget(self) -> None:
        self.secrets.delete(TOKEN_SECRET)
        with self.db.write() as conn:
            conn.execute("DELETE FROM sync_state WHERE key IN ('server_url', 'school_id', "
                         "'pull_cursor')")

    # -- push -----------------------------------------------------------------------
    def push_once(self) -> int:
        """Send one batch; returns how many events the server acknowledged (0: stop)."""
        events = self._next_batch()
        if not events:
            return 0
        body = gzip.compress(json.dumps({"events": [e.to_json() for e in events]},
                                        ensure_ascii=False).encode(), compresslevel=5)
        answer = self._call("POST", "/v1/push", content=body,
                            headers={"Content-Type": "application/json",
                                     "Content-Encoding": "gzip"})
        highest: dict[str, int] = {str(k): int(v) for k, v in answer["highest"].items()}
        acked = 0
        with self.db.write() as conn:
            device = current_device_id(conn)
            written = int(conn.execute("SELECT value FROM sync_state WHERE key = 'next_seq'")
                          .fetchone()[0]) - 1
            if highest.get(device, 0) > written:
                # The server holds sequences this database never wrote: it is a restored
                # backup or a copy. Take a new id so no sequence is ever reused.
                rotate_identity(conn, "server holds higher sequences")
                return 0
            now = _now()
            for dev, top in highest.items():
                cursor = conn.execute(
                    "UPDATE sync_outbox SET sent_at = ? WHERE sent_at IS NULL AND device_id = ? "
                    "AND device_seq <= ?", (now, dev, top))
                acked += cursor.rowcount
                acked += conn.execute("DELETE FROM sync_relay WHERE device_id = ? AND "
                                      "device_seq <= ?", (dev, top)).rowcount
            self._set(conn, last_push_at=now, last_error="")
        if not acked:  # the answer named none of them: stop rather than resend in a loop
            log.warning("sync: the server acknowledged none of %d events", len(events))
        return acked

    def _next_batch(self) -> list[Event]:
        reader = self.db.reader()
        events = pending_events(reader, self.batch)
        if len(events) < self.batch:
            rows = reader.execute("SELECT event FROM sync_relay ORDER BY device_id, device_seq "
                                  "LIMIT ?", (self.batch - len(events),)).fetchall()
            events += [Event.from_json(json.loads(r[0])) for r in rows]
        size, cut = 0, list[Event]()
        for event in events:  # stay under the server's byte limit
            size += len(json.dumps(event.to_json(), ensure_ascii=False).encode()) + 1
            if cut and size > MAX_BATCH_BYTES:
                break
            cut.append(event)
        return cut

    # -- pull -----------------------------------------------------------------------
    def pull_once(self) -> tuple[int, bool, ApplyResult]:
        cursor = int(self._state("pull_cursor", "0"))
        answer = self._call("GET", "/v1/pull", params={"cursor": cursor, "limit": self.page})
        events = [Event.from_json(e) for e in answer["events"]]
        with self.db.write() as conn:  # the page and its cursor together, or neither
            result = apply_events(conn, events, self.recompute)
            self._set(conn, pull_cursor=int(answer["cursor"]), last_pull_at=_now())
        return len(events), bool(answer["more"]), result

    # -- a whole sync ------------------------------------------------------------
    def sync_now(self, *, check_counts: bool = True) -> SyncReport:
        if not self.enrolled():
            raise SyncError("sync_not_enrolled")
        with self._lock:
            try:
                report = SyncReport()
                if self._state(ADOPT_KEY):  # an enrolment cut off before it finished
                    self._adopt()
                self._push_all(report)
                self._pull_all(report)
                if check_counts:
                    self._count_check(report)
                with self.db.write() as conn:
                    self._set(conn, last_sync_at=_now(), last_error="")
                return report
            except SyncError as exc:
                with self.db.write() as conn:
                    self._set(conn, last_error=exc.message("en"))
                raise

    def _push_all(self, report: SyncReport) -> None:
        while True:
            sent = self.push_once()
            if not sent:
                return
            report.pushed += sent

    def _pull_all(self, report: SyncReport) -> None:
        more = True
        while more:
            pulled, more, result = self.pull_once()
            report.pulled += pulled
            report.applied.add(result)

    def local_counts(self) -> dict[str, int]:
        reader = self.db.reader()
        counts: dict[str, int] = {}
        text_local = keeps_text_local(reader)
        for spec in queued_tables():
            if spec.conversation_text and text_local:
                continue
            where = ""
            if spec.unsent_while:
                where = f" WHERE {spec.unsent_while[0]} != '{spec.unsent_while[1]}'"
            counts[spec.name] = int(reader.execute(
                f"SELECT count(*) FROM {spec.name}{where}").fetchone()[0])
        return {k: v for k, v in counts.items() if v}

    def server_counts(self) -> dict[str, int]:
        counts = self._call("GET", "/v1/counts")["counts"]
        text_local = keeps_text_local(self.db.reader())
        return {str(k): int(v) for k, v in counts.items() if v and k in SYNCED_TABLES
                and not (text_local and SYNCED_TABLES[k].conversation_text)}

    def _count_check(self, report: SyncReport) -> None:
        reader = self.db.reader()
        if waiting_count(reader) or parked_count(reader):
            return
        server, local = self.server_counts(), self.local_counts()
        report.counts_match = server == local
        if report.counts_match:
            return
        # At most one full resend a day: a difference that a resend cannot fix (e.g. two
        # classes of one name created offline) must not resend the school every minute.
        today = _now()[:10]
        if self._state("last_full_resend")[:10] == today:
            return
        log.warning("sync counts differ (server %s, here %s): sending everything again",
                    server, local)
        with self.db.write() as conn:
            queue_everything(conn)
            self._set(conn, pull_cursor=0, last_full_resend=_now())  # and take everything again
        report.resent_in_full = True
        self._push_all(report)
        self._pull_all(report)
        report.counts_match = self.server_counts() == self.local_counts()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SyncWorker:
    """Runs :meth:`SyncClient.sync_now` in the background: every ``interval`` seconds,
    sooner when asked (``wake``), with exponential back-off and jitter after failures."""

    def __init__(self, client: SyncClient, *, interval: float = 120.0, base_delay: float = 5.0,
                 max_delay: float = 900.0, rng: random.Random | None = None,
                 on_report: Callable[[SyncReport | SyncError], None] | None = None,
                 after_round: Sequence[Callable[[], None]] = ()) -> None:
        self.client = client
        # Work that needs the server but must not hold the sync up (textbook packs):
        # run after a successful round, each failure the callee's own business.
        self._after_round = tuple(after_round)
        self.interval = interval
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.failures = 0
        self._rng = rng or random.Random()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_report = on_report

    def next_delay(self) -> float:
        if not self.failures:
            return self.interval
        ceiling = min(self.max_delay, self.base_delay * 2 ** (self.failures - 1))
        return float(ceiling * self._rng.uniform(0.5, 1.0))  # jitter: PCs never retry in step

    def start(self) -> None:
        if self._thread is None and self.client.enrolled():
            self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                report: SyncReport | SyncError = self.client.sync_now()
                self.failures = 0
                for extra in self._after_round:
                    if self._stop.is_set():
                        break
                    extra()
            except SyncError as exc:
                report = exc
                self.failures += 1
            except Exception as exc:  # never let the thread die silently
                log.exception("sync failed")
                report = SyncError("sync_unreachable", reason=type(exc).__name__)
                self.failures += 1
            if self._on_report:
                self._on_report(report)
            self._wake.wait(self.next_delay())
            self._wake.clear()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.client._timeout + 5)
            self._thread = None


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
