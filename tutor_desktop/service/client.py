"""The window's and the terminal's side of ``tutor service``: proxies with the core's interface.

:func:`connect` returns a :class:`ClientServices` — the same typed ``Services`` the
window and the terminal get in-process — whose fields forward each whitelisted call
over the socket (:mod:`tutor_desktop.service.api`). Callers do not change: a
``tutor.ask(session, …, on_delta=print)`` streams deltas back as they come,
``library.import_file(session, path, meta, progress=…)`` sends the file's bytes and reports
progress, and a :class:`TutorError` raised in the service is raised here as the same
class. What stays in this process: the microphone, OCR of a pasted picture, the
config file. What cannot work through the service yet raises
:class:`NotOfferedByService`, a translated message, never an ``AttributeError``.

The session a sign-in returns is a :class:`RemoteSession`: the same public attributes
the window reads (``user``, ``is_student``, ``expired``…) around an opaque token the
service resolves to its own session on every call.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx

from tutor_desktop.core.accounts import AccountService, Session, User
from tutor_desktop.core.config import Config
from tutor_desktop.core.connectivity import (
    ConnectivityMonitor,
    ServiceKind,
    ServiceProbe,
    ServiceStatus,
    Summary,
    speech_probe,
)
from tutor_desktop.core.conversations import ConversationStore
from tutor_desktop.core.grounding.exam import ExamStore
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.library.service import Library
from tutor_desktop.core.llm.manager import ModelManager, ModelStatus
from tutor_desktop.core.llm.router import RoutingSettings
from tutor_desktop.core.ocr import TesseractEngine
from tutor_desktop.core.paths import AppPaths
from tutor_desktop.core.progress import ProgressService
from tutor_desktop.core.retrieval.hybrid import HybridRetriever
from tutor_desktop.core.safety import SafetyGuard
from tutor_desktop.core.safety.events import SafetyEventStore
from tutor_desktop.core.speech import SpeechService
from tutor_desktop.core.speech.remote import RemoteRecognizer
from tutor_desktop.core.storage.settings import PcSettings
from tutor_desktop.core.sync.client import SyncClient
from tutor_desktop.core.tutor import TutorService
from tutor_desktop.service.address import KEY_HEADER, Endpoint, is_endpoint_file
from tutor_desktop.service.api import lookup
from tutor_desktop.service.codec import Codec, WireError
from tutor_desktop.service.errors import (
    BadRequest,
    NotOfferedByService,
    ServiceSocketDenied,
    ServiceUnreachable,
)

TOUCH_EVERY_S = 20.0
CANCEL_POLL_S = 0.05
STATUS_POLL_S = 1.0
CONNECTIVITY_POLL_S = 5.0


@dataclass
class RemoteSession(Session):
    """A session held by the service; this side only knows its token and its user."""

    token: str = field(default="", repr=False, compare=False)
    link: ServiceLink | None = field(default=None, repr=False, compare=False)
    _last_sent: float = field(default=0.0, repr=False, compare=False)

    def touch(self) -> None:
        """Activity here (a key press) keeps the service's session alive too, sent at
        most every :data:`TOUCH_EVERY_S` seconds."""
        super().touch()
        if self.link is not None and self.last_activity - self._last_sent >= TOUCH_EVERY_S:
            self._last_sent = self.last_activity
            with contextlib.suppress(TutorError, httpx.HTTPError):
                self.link.post("/v1/session/touch", {"token": self.token})

    def end(self) -> None:
        """Sign out: the service forgets the token."""
        if self.link is not None:
            with contextlib.suppress(TutorError, httpx.HTTPError):
                self.link.post("/v1/session/end", {"token": self.token})


class ServiceLink:
    """One connection to the service: the HTTP client, the codec, the acting session.

    ``transport`` is injected so tests and the bench can swap it; by default it is
    httpx's Unix-socket transport, or loopback TCP with the key of an endpoint file
    (``*.json``, Windows: :mod:`tutor_desktop.service.address`), read when first needed
    and again after the service restarted (a new port and key).
    """

    def __init__(self, socket_path: Path, *,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.socket_path = Path(socket_path)
        self._endpoint = transport is None and is_endpoint_file(self.socket_path)
        self._http: httpx.Client | None = None
        self._closed = False
        if not self._endpoint:
            self._http = httpx.Client(
                transport=transport or httpx.HTTPTransport(uds=str(self.socket_path)),
                base_url="http://tutor-service", timeout=self._timeout())
        # The last signed-in session: the speech service's transcription, which takes
        # none, carries it; every other call passes its own.
        self.actor: RemoteSession | None = None
        self.codec = Codec(session_ref=self._ref, session_for=self._session,
                           allow_paths=True)

    def _ref(self, value: Any) -> dict[str, Any] | None:
        if isinstance(value, RemoteSession):
            return {"$session": value.token}
        return None

    def _session(self, form: dict[str, Any]) -> RemoteSession:
        user = self.codec.decode(form.get("user"))
        if not isinstance(user, User):
            raise TutorError()
        session = RemoteSession(user=user, idle_limit_s=float(form.get("idle_limit_s", 600)),
                                token=str(form["$session"]), link=self)
        session._last_sent = session.last_activity
        self.actor = session
        return session

    @staticmethod
    def _timeout() -> httpx.Timeout:
        return httpx.Timeout(30.0, read=None)

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            if self._closed:
                raise ServiceUnreachable(self.socket_path)
            endpoint = self._read_endpoint()
            self._http = httpx.Client(base_url=endpoint.url, timeout=self._timeout(),
                                      headers={KEY_HEADER: endpoint.key}, trust_env=False)
        return self._http

    def _read_endpoint(self) -> Endpoint:
        try:
            return Endpoint.read(self.socket_path)
        except PermissionError:   # the installer's ACL: this account may not use it
            raise ServiceSocketDenied(self.socket_path) from None
        except (OSError, ValueError, KeyError):
            raise ServiceUnreachable(self.socket_path) from None

    def close(self) -> None:
        self._closed = True
        if self._http is not None:
            self._http.close()

    # -- plumbing -------------------------------------------------------------------
    def _check_socket(self) -> None:
        if self._endpoint:
            self._read_endpoint()
            return
        try:
            self.socket_path.stat()
        except PermissionError:   # its folder is the service group's: not ours
            raise ServiceSocketDenied(self.socket_path) from None
        except OSError:
            raise ServiceUnreachable(self.socket_path) from None
        if not os.access(self.socket_path, os.R_OK | os.W_OK):
            raise ServiceSocketDenied(self.socket_path)

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        if self._closed or self.http.is_closed:   # a late event after sign-off: typed
            raise ServiceUnreachable(self.socket_path)
        try:
            yield
        except httpx.TransportError as exc:
            if self._endpoint and self._http is not None:   # restarted: new port and key
                self._http.close()
                self._http = None
            if isinstance(exc.__cause__, PermissionError) or "Permission denied" in str(exc):
                raise ServiceSocketDenied(self.socket_path) from None
            raise ServiceUnreachable(self.socket_path) from None

    def _result(self, payload: dict[str, Any]) -> Any:
        if payload.get("error") == {"type": "forbidden"}:   # a key the service rejects
            raise ServiceSocketDenied(self.socket_path)
        if "error" in payload:
            raise self.codec.decode_error(payload["error"])
        return self.codec.decode(payload.get("ok"))

    def post(self, path: str, body: dict[str, Any]) -> Any:
        with self._errors():
            response = self.http.post(path, json=body)
        return self._result(response.json())

    def health(self) -> dict[str, Any]:
        self._check_socket()
        with self._errors():
            result: dict[str, Any] = self._result(self.http.get("/v1/health").json())
        return result

    def upload(self, path: Path, session: RemoteSession | None) -> str:
        """Send a file's bytes; the service keeps its own copy for the call. ``session``
        is the call's own: the service takes bytes only from staff (its disk)."""
        path = Path(path)
        with self._errors(), path.open("rb") as handle:
            response = self.http.post("/v1/upload", content=iter(lambda: handle.read(1 << 20),
                                                                 b""),
                                      headers={"x-file-name": path.name,
                                               "x-tutor-session": session.token
                                               if session else ""})
        return str(self._result(response.json()))

    def call(self, service: str, method: str, kwargs: dict[str, Any]) -> Any:
        entry = lookup(service, method)
        if entry is None:
            raise NotOfferedByService(f"{service}.{method}")
        callbacks: dict[str, Callable[..., Any]] = {}
        events: list[threading.Event] = []
        for name in entry.callbacks:
            function = kwargs.pop(name, None)
            if function is not None:
                callbacks[name] = function
        for name in entry.events:
            event = kwargs.pop(name, None)
            if event is not None:
                events.append(event)
        caller = next((v for v in kwargs.values() if isinstance(v, RemoteSession)), None)
        for name in entry.uploads:
            if kwargs.get(name) is not None:
                kwargs[name] = self.upload(kwargs[name], caller)
        try:
            encoded = self.codec.encode(kwargs)
        except WireError as exc:   # e.g. a function where the service expects data
            raise BadRequest(str(exc)) from None
        body: dict[str, Any] = {"service": service, "method": method, "args": [],
                                "kwargs": encoded}
        if not callbacks and not events:
            return self.post("/v1/call", body)
        body["callbacks"] = sorted(callbacks)
        body["call_id"] = uuid.uuid4().hex
        return self._stream(body, callbacks, events)

    def _stream(self, body: dict[str, Any], callbacks: dict[str, Callable[..., Any]],
                events: list[threading.Event]) -> Any:
        done = threading.Event()

        def watch() -> None:   # a stop button / Ctrl+C here stops the answer there
            while not done.wait(CANCEL_POLL_S):
                if any(event.is_set() for event in events):
                    with contextlib.suppress(TutorError, httpx.HTTPError):
                        self.post("/v1/cancel", {"call_id": body["call_id"]})
                    return

        watcher = threading.Thread(target=watch, name="tutor-service-cancel", daemon=True)
        if events:
            watcher.start()
        try:
            with self._errors(), self.http.stream("POST", "/v1/call", json=body) as response:
                for line in response.iter_lines():
                    if not line:
                        continue
                    message = json.loads(line)
                    if "cb" in message:
                        function = callbacks.get(str(message["cb"]))
                        if function is not None:
                            function(*self.codec.decode(message.get("args") or []))
                        continue
                    return self._result(message)
        finally:
            done.set()
        raise ServiceUnreachable(self.socket_path)   # the stream ended without a result


class RemoteService:
    """A core service on the other side of the socket, with the core class's signatures:
    arguments are bound here (a wrong call fails here, as in-process) and sent by name."""

    def __init__(self, link: ServiceLink, name: str, spec: type) -> None:
        self._link, self._name, self._spec = link, name, spec

    def __getattr__(self, method: str) -> Any:
        if method.startswith("_") or lookup(self._name, method) is None:
            return _NotOffered(f"{self._name}.{method}")
        signature = inspect.signature(getattr(self._spec, method))

        def remote(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(None, *args, **kwargs)
            arguments = dict(bound.arguments)
            arguments.pop(next(iter(signature.parameters)), None)   # self
            for name, parameter in signature.parameters.items():
                if parameter.kind is inspect.Parameter.VAR_KEYWORD and name in arguments:
                    arguments.update(arguments.pop(name))
            return self._link.call(self._name, method, arguments)

        remote.__name__ = method
        return remote

    def close(self) -> None:
        """Nothing to close here: the service owns the resource."""


class _NotOffered:
    """Stands in for what the service does not offer: calling it says so, translated."""

    def __init__(self, feature: str) -> None:
        self._feature = feature

    def __call__(self, *_args: Any, **_kwargs: Any) -> Any:
        raise NotOfferedByService(self._feature)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _NotOffered(f"{self._feature}.{name}")


class RemoteSafety(RemoteService):
    """``services.safety`` with its teacher's list (``safety.events``) as a sub-service;
    the e5 classifier lives in the service (``classifier.warm`` is then nothing to do)."""

    def __init__(self, link: ServiceLink) -> None:
        super().__init__(link, "safety", SafetyGuard)
        self.events = RemoteService(link, "safety.events", SafetyEventStore)
        self.classifier = _Idle()


class _Idle:
    """Background work that runs in the service, not here (warming models, sync, exams)."""

    def __getattr__(self, name: str) -> Callable[..., None]:
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *_args, **_kwargs: None


class RemoteModels(RemoteService):
    """The chat model in the service: its status is polled (a callback cannot cross)."""

    def __init__(self, link: ServiceLink) -> None:
        super().__init__(link, "models", ModelManager)
        self._listeners: list[Callable[[ModelStatus], None]] = []
        self._closed = threading.Event()
        self._poller: threading.Thread | None = None

    @property
    def status(self) -> ModelStatus:
        result: ModelStatus = self._link.call("models", "status", {})
        return result

    def subscribe(self, listener: Callable[[ModelStatus], None]) -> None:
        self._listeners.append(listener)
        if self._poller is None:
            self._poller = threading.Thread(target=self._poll, name="tutor-model-status",
                                            daemon=True)
            self._poller.start()

    def unsubscribe(self, listener: Callable[[ModelStatus], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def _poll(self) -> None:
        last: ModelStatus | None = None
        while not self._closed.wait(STATUS_POLL_S if last is not None else 0):
            with contextlib.suppress(TutorError, httpx.HTTPError):
                status = self.status
                if status != last:
                    last = status
                    for listener in list(self._listeners):
                        listener(status)

    def close(self, timeout: float = 0.0) -> None:
        self._closed.set()


# The status panel's order: local model, remote providers, speech, sync (as in-process).
_KIND_ORDER = {ServiceKind.LOCAL: 0, ServiceKind.REMOTE: 1, ServiceKind.SPEECH: 2,
               ServiceKind.SYNC: 3}


class RemoteConnectivity(ConnectivityMonitor):
    """The service's connectivity monitor, as the window's status indicator and panel read
    it: the service is the one that talks to the model, the providers and the hub, so its
    view is the true one. Polled (a listener cannot cross the socket); "check now" runs
    the service's probes. Real answers are reported to the service's monitor by its own
    router, so ``report``/``note_breaker`` have nothing to do here.

    ``local`` probes run on this side and replace the service's line of the same name:
    speech (the microphone and the speech models the window records and recognises with
    are this side's), probed every ``interval_s`` as in-process."""

    def __init__(self, link: ServiceLink, *, local: list[ServiceProbe] | None = None,
                 poll_s: float = CONNECTIVITY_POLL_S, interval_s: float = 60.0) -> None:
        super().__init__(local or [], interval_s=interval_s)
        self._link = link
        self._remote: list[ServiceStatus] = []
        self._summary: Summary | None = None
        self._poll_s = poll_s

    def statuses(self) -> list[ServiceStatus]:
        with self._lock:
            own = list(self._status.values())
            remote = [s for s in self._remote if s.name not in self._status]
        return sorted(remote + own, key=lambda s: _KIND_ORDER[s.kind])

    def status(self, name: str) -> ServiceStatus | None:
        return next((s for s in self.statuses() if s.name == name), None)

    def summary(self) -> Summary:
        with self._lock:
            summary = self._summary
        return summary if summary is not None else super().summary()

    def check_now(self, names: Any = None) -> list[ServiceStatus]:
        wanted = list(names) if names else None
        remote = [n for n in wanted if n not in self.probes] if wanted else None
        if wanted is None or remote:
            checked: list[ServiceStatus] = self._link.call(
                "connectivity", "check_now", {"names": remote})
            self._update(checked, self._link.call("connectivity", "summary", {}))
        for name in self.probes:
            if wanted is None or name in wanted:
                self._probe(name)
        return self.statuses()

    def report(self, name: str, ok: bool, latency_s: float, error: str = "") -> None:
        """Reported in the service by its router."""

    def note_breaker(self, name: str, state: str) -> None:
        """Noted in the service by its router."""

    def refresh(self, name: str) -> None:
        self.wake()

    def _update(self, statuses: list[ServiceStatus], summary: Summary) -> None:
        with self._lock:
            changed = statuses != self._remote or summary != self._summary
            self._remote, self._summary = list(statuses), summary
        if changed:
            self._emit()

    def poll(self) -> None:
        """One read of the service's statuses (the thread's loop; tests call it too)."""
        self._update(self._link.call("connectivity", "statuses", {}),
                     self._link.call("connectivity", "summary", {}))

    def _loop(self) -> None:
        while True:
            with contextlib.suppress(TutorError, httpx.HTTPError):
                self.poll()
            for name in list(self.probes):
                with self._lock:
                    due = self._next_at[name] <= self.clock() and not self._stopping
                if due:
                    self._probe(name)
            with self._lock:
                if self._stopping:
                    return
                self._wake.wait(timeout=self._poll_s)
                if self._stopping:
                    return


class RemoteSpeech(SpeechService):
    """Speech in a window connected to ``tutor service``: the microphone and the local
    speech models stay here (they belong to the person at the PC), while the online speech
    service — its address and the school's key — belongs to the service: an admin saves
    them there, and a recording for it is recognised there, so the key never reaches the
    desktop account."""

    def __init__(self, link: ServiceLink, config: Config, model_dirs: list[Path]) -> None:
        super().__init__(config, model_dirs, None)
        self._link = link

    def remote_url(self) -> str:
        try:
            return str(self._link.call("speech", "remote_url", {}) or "")
        except TutorError:   # a service that does not answer: local speech still works
            return ""

    @property
    def remote_url_locked(self) -> bool:
        return bool(self._link.call("speech", "remote_url_locked", {}))

    def configure_remote(self, session: Any, url: str, key: str | None = None) -> None:
        self._link.call("speech", "configure_remote",
                        {"session": session, "url": url, "key": key})
        with self._lock:   # the next check and recording use the new service
            self._remotes.clear()
            self._remote_up_until.clear()

    def remote_engine(self, language: str) -> Any:
        url = self.remote_url()
        if not url:
            return None
        with self._lock:
            engine: Any = self._remotes.get(language)
            if not isinstance(engine, ServiceSpeechEngine) or engine.url != url:
                engine = ServiceSpeechEngine(self._link, url, language)
                self._remotes[language] = engine
            return engine


class ServiceSpeechEngine:
    """The online speech service as the window's recogniser list sees it; each recording
    is sent to ``tutor service``, which forwards it with the school's key."""

    local = False

    def __init__(self, link: ServiceLink, url: str, language: str) -> None:
        from urllib.parse import urlsplit

        self._link, self.url, self._language = link, url, language
        self._host = urlsplit(url).hostname or url
        self.last_error = ""
        self._down_until = 0.0

    @property
    def name(self) -> str:
        return f"remote:{self._host}"

    @property
    def language(self) -> str:
        return self._language

    @property
    def known_down(self) -> bool:
        return time.monotonic() < self._down_until

    def prepare(self) -> None:
        """Nothing to load."""

    def probe(self) -> bool:
        """The service probes the provider (the key and the network are on its side)."""
        try:
            ok, error = self._link.call("speech", "remote_status",
                                        {"language": self._language})
        except TutorError as exc:
            ok, error = False, type(exc).__name__
        self.last_error = "" if ok else str(error)
        self._down_until = 0.0 if ok else time.monotonic() + 60.0
        return bool(ok)

    def recognizer(self, grammar: Any = None, partials: bool = True) -> RemoteRecognizer:
        return RemoteRecognizer(self)  # the service recognises it when the student lets go

    def transcribe(self, pcm: bytes) -> str:
        try:
            text: str = self._link.call("speech", "transcribe_remote",
                                        {"session": self._link.actor, "pcm": pcm,
                                         "language": self._language})
        except TutorError as error:
            self.last_error = str(error.params.get("reason", "")) or type(error).__name__
            self._down_until = time.monotonic() + 60.0
            raise
        self._down_until = 0.0
        return text


class _Unavailable:
    """A field with no meaning on this side (the database, the secret store)."""

    def __init__(self, feature: str) -> None:
        self._feature = feature

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name == "close":
            return lambda *_a, **_k: None
        return _NotOffered(f"{self._feature}.{name}")


def connect(socket_path: Path, paths: AppPaths, config: Config, *,
            transport: httpx.BaseTransport | None = None) -> Any:
    """The window's and the terminal's ``Services``, every core field a proxy.

    Raises :class:`ServiceUnreachable` / :class:`ServiceSocketDenied` when the service
    cannot be reached, before anything else is built.
    """
    from tutor_desktop.composition import Services

    link = ServiceLink(socket_path, transport=transport)
    if transport is None:
        link.health()

    def remote(name: str, spec: type) -> Any:
        return RemoteService(link, name, spec)

    idle = cast(Any, _Idle())
    # The microphone belongs to the desktop user: recorded and recognised here (the
    # online speech service's key stays in the service, which forwards recordings), so
    # the status panel's speech line is this side's too.
    speech = RemoteSpeech(link, config, paths.model_dirs(config.models_dir))
    connectivity = RemoteConnectivity(link, local=[ServiceProbe(
        "speech", ServiceKind.SPEECH, "speech", speech_probe(speech, config.language))])
    services = Services(
        paths=paths, config=config,
        db=cast(Any, _Unavailable("database")), secrets=cast(Any, _Unavailable("secrets")),
        accounts=remote("accounts", AccountService),
        conversations=remote("conversations", ConversationStore),
        models=cast(Any, RemoteModels(link)), embedder=None,
        library=remote("library", Library), retriever=remote("retriever", HybridRetriever),
        router=cast(Any, _Unavailable("router")), routing=remote("routing", RoutingSettings),
        cache=cast(Any, _Unavailable("cache")),
        pc_settings=remote("pc_settings", PcSettings),
        speech=speech, connectivity=connectivity,
        safety=cast(Any, RemoteSafety(link)), tutor=remote("tutor", TutorService),
        exams=remote("exams", ExamStore), exam_runner=idle,
        progress=remote("progress", ProgressService), sync=remote("sync", SyncClient),
        # Textbook packs are fetched by the service's own sync worker.
        sync_worker=idle, packs=cast(Any, _Unavailable("packs")), ocr=TesseractEngine(),
        service_link=link)
    return services


def wait_for_socket(socket_path: Path, timeout: float = 60.0,
                    transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """Until the service answers its health check (start-up loads the database)."""
    deadline = time.monotonic() + timeout
    link = ServiceLink(socket_path, transport=transport)
    try:
        while True:
            try:
                return link.health()
            except ServiceUnreachable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        link.close()
