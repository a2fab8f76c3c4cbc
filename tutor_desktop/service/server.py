"""``tutor service``: the core runs here, under its own OS account; clients connect by socket.

The service builds the same :class:`Services` as the window does in-process and
answers HTTP over a Unix socket. Only the (service, method) pairs of
:mod:`tutor_desktop.service.api` are reachable; arguments and results cross as
typed JSON (:mod:`tutor_desktop.service.codec`). Sessions stay here: a sign-in
returns a random token and every later call is resolved to the service's own
:class:`Session`, so sign-in, PIN checks, lockout, limits and permissions are the
core's, run in a process whose files the desktop account cannot open.

Routes: ``POST /v1/call`` (a JSON reply, or NDJSON lines when the call streams:
``{"cb": name, "args": [...]}`` per callback, then ``{"ok": value}`` or
``{"error": {...}}``), ``POST /v1/cancel`` (set a streaming call's stop event),
``POST /v1/upload`` (a file's bytes, for a library import), ``POST /v1/session/touch``,
``POST /v1/session/end`` and ``GET /v1/health``.

Where it listens (:mod:`tutor_desktop.service.address`): a Unix socket (Linux, macOS),
or loopback TCP with a key in an endpoint file (Windows): then every request must carry
that key, or it gets 403 before any route runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import secrets
import shutil
import socket
import stat
import struct
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor_desktop.core.accounts import Session, require_staff
from tutor_desktop.core.errors import NotAllowed
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.service.address import KEY_HEADER, Endpoint, is_endpoint_file, well_known_address
from tutor_desktop.service.api import Guard, Method, lookup
from tutor_desktop.service.codec import Codec, WireError
from tutor_desktop.service.doctor import ServiceDoctor
from tutor_desktop.service.errors import (
    BadRequest,
    SessionUnknown,
    SetupNeedsOsAdmin,
)

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from tutor_desktop.composition import Services

log = logging.getLogger(__name__)

DEFAULT_SOCKET = well_known_address()
SERVICE_GROUP = "tutor"
SOCKET_MODE = 0o660
MAX_UPLOAD_BYTES = 512 * 1024 * 1024   # a scanned textbook is rarely over 200 MB
MAX_REQUEST_BYTES = 8 * 1024 * 1024
UPLOAD_TTL_S = 3600.0
PROTOCOL_VERSION = 1


class SessionTable:
    """Signed-in sessions by opaque token. A token is 256 random bits: it cannot be
    guessed, and it says nothing about who it belongs to."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def issue(self, session: Session) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[token] = session
            self._sessions = {t: s for t, s in self._sessions.items()
                              if t == token or not s.expired}  # forget idle ones
        return token

    def token_of(self, session: Session) -> str | None:
        with self._lock:
            return next((t for t, s in self._sessions.items() if s is session), None)

    def resolve(self, token: str) -> Session:
        with self._lock:
            session = self._sessions.get(token)
        if session is None:
            raise SessionUnknown()
        return session

    def end(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def __len__(self) -> int:
        return len(self._sessions)


@dataclass
class Prepared:
    """A checked call: the core function, its whitelist entry, decoded arguments and the
    uploaded files it uses (deleted when it ends)."""

    function: Any
    entry: Method
    args: list[Any]
    kwargs: dict[str, Any]
    uploads: list[Path]


def discard(uploads: list[Path]) -> None:
    for path in uploads:
        shutil.rmtree(path.parent, ignore_errors=True)


@dataclass
class _Call:
    """A running streaming call: its stop events, set by ``/v1/cancel``."""

    events: list[threading.Event] = field(default_factory=list)


class Dispatcher:
    """Turns one request into one core call, with the whitelist and the guards applied.

    Independent of HTTP so the guards are tested without a socket.
    """

    def __init__(self, services: Services, *, upload_dir: Path) -> None:
        self.services = services
        self.sessions = SessionTable()
        self.upload_dir = upload_dir
        self._calls: dict[str, _Call] = {}
        self._calls_lock = threading.Lock()
        self._uploads: dict[str, tuple[Path, float]] = {}

    # -- the codec on this side: sessions become tokens, tokens our sessions ----------
    def codec(self) -> Codec:
        codec: Codec

        def ref(value: Any) -> dict[str, Any] | None:
            """A signed-in session goes out as its token plus what the window shows."""
            if not isinstance(value, Session):
                return None
            token = self.sessions.token_of(value) or self.sessions.issue(value)
            return {"$session": token, "user": codec.encode(value.user),
                    "idle_limit_s": value.idle_limit_s}

        def resolve(form: dict[str, Any]) -> Session:
            return self.sessions.resolve(str(form.get("$session", "")))

        codec = Codec(session_ref=ref, session_for=resolve, allow_paths=False)
        return codec

    def _target(self, service: str) -> Any:
        if service == "doctor":
            return ServiceDoctor(self.services)
        target: Any = self.services
        for part in service.split("."):
            target = getattr(target, part)
        return target

    def prepare(self, body: dict[str, Any], *, peer: str,
                peer_uid: int | None = None) -> Prepared:
        """Check a call against the whitelist and its guard; decode its arguments.
        ``peer_uid``: the connecting process's uid, None where the OS does not say."""
        service, name = str(body.get("service", "")), str(body.get("method", ""))
        entry = lookup(service, name)
        if entry is None:
            raise BadRequest(f"{service}.{name} is not offered")
        if entry.guard is Guard.OS_ADMIN and peer_uid not in (0, _uid()):
            raise SetupNeedsOsAdmin()
        codec = self.codec()
        try:
            args = codec.decode(body.get("args") or [])
            kwargs = codec.decode(body.get("kwargs") or {})
        except WireError as exc:
            raise BadRequest(str(exc)) from None
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise BadRequest("args must be a list and kwargs an object")
        uploads = [self._take_upload(kwargs[key]) for key in entry.uploads
                   if kwargs.get(key) is not None]
        try:
            for key in (*entry.callbacks, *entry.events):
                kwargs.pop(key, None)   # only the service makes these
            if entry.peer is not None:
                kwargs[entry.peer] = peer
            for key, path in zip([k for k in entry.uploads if kwargs.get(k) is not None],
                                 uploads, strict=True):
                kwargs[key] = path
            function = getattr(self._target(service), name)
        except BaseException:
            discard(uploads)
            raise
        return Prepared(function, entry, args, kwargs, uploads)

    def _take_upload(self, upload_id: Any) -> Path:
        found = self._uploads.pop(str(upload_id), None)
        if found is None:
            raise BadRequest("unknown upload")
        return found[0]

    def store_upload(self, name: str, data_path: Path) -> str:
        upload_id = secrets.token_urlsafe(16)
        now = time.monotonic()
        for old_id, (old, created) in list(self._uploads.items()):
            if now - created > UPLOAD_TTL_S:
                self._uploads.pop(old_id, None)
                shutil.rmtree(old.parent, ignore_errors=True)
        self._uploads[upload_id] = (data_path, now)
        return upload_id

    def new_call(self, call_id: str) -> _Call:
        call = _Call()
        with self._calls_lock:
            self._calls[call_id] = call
        return call

    def end_call(self, call_id: str) -> None:
        with self._calls_lock:
            self._calls.pop(call_id, None)

    def cancel(self, call_id: str) -> bool:
        with self._calls_lock:
            call = self._calls.get(call_id)
        if call is None:
            return False
        for event in call.events:
            event.set()
        return True


def _peer_of(sock: socket.socket | None) -> tuple[str, int | None]:
    """The connecting process's OS account (Linux ``SO_PEERCRED``), as the core's
    ``local_source`` would name it (staff sign-in is throttled per OS account), and its
    uid (IT's first-run set-up). ``None`` where the OS does not tell: loopback TCP on
    Windows, macOS; OS-admin calls are then refused."""
    if sock is None or not hasattr(socket, "SO_PEERCRED"):
        return "peer:?", None
    if sock.family != socket.AF_UNIX:   # loopback TCP (Windows): the key, not an account
        return "peer:tcp", None
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", raw)
    except OSError:
        return "peer:?", None
    try:
        import pwd

        return f"os:{pwd.getpwuid(uid).pw_name}", uid
    except KeyError:
        return f"uid:{uid}", uid


def _error_body(codec: Codec, error: BaseException) -> dict[str, Any]:
    if isinstance(error, TutorError):
        return {"error": codec.encode_error(error)}
    log.exception("service call failed", exc_info=error)
    return {"error": codec.encode_error(TutorError())}


def build_app(dispatcher: Dispatcher) -> Starlette:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    def dumps(value: Any) -> bytes:
        return (json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n").encode()

    async def read_json(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if len(raw) > MAX_REQUEST_BYTES:
            raise BadRequest("request too large")
        try:
            body = json.loads(raw)
        except ValueError:
            raise BadRequest("not JSON") from None
        if not isinstance(body, dict):
            raise BadRequest("not an object")
        return body

    def reply(payload: dict[str, Any], status: int = 200) -> Response:
        return JSONResponse(payload, status_code=status)

    async def call(request: Request) -> Response:
        codec = dispatcher.codec()
        try:
            body = await read_json(request)
            prepared = dispatcher.prepare(body, peer=request.scope.get("tutor.peer", "peer:?"),
                                          peer_uid=request.scope.get("tutor.peer_uid"))
        except (TutorError, AttributeError) as error:
            return reply(_error_body(codec, error if isinstance(error, TutorError)
                                     else BadRequest("no such method")))
        function = prepared.function
        wanted = [name for name in body.get("callbacks") or []
                  if name in prepared.entry.callbacks]
        if not callable(function):   # a property, e.g. models.status
            return reply({"ok": codec.encode(function)})
        if not wanted and not prepared.entry.events:
            try:
                result = await asyncio.to_thread(function, *prepared.args, **prepared.kwargs)
                return reply({"ok": codec.encode(result)})
            except BaseException as error:
                return reply(_error_body(codec, error))
            finally:
                discard(prepared.uploads)
        return StreamingResponse(_stream(prepared, wanted, str(body.get("call_id") or ""),
                                         codec),
                                 media_type="application/x-ndjson")

    async def _stream(prepared: Prepared, wanted: list[str], call_id: str,
                      codec: Codec) -> AsyncIterator[bytes]:
        function, entry, args, kwargs = (prepared.function, prepared.entry, prepared.args,
                                         prepared.kwargs)
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[bytes | None] = asyncio.Queue()
        call = dispatcher.new_call(call_id) if call_id else _Call()
        for name in entry.events:
            event = threading.Event()
            call.events.append(event)
            kwargs[name] = event

        def callback(name: str) -> Callable[..., None]:
            def send(*cb_args: Any) -> None:
                line = dumps({"cb": name, "args": codec.encode(list(cb_args))})
                loop.call_soon_threadsafe(lines.put_nowait, line)
            return send

        for name in wanted:
            kwargs[name] = callback(name)

        def work() -> None:
            try:
                line = dumps({"ok": codec.encode(function(*args, **kwargs))})
            except BaseException as error:
                line = dumps(_error_body(codec, error))
            finally:
                discard(prepared.uploads)
            loop.call_soon_threadsafe(lines.put_nowait, line)
            loop.call_soon_threadsafe(lines.put_nowait, None)

        worker = threading.Thread(target=work, name="tutor-service-call", daemon=True)
        worker.start()
        try:
            while (line := await lines.get()) is not None:
                yield line
        finally:
            for event in call.events:   # the client went away: stop the answer / import
                if worker.is_alive():
                    event.set()
            if call_id:
                dispatcher.end_call(call_id)

    async def cancel(request: Request) -> Response:
        body = await read_json(request)
        return reply({"ok": dispatcher.cancel(str(body.get("call_id", "")))})

    async def upload(request: Request) -> Response:
        codec = dispatcher.codec()
        try:   # only staff import books: nobody else may fill the service's disk
            require_staff(dispatcher.sessions.resolve(request.headers.get("x-tutor-session", "")))
        except TutorError:   # the core's rule and message, whatever was wrong with the token
            return reply(_error_body(codec, NotAllowed()))
        name = Path(request.headers.get("x-file-name", "upload.pdf")).name or "upload.pdf"
        folder = Path(tempfile.mkdtemp(prefix="upload-", dir=dispatcher.upload_dir))
        target = folder / name
        size = 0
        try:
            with target.open("wb") as handle:
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > MAX_UPLOAD_BYTES:
                        raise BadRequest("file too large")
                    handle.write(chunk)
        except TutorError as error:
            shutil.rmtree(folder, ignore_errors=True)
            return reply(_error_body(codec, error))
        return reply({"ok": dispatcher.store_upload(name, target)})

    async def touch(request: Request) -> Response:
        codec = dispatcher.codec()
        body = await read_json(request)
        try:
            session = dispatcher.sessions.resolve(str(body.get("token", "")))
        except TutorError as error:
            return reply(_error_body(codec, error))
        if not session.expired:
            session.touch()
        return reply({"ok": not session.expired})

    async def end(request: Request) -> Response:
        body = await read_json(request)
        dispatcher.sessions.end(str(body.get("token", "")))
        return reply({"ok": True})

    async def health(_request: Request) -> Response:
        paths = dispatcher.services.paths
        return reply({"ok": {"protocol": PROTOCOL_VERSION, "data_dir": str(paths.data_dir),
                             "pid": os.getpid(), "uid": _uid()}})

    async def bad_request(request: Request, exc: Exception) -> Response:
        return reply(_error_body(dispatcher.codec(), exc), status=400)

    return Starlette(routes=[
        Route("/v1/call", call, methods=["POST"]),
        Route("/v1/cancel", cancel, methods=["POST"]),
        Route("/v1/upload", upload, methods=["POST"]),
        Route("/v1/session/touch", touch, methods=["POST"]),
        Route("/v1/session/end", end, methods=["POST"]),
        Route("/v1/health", health, methods=["GET"]),
    ], exception_handlers={BadRequest: bad_request})


def _uid() -> int:
    """This process's uid (-1 on Windows, which has none)."""
    geteuid = getattr(os, "geteuid", None)
    return int(geteuid()) if geteuid is not None else -1


class _KeyApp:
    """Loopback TCP: a request without the endpoint file's key gets 403, before routing.
    Reaching the port is not enough; reading the file (its ACL) is what lets a caller in."""

    def __init__(self, app: Any, key: str) -> None:
        self.app, self.key = app, key.encode()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(KEY_HEADER.encode(), b"")
            if not hmac.compare_digest(given, self.key):
                from starlette.responses import JSONResponse

                await JSONResponse({"error": {"type": "forbidden"}}, status_code=403)(
                    scope, receive, send)
                return
        await self.app(scope, receive, send)


class _PeerApp:
    """Puts the connecting account into the ASGI scope of every request on a connection."""

    def __init__(self, app: Any, peer: tuple[str, int | None]) -> None:
        self.app, (self.peer, self.uid) = app, peer

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope["tutor.peer"] = self.peer
        scope["tutor.peer_uid"] = self.uid
        await self.app(scope, receive, send)


def _peer_protocol() -> type:
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class PeerProtocol(H11Protocol):
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self.app = _PeerApp(self.app, _peer_of(transport.get_extra_info("socket")))

    return PeerProtocol


def bind_socket(path: Path, *, group: str | None = SERVICE_GROUP) -> socket.socket:
    """The listening socket, 0660 and owned by the ``tutor`` group before anyone can
    connect (bound under a tight umask, then opened up for the group only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISSOCK(path.lstat().st_mode):
            path.unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        sock.bind(str(path))
    finally:
        os.umask(old)
    if group:
        import grp

        with contextlib.suppress(KeyError, PermissionError):
            os.chown(path, -1, grp.getgrnam(group).gr_gid)
    os.chmod(path, SOCKET_MODE)
    sock.listen(64)
    sock.setblocking(False)
    return sock


def bind_loopback() -> socket.socket:
    """A TCP socket on 127.0.0.1, on a port the OS chooses (written to the endpoint file)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    return sock


class LocalService:
    """``tutor service`` in this process: the socket, the app and its uvicorn server.

    ``socket_path`` is a Unix socket, or an endpoint file (``*.json``: loopback TCP and a
    key, for Windows). ``run()`` blocks until ``stop()`` (or SIGTERM / Ctrl+C when run on
    the main thread). The chat model starts loading at once and stays loaded between
    students; sync runs here, whether or not a window is open.
    """

    def __init__(self, services: Services, socket_path: Path, *,
                 group: str | None = SERVICE_GROUP) -> None:
        import importlib

        import uvicorn

        # Starlette's streamed replies load anyio's asyncio backend by name on first use:
        # loaded now, the first student's first answer does not wait for it (~35-90 ms
        # measured by bench/service_bench.py's first round).
        importlib.import_module("anyio._backends._asyncio")

        self.services = services
        self.socket_path = Path(socket_path)
        self.upload_dir = services.paths.data_dir / "uploads"
        shutil.rmtree(self.upload_dir, ignore_errors=True)
        self.upload_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.dispatcher = Dispatcher(services, upload_dir=self.upload_dir)
        app: Any = build_app(self.dispatcher)
        if is_endpoint_file(self.socket_path):
            self.sock = bind_loopback()
            endpoint = Endpoint.new(self.sock.getsockname()[1])
            app = _KeyApp(app, endpoint.key)
            endpoint.write(self.socket_path)
        else:
            self.sock = bind_socket(self.socket_path, group=group)
        # Every protocol named, none "auto": uvicorn imports these by name at start, so
        # the PyInstaller spec lists exactly them (SERVICE_HIDDEN_IMPORTS, and a test).
        config = uvicorn.Config(app, http=_peer_protocol(), loop="asyncio", ws="none",
                                lifespan="off", log_level="warning", access_log=False,
                                timeout_keep_alive=30)
        self.server = uvicorn.Server(config)

    def run(self) -> None:
        self.services.models.start()
        self.services.sync_worker.start()
        # The window's status panel shows what the service sees (it talks to the model,
        # the providers and the hub): its monitor probes here, clients poll it.
        self.services.connectivity.start()
        restore = self._stop_on_signals()
        try:
            self.server.run(sockets=[self.sock])
        finally:
            restore()
            self.sock.close()
            with contextlib.suppress(OSError):
                self.socket_path.unlink()
            shutil.rmtree(self.upload_dir, ignore_errors=True)

    def _stop_on_signals(self) -> Callable[[], None]:
        """SIGTERM (systemd's stop) and Ctrl+C end ``run()`` normally, so the socket is
        removed and the caller closes the database. uvicorn, after its graceful shutdown,
        raises the signal again for the handler it found: this one, which only stops;
        with the default handler the process would die there, before any clean-up."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        import signal

        wanted = [getattr(signal, name) for name in ("SIGINT", "SIGTERM")
                  if hasattr(signal, name)]
        previous = {sig: signal.signal(sig, lambda *_args: self.stop()) for sig in wanted}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore

    def stop(self) -> None:
        self.server.should_exit = True
