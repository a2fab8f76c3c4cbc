"""The sync service's HTTP API (FastAPI): enrol, push, pull, counts, health; OpenAPI at /docs.

Every request but enrolment and health carries a device token
(``Authorization: Bearer …``); the token names the device's school and every
query is filtered by that school, so a token of school A can never read or
write school B. Bad input is refused with a 4xx and a message, and nothing of
a refused batch is stored.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from tutor_cloud.packs import PackShelf
from tutor_cloud.store import SYNCABLE, Device, Store

MAX_EVENTS = 500
MAX_BYTES = 1024 * 1024  # per push, after decompression
MAX_PULL = 1000
ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
STAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(\+00:00|Z)$"


class EventIn(BaseModel):
    entity: str
    id: str = Field(pattern=ID_PATTERN)
    op: Literal["upsert", "delete"]
    row: dict[str, Any] | None = None
    updated_at: str = Field(pattern=STAMP_PATTERN)
    author: str = Field(default="", max_length=64)
    device_id: str = Field(pattern=ID_PATTERN)
    seq: int = Field(ge=1, le=2**62)

    @field_validator("entity")
    @classmethod
    def _known_entity(cls, value: str) -> str:
        if value not in SYNCABLE:
            raise ValueError(f"unknown entity {value!r}; known: {sorted(SYNCABLE)}")
        return value

    @model_validator(mode="after")
    def _row_matches(self) -> EventIn:
        if self.op == "upsert":
            if self.row is None or str(self.row.get("id")) != self.id:
                raise ValueError("an upsert carries its full row, whose id is the event's id")
        elif self.row is not None:
            raise ValueError("a delete (tombstone) carries no row")
        if not self.author:
            self.author = self.device_id
        return self


class PushIn(BaseModel):
    events: list[EventIn] = Field(max_length=MAX_EVENTS)


class PushOut(BaseModel):
    stored: int
    duplicates: int
    highest: dict[str, int]


class EnrolIn(BaseModel):
    code: str = Field(min_length=4, max_length=64)
    device_id: str = Field(pattern=ID_PATTERN)
    name: str = Field(default="", max_length=100)


class EnrolOut(BaseModel):
    token: str
    school_id: str
    school_name: str


class PullOut(BaseModel):
    events: list[dict[str, Any]]
    cursor: int
    more: bool


class RateLimiter:
    """A token bucket per device: ``rate`` requests a second, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> float:
        """0 when allowed, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate


def _error(status: int, message: str, **extra: Any) -> HTTPException:
    return HTTPException(status_code=status, detail={"message": message, **extra})


def device(request: Request, authorization: Annotated[str, Header()] = "") -> Device:
    """The calling device, from its token; every query is then filtered by its school."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _error(401, "missing device token (Authorization: Bearer …)")
    found: Device | None = request.app.state.store.device_for(token.strip())
    if found is None:
        raise _error(401, "unknown or revoked device token")
    wait = request.app.state.limiter.allow(found.token_hash)
    if wait:
        raise HTTPException(429, detail={"message": "too many requests from this device"},
                            headers={"Retry-After": str(max(1, round(wait)))})
    return found


DeviceDep = Annotated[Device, Depends(device)]


def create_app(store: Store, *, rate: float = 20.0, burst: float = 60.0,
               enrol_rate: float = 1.0, title: str = "Tutor Desktop sync service",
               packs: PackShelf | None = None) -> FastAPI:
    app = FastAPI(title=title, version="1",
                  description="Sync between lab PCs, the school hub and the cloud "
                              "(docs/SYNC.md).")
    # Pull pages are JSON rows: gzip makes them ~5x smaller on a school's slow link.
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    enrol_limiter = RateLimiter(enrol_rate, 10)
    app.state.store = store
    app.state.limiter = RateLimiter(rate, burst)

    @app.get("/v1/health")
    def health() -> JSONResponse:
        services = {"database": "ok"}
        try:
            store.ping()
        except Exception as exc:  # any database failure is "degraded", never a 500
            services["database"] = f"unavailable: {type(exc).__name__}"
        ok = all(v == "ok" for v in services.values())
        return JSONResponse({"status": "ok" if ok else "degraded",
                             "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
                             "services": services}, status_code=200 if ok else 503)

    @app.post("/v1/enroll", response_model=EnrolOut)
    def enroll(body: EnrolIn, request: Request) -> EnrolOut:
        client = request.client.host if request.client else "?"
        if enrol_limiter.allow(client):
            raise _error(429, "too many enrolment attempts; wait a minute")
        found = store.enrol(body.code, body.device_id, body.name)
        if found is None:
            raise _error(403, "unknown enrolment code")
        token, school_id, school_name = found
        return EnrolOut(token=token, school_id=school_id, school_name=school_name)

    @app.post("/v1/push", response_model=PushOut,
              responses={400: {}, 401: {}, 413: {}, 422: {}, 429: {}})
    async def push(request: Request, who: DeviceDep) -> PushOut:
        raw = await _read_limited(request)
        if request.headers.get("content-encoding", "").lower() == "gzip":
            raw = _gunzip_limited(raw)
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _error(400, f"the body is not JSON: {exc}") from None
        if isinstance(data, dict) and isinstance(data.get("events"), list) \
                and len(data["events"]) > MAX_EVENTS:
            raise _error(413, f"at most {MAX_EVENTS} events per push",
                         events=len(data["events"]))
        try:
            batch = PushIn.model_validate(data)
        except ValidationError as exc:
            problems = [{"where": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
                        for e in exc.errors()[:20]]
            raise _error(422, "the batch does not match the sync contract; nothing was stored",
                         problems=problems) from None
        events = [e.model_dump() for e in batch.events]
        result = await run_in_threadpool(store.push, who.school_id, events)
        return PushOut(stored=result.stored, duplicates=result.duplicates, highest=result.highest)

    @app.get("/v1/pull", response_model=PullOut)
    def pull(who: DeviceDep, cursor: Annotated[int, Query(ge=0)] = 0,
             limit: Annotated[int, Query(ge=1, le=MAX_PULL)] = 500) -> PullOut:
        events, next_cursor = store.pull(who.school_id, cursor, limit)
        return PullOut(events=events, cursor=next_cursor, more=len(events) == limit)

    @app.get("/v1/counts")
    def counts(who: DeviceDep) -> dict[str, Any]:
        """Rows per table (tombstones excluded), for the PC's check after a sync."""
        return {"counts": store.counts(who.school_id)}

    @app.get("/v1/whoami")
    def whoami(who: DeviceDep) -> dict[str, Any]:
        school = store.school(who.school_id)
        return {"device_id": who.id, "school_id": who.school_id,
                "school_name": school[1] if school else ""}

    @app.get("/v1/packs")
    def list_packs(who: DeviceDep) -> dict[str, Any]:
        """The textbook packs this service offers (the school's library, indexed once)."""
        return {"packs": packs.packs() if packs is not None else []}

    @app.get("/v1/packs/{name}/{relative:path}", responses={404: {}})
    def pack_file(name: str, relative: str, who: DeviceDep) -> FileResponse:
        found = packs.file(name, relative) if packs is not None else None
        if found is None:
            raise _error(404, "no such file in the packs offered here")
        return FileResponse(found, media_type="application/octet-stream")

    return app


def app_from_env() -> FastAPI:
    """For ``tutor-cloud serve --workers N``: each worker process builds its own app
    (stateless: all state is in the database; rate limits are per process)."""
    import os

    from tutor_cloud.db import open_database

    store = Store(open_database(os.environ["TUTOR_CLOUD_DB"]))
    return create_app(store, rate=float(os.environ.get("TUTOR_CLOUD_RATE", "20")))


async def _read_limited(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BYTES:
        raise _error(413, f"a push is at most {MAX_BYTES} bytes", bytes=int(declared))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BYTES:
            raise _error(413, f"a push is at most {MAX_BYTES} bytes")
    return bytes(body)


def _gunzip_limited(raw: bytes) -> bytes:
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = inflater.decompress(raw, MAX_BYTES + 1)
    except zlib.error as exc:
        raise _error(400, f"the body is not valid gzip: {exc}") from None
    if len(out) > MAX_BYTES or inflater.unconsumed_tail:
        raise _error(413, f"a push is at most {MAX_BYTES} bytes once decompressed")
    return out
