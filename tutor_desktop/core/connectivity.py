"""Which services are reachable now: local model, remote providers, speech, sync API.

A background thread probes each service cheaply (``GET <provider>/models``, no
tokens spent; a plain GET of the sync API) and backs off while a service is
down, so an offline school does not hammer a dead 3G modem. Real answers feed
it too (:meth:`ConnectivityMonitor.report`, wired to the router), so the status
indicator reacts the moment a provider fails instead of at the next probe.

The window's status indicator and settings panel, and ``tutor doctor``, read
the same :class:`ServiceStatus` list. Listeners are called on the monitor's
thread (or the reporting thread): a Qt widget must hop to the GUI thread with a
signal (``ui/status_indicator.py`` does).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from tutor_desktop.core.config import Config
from tutor_desktop.core.i18n import tr

log = logging.getLogger(__name__)

Clock = Callable[[], float]


class ServiceState(StrEnum):
    UNKNOWN = "unknown"      # not checked yet
    OK = "ok"                # reachable / ready
    DEGRADED = "degraded"    # answers, but with errors (5xx, 429, paused)
    LOADING = "loading"      # the local model is being loaded (answers wait for it)
    DOWN = "down"            # unreachable / not installed / failed
    AUTH = "auth"            # reachable, API key rejected (teachers/IT must act)
    OFF = "off"              # not configured on this PC


class ServiceKind(StrEnum):
    LOCAL = "local"
    REMOTE = "remote"
    SPEECH = "speech"
    SYNC = "sync"


@dataclass(frozen=True)
class ProbeResult:
    state: ServiceState
    latency_ms: float | None = None
    error: str = ""          # a message id ("net_refused"), translated where it is shown,
                             # or a short technical text ("HTTP 503") shown as it is
    detail: str = ""         # what is there ("gemma3-270m", "vosk-model-mn")
    error_params: tuple[tuple[str, str], ...] = ()   # the message's {params}


@dataclass(frozen=True)
class ServiceStatus:
    """One line of the status panel."""

    name: str                # "local", "remote:<provider>", "speech", "sync"
    kind: ServiceKind
    label: str               # what to show: provider name, model name
    state: ServiceState = ServiceState.UNKNOWN
    last_error: str = ""     # a message id (translated where shown) or a technical text
    latency_ms: float | None = None
    checked_at: float | None = None   # monotonic seconds
    detail: str = ""
    paused: bool = False     # remote: circuit breaker open
    error_params: tuple[tuple[str, str], ...] = ()   # {params} of ``last_error``

    def error_text(self, language: str) -> str:
        """``last_error`` in ``language`` (the panel, the doctor): ids are translated there,
        so a Mongolian settings page never shows an English reason."""
        return tr(self.last_error, language, **dict(self.error_params)) if self.last_error else ""

    @property
    def usable(self) -> bool:
        """Can it answer now (as far as we know)?"""
        if self.paused:
            return False
        if self.kind is ServiceKind.REMOTE:
            return self.state is ServiceState.OK
        return self.state in (ServiceState.OK, ServiceState.DEGRADED, ServiceState.UNKNOWN,
                              ServiceState.LOADING)


class IndicatorMode(StrEnum):
    LOCAL = "local"
    ONLINE = "online"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Summary:
    """What the small indicator shows: who will answer the next question."""

    mode: IndicatorMode
    provider: str = ""       # for ONLINE: the provider's name
    online: bool = False     # is any remote service reachable at all

    def text(self, language: str = "en") -> str:
        if self.mode is IndicatorMode.ONLINE:
            return tr("status_online_via", language, provider=self.provider)
        if self.mode is IndicatorMode.LOCAL:
            return tr("status_local_model", language)
        return tr("status_offline", language)


@dataclass
class ServiceProbe:
    """A service and how to check it. ``probe`` may block (network): it runs off the GUI."""

    name: str
    kind: ServiceKind
    label: str
    probe: Callable[[], ProbeResult]


# --- probes ---------------------------------------------------------------------------
def http_probe(url: str, *, timeout_s: float = 5.0) -> Callable[[], ProbeResult]:
    """GET ``url``: any answer below 500 means reachable (the sync API)."""
    import httpx

    return request_probe(lambda: httpx.get(url, timeout=httpx.Timeout(timeout_s)))


def remote_probe(backend: Any, timeout_s: float = 5.0) -> Callable[[], ProbeResult]:
    """Probe a :class:`RemoteBackend` with its own client and key (``GET /models``)."""
    return request_probe(lambda: backend.probe(timeout_s))


def request_probe(send: Callable[[], Any]) -> Callable[[], ProbeResult]:
    """Time ``send()`` (an httpx request) and classify the outcome.

    Below 500 is reachable (a provider without ``/models`` answers 404: still up);
    401/403 means the key is wrong; 429 and 5xx mean up but failing.
    """
    import httpx

    def probe() -> ProbeResult:
        started = time.perf_counter()
        try:
            response = send()
        except httpx.TimeoutException:
            return ProbeResult(ServiceState.DOWN, error="net_timed_out")
        except httpx.ConnectError as exc:
            return ProbeResult(ServiceState.DOWN, error=_connect_reason(exc))
        except httpx.HTTPError as exc:
            return ProbeResult(ServiceState.DOWN, error="net_error",
                               error_params=(("kind", type(exc).__name__),))
        latency = (time.perf_counter() - started) * 1000
        status = int(response.status_code)
        if status in (401, 403):
            return ProbeResult(ServiceState.AUTH, latency, "service_key_rejected",
                               error_params=(("status", str(status)),))
        if status == 429 or status >= 500:
            return ProbeResult(ServiceState.DEGRADED, latency, f"HTTP {status}")
        return ProbeResult(ServiceState.OK, latency)

    return probe


def _connect_reason(exc: Exception) -> str:
    text = str(exc).lower()
    if "refused" in text:
        return "net_refused"
    if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
        return "net_no_dns"
    if "unreachable" in text:
        return "net_unreachable"
    return "net_cannot_connect"


def model_manager_probe(manager: Any) -> Callable[[], ProbeResult]:
    """The local model's state from the model manager (no work, no waiting)."""

    def probe() -> ProbeResult:
        status = manager.status
        state = str(getattr(status.state, "value", status.state))
        model = str(status.model or "")
        if state == "ready":
            return ProbeResult(ServiceState.OK, detail=model)
        if state == "loading":
            return ProbeResult(ServiceState.LOADING, detail=model)
        if state == "not_installed":
            return ProbeResult(ServiceState.DOWN, error="status_no_local_model")
        if state == "failed":
            notices = list(getattr(status, "notices", ()))
            if notices:   # the first reason, translated where it is shown
                first = notices[0]
                params = tuple((str(k), str(v)) for k, v in dict(first.params).items())
                return ProbeResult(ServiceState.DOWN, error=first.message_id,
                                   error_params=params, detail=model)
            return ProbeResult(ServiceState.DOWN, error="status_model_load_failed", detail=model)
        return ProbeResult(ServiceState.UNKNOWN)

    return probe


def speech_probe(speech: Any, language: str) -> Callable[[], ProbeResult]:
    """Can voice questions be recognised (local Vosk model, or the remote service)?"""

    def probe() -> ProbeResult:
        started = time.perf_counter()
        availability = speech.recognition_availability(language, check_remote=True)
        latency = (time.perf_counter() - started) * 1000
        if availability.available:
            return ProbeResult(ServiceState.OK, latency, detail=availability.recognizer)
        # The message id, translated in the panel, with its detail as the {reason}.
        params = (("reason", availability.detail),) if availability.detail else ()
        return ProbeResult(ServiceState.DOWN, latency, availability.reason, error_params=params)

    return probe


# --- the monitor ------------------------------------------------------------------------
Listener = Callable[[list[ServiceStatus]], None]


class ConnectivityMonitor:
    """Probes services in the background and keeps their latest status."""

    def __init__(self, probes: Sequence[ServiceProbe], *, interval_s: float = 60.0,
                 retry_s: float = 5.0, max_backoff_s: float = 300.0,
                 policy: Callable[[], str] | str = "local-first",
                 clock: Clock = time.monotonic) -> None:
        self.probes = {p.name: p for p in probes}
        self.interval_s = interval_s
        self.retry_s = retry_s
        self.max_backoff_s = max_backoff_s
        self._policy = policy
        self.clock = clock
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._status = {p.name: ServiceStatus(p.name, p.kind, p.label) for p in probes}
        self._failures = dict.fromkeys(self._status, 0)
        self._next_at = dict.fromkeys(self._status, 0.0)
        self._listeners: list[Listener] = []
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.probe_count = 0

    # -- reading ------------------------------------------------------------------
    def statuses(self) -> list[ServiceStatus]:
        """Local model first, then remote providers in chain order, speech, sync."""
        order = {ServiceKind.LOCAL: 0, ServiceKind.REMOTE: 1, ServiceKind.SPEECH: 2,
                 ServiceKind.SYNC: 3}
        with self._lock:
            items = list(self._status.values())
        return sorted(items, key=lambda s: order[s.kind])

    def status(self, name: str) -> ServiceStatus | None:
        with self._lock:
            return self._status.get(name)

    def next_probe_in(self, name: str) -> float:
        """Seconds until ``name`` is probed again (grows while it stays down)."""
        with self._lock:
            return max(0.0, self._next_at.get(name, 0.0) - self.clock())

    @property
    def policy(self) -> str:
        return self._policy() if callable(self._policy) else self._policy

    def summary(self) -> Summary:
        """Who will answer the next question, by the routing policy and what is up."""
        statuses = self.statuses()
        local = next((s for s in statuses if s.kind is ServiceKind.LOCAL), None)
        remotes = [s for s in statuses if s.kind is ServiceKind.REMOTE]
        online_remote = next((s for s in remotes if s.usable), None)
        online = online_remote is not None or any(
            s.kind is ServiceKind.SYNC and s.state is ServiceState.OK for s in statuses)
        local_ok = local is not None and local.usable
        policy = self.policy
        if policy == "remote-first" and online_remote is not None:
            return Summary(IndicatorMode.ONLINE, online_remote.label, online)
        if local_ok:
            return Summary(IndicatorMode.LOCAL, "", online)
        if policy != "local-only" and online_remote is not None:
            return Summary(IndicatorMode.ONLINE, online_remote.label, online)
        return Summary(IndicatorMode.OFFLINE, "", online)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """``listener(statuses)`` on every change; returns an unsubscribe function."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    # -- feeding --------------------------------------------------------------------
    def check_now(self, names: Sequence[str] | None = None) -> list[ServiceStatus]:
        """Probe now, on this thread (``tutor doctor``, the panel's "check again")."""
        for name in names or list(self.probes):
            self._probe(name)
        return self.statuses()

    def wake(self) -> None:
        """Probe everything soon (the network came back, settings changed)."""
        with self._lock:
            for name in self._next_at:
                self._next_at[name] = 0.0
            self._wake.notify_all()

    def report(self, name: str, ok: bool, latency_s: float, error: str = "") -> None:
        """A real request's outcome (from the router): the freshest evidence there is."""
        with self._lock:
            current = self._status.get(name)
            if current is None:
                return
            if ok:
                new = replace(current, state=ServiceState.OK, last_error="",
                              latency_ms=latency_s * 1000, checked_at=self.clock())
                self._failures[name] = 0
                self._next_at[name] = self.clock() + self.interval_s
            else:
                error_id = error or "status_request_failed"
                state = ServiceState.AUTH if error == "remote_key_rejected" else (
                    ServiceState.DEGRADED if error in ("remote_rate_limited",
                                                        "remote_server_error")
                    else ServiceState.DOWN)
                new = replace(current, state=state, last_error=error_id,
                              error_params=(("provider", current.label),),
                              checked_at=self.clock())
                self._failures[name] += 1
                self._next_at[name] = self.clock() + self._backoff(name)
            changed = self._set(name, new)
            self._wake.notify_all()
        if changed:
            self._emit()

    def note_breaker(self, name: str, state: str) -> None:
        """The router paused (circuit breaker open) or resumed a provider."""
        with self._lock:
            current = self._status.get(name)
            if current is None:
                return
            changed = self._set(name, replace(current, paused=(state == "open")))
        if changed:
            self._emit()

    def refresh(self, name: str) -> None:
        """Re-read a cheap, local probe now (the model manager changed state)."""
        threading.Thread(target=self._probe, args=(name,), daemon=True).start()

    # -- the thread -------------------------------------------------------------------
    def start(self) -> ConnectivityMonitor:
        with self._lock:
            if self._thread is None:
                self._stopping = False
                self._thread = threading.Thread(target=self._loop, daemon=True,
                                                name="connectivity")
                self._thread.start()
        return self

    def close(self) -> None:
        with self._lock:
            self._stopping = True
            self._wake.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=6)

    def _loop(self) -> None:
        while True:
            with self._lock:
                if self._stopping:
                    return
                now = self.clock()
                due = [n for n, at in self._next_at.items() if at <= now]
                if not due:
                    wait = min(self._next_at.values(), default=now + self.interval_s) - now
                    self._wake.wait(timeout=max(0.05, min(wait, self.interval_s)))
                    continue
            for name in due:
                if self._stopping:
                    return
                self._probe(name)

    def _probe(self, name: str) -> None:
        probe = self.probes.get(name)
        if probe is None:
            return
        try:
            result = probe.probe()
        except Exception as exc:  # a broken probe must not kill the monitor
            log.warning("probe %s failed: %s", name, type(exc).__name__)
            result = ProbeResult(ServiceState.DOWN, error=type(exc).__name__)
        with self._lock:
            self.probe_count += 1
            current = self._status[name]
            ok = result.state in (ServiceState.OK, ServiceState.OFF)
            self._failures[name] = 0 if ok else self._failures[name] + 1
            self._next_at[name] = self.clock() + (self.interval_s if ok else self._backoff(name))
            changed = self._set(name, replace(
                current, state=result.state, last_error=result.error,
                error_params=result.error_params,
                latency_ms=result.latency_ms if result.latency_ms is not None
                else current.latency_ms,
                detail=result.detail or current.detail, checked_at=self.clock()))
        if changed:
            self._emit()

    def _backoff(self, name: str) -> float:
        """5 s, 10 s, 20 s … up to ``max_backoff_s`` while a service stays down."""
        failures = max(1, self._failures[name])
        return float(min(self.max_backoff_s, self.retry_s * 2 ** (failures - 1)))

    def _set(self, name: str, new: ServiceStatus) -> bool:
        old = self._status[name]
        self._status[name] = new
        return (old.state, old.last_error, old.error_params, old.paused, old.detail) != (
            new.state, new.last_error, new.error_params, new.paused, new.detail)

    def _emit(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        snapshot = self.statuses()
        for listener in listeners:
            try:
                listener(snapshot)
            except Exception:
                log.exception("connectivity listener failed")


# --- building it from the configuration ---------------------------------------------------
def build_probes(config: Config, *, remotes: Sequence[Any] = (), model_manager: Any = None,
                 speech: Any = None) -> list[ServiceProbe]:
    """One probe per service the status panel lists."""
    probes: list[ServiceProbe] = []
    if model_manager is not None:
        probes.append(ServiceProbe("local", ServiceKind.LOCAL, "local model",
                                   model_manager_probe(model_manager)))
    for backend in remotes:
        probes.append(ServiceProbe(backend.label, ServiceKind.REMOTE, backend.provider_name,
                                   remote_probe(backend)))
    if speech is not None:
        probes.append(ServiceProbe("speech", ServiceKind.SPEECH, "speech",
                                   speech_probe(speech, config.language)))
    if config.cloud_api_url:
        probes.append(ServiceProbe("sync", ServiceKind.SYNC, "sync API",
                                   http_probe(config.cloud_api_url)))
    return probes


# --- tutor doctor ----------------------------------------------------------------------------
def doctor_lines(statuses: Sequence[ServiceStatus]) -> list[tuple[str, str, str, str]]:
    """(name, OK|WARN|FAIL, detail, hint) per service, for ``tutor doctor``."""
    lines: list[tuple[str, str, str, str]] = []
    for status in statuses:
        latency = f", {status.latency_ms:.0f} ms" if status.latency_ms is not None else ""
        what = f"{status.label}: {status.state.value}{latency}"
        if status.detail:
            what += f" ({status.detail})"
        if status.last_error:
            what += f"; last error: {status.error_text('en')}"
        if status.paused:
            what += "; paused after repeated failures"
        name = f"status:{status.name}"
        if status.state is ServiceState.OK and not status.paused:
            lines.append((name, "OK", what, ""))
        elif status.kind is ServiceKind.LOCAL and status.state in (ServiceState.UNKNOWN,
                                                                   ServiceState.LOADING):
            lines.append((name, "OK", what + "; it loads when the app starts", ""))
        elif status.state is ServiceState.AUTH:
            lines.append((name, "FAIL", what,
                          "The API key was rejected: set the right key in the settings."))
        elif status.kind is ServiceKind.LOCAL and status.state is ServiceState.DOWN:
            lines.append((name, "FAIL", what, "Run `tutor models install-default`."))
        elif status.kind in (ServiceKind.REMOTE, ServiceKind.SYNC):
            lines.append((name, "WARN", what,
                          "Offline is fine: the local model answers. Check the network."))
        else:
            lines.append((name, "WARN", what, ""))
    return lines
