"""Routing answers over local and remote models, with retries, breakers and fallback.

Schools are sometimes online: a remote model gives better answers then, but a
flaky 3G link must never leave a student staring at a spinner. The router tries
an ordered chain of backends chosen by the routing policy:

* ``local-first`` (default): the local model; remote providers only when it is
  missing or fails;
* ``remote-first``: the configured providers in order (fast and cheap first,
  expensive last), the local model as the last resort;
* ``local-only``: never leave the PC.

Per remote provider: one retry with exponential backoff and jitter on retryable
errors (connect errors, 429 honouring ``Retry-After``, 5xx), none on auth errors
(the key is reported to teachers, never to students), and a circuit breaker so a
dead provider costs nothing until it may have recovered.

A stream that breaks mid-answer is never silently duplicated or lost: the text
already shown stays, a visible marker says what happened, and the next backend
continues (or, with ``midstream="restart"``, answers again below the marker).
Every answer reports the backend and model that produced it, and a one-line
notice when it was not the first choice.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from tutor_desktop.core.accounts.session import Actor, require_staff
from tutor_desktop.core.config import ROUTING_POLICIES, Config
from tutor_desktop.core.i18n import TutorError, tr
from tutor_desktop.core.llm.backend import (
    BackendError,
    BackendKind,
    BackendProvider,
    BackendUnavailable,
    ChatBackend,
    ChatMessage,
    Completion,
    Delta,
)
from tutor_desktop.core.llm.breaker import BreakerState, CircuitBreaker, Clock
from tutor_desktop.core.llm.remote import RemoteAuthError, RemoteBackend, RemoteUnavailable

log = logging.getLogger(__name__)

POLICY_SETTING = "routing_policy"
Prefer = Literal["auto", "local", "remote"]
# What the router tells the connectivity monitor after each attempt:
# observer(label, ok, latency_s, error message id or "").
Observer = Callable[[str, bool, float, str], None]
Sleeper = Callable[[float, "threading.Event | None"], bool]

_OFFLINE_KINDS = frozenset({"connect", "timeout", "reset", "stall"})
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def _interruptible_sleep(seconds: float, stop_event: threading.Event | None) -> bool:
    """Wait ``seconds``; returns False when the student pressed stop meanwhile."""
    if stop_event is None:
        time.sleep(seconds)
        return True
    return not stop_event.wait(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 1
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    jitter: float = 0.5             # delay * uniform(1 - jitter, 1 + jitter)
    max_retry_after_s: float = 10.0  # a longer Retry-After: go to the next backend instead

    def backoff(self, retry_index: int, rng: random.Random) -> float:
        delay = min(self.max_delay_s, self.base_delay_s * (2 ** retry_index))
        return float(delay * rng.uniform(1 - self.jitter, 1 + self.jitter))


# --- the chain ------------------------------------------------------------------
class Route(Protocol):
    """One link of the chain: how to get its backend, and its breaker (remote only)."""

    @property
    def label(self) -> str: ...
    @property
    def kind(self) -> BackendKind: ...
    @property
    def breaker(self) -> CircuitBreaker | None: ...
    def resolve(self) -> ChatBackend: ...
    def context_window(self, wait: bool = False) -> int | None: ...


class LocalRoute:
    """The local model, through the model manager (waits for a load in progress)."""

    label = "local"
    kind: BackendKind = "local"
    breaker: CircuitBreaker | None = None

    def __init__(self, provider: BackendProvider | None) -> None:
        self.provider = provider

    def resolve(self) -> ChatBackend:
        if self.provider is None:
            raise BackendUnavailable("no_local_model")
        return self.provider.backend("local")

    def loaded(self) -> ChatBackend | None:
        """The local engine if it is loaded already (never waits)."""
        backend = getattr(self.provider, "local", None)
        return backend if backend is not None else None

    def context_window(self, wait: bool = False) -> int | None:
        if wait:
            try:
                return int(self.resolve().context_window)
            except (TutorError, RuntimeError):
                return None
        loaded = self.loaded()
        if loaded is not None:
            return int(loaded.context_window)
        n_ctx = getattr(self.provider, "n_ctx", None)
        return int(n_ctx) if isinstance(n_ctx, int) else None


class RemoteRoute:
    def __init__(self, backend: RemoteBackend, breaker: CircuitBreaker) -> None:
        self.backend = backend
        self.breaker: CircuitBreaker | None = breaker
        self.kind: BackendKind = "remote"

    @property
    def label(self) -> str:
        return self.backend.label

    def resolve(self) -> ChatBackend:
        return self.backend

    def context_window(self, wait: bool = False) -> int | None:
        return self.backend.context_window


# --- what happened ----------------------------------------------------------------
@dataclass(frozen=True)
class RouteNotice:
    """A translated one-liner for the chat (``message(lang)``)."""

    message_id: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, language: str = "en") -> str:
        return tr(self.message_id, language, **self.params)


@dataclass
class Attempt:
    backend: str
    model: str
    outcome: str                 # ok | cancelled | failed | unavailable | skipped
    error: str = ""              # message id
    kind: str = ""               # connect | timeout | rate_limited | server | auth | stall | ...
    retry: int = 0               # 0 = first try on this backend
    waited_s: float = 0.0        # backoff slept before this attempt
    chars: int = 0               # text this attempt contributed
    elapsed_s: float = 0.0


@dataclass
class RouteRecord:
    """Per answer: which backend/model answered, what was tried, what to tell whom."""

    policy: str
    chain: list[str] = field(default_factory=list)
    backend: str = ""            # "local" or "remote:<provider>"
    model: str = ""
    finish_reason: str = ""
    attempts: list[Attempt] = field(default_factory=list)
    notice: RouteNotice | None = None        # for the student, shown discreetly
    staff_notice: RouteNotice | None = None  # for teachers/IT only (API key rejected)
    continued_from: str = ""     # backend whose partial text was kept before the marker
    marker: str = ""             # the marker text inserted into the answer
    images_sent: int = 0         # pictures that left the PC (requests to a vision model)

    @property
    def fell_back(self) -> bool:
        return bool(self.chain) and self.backend != self.chain[0]

    def tries(self, label: str) -> int:
        """How many requests went to ``label`` (skips by an open breaker do not count)."""
        return sum(1 for a in self.attempts if a.backend == label and a.outcome != "skipped")


class RoutedBackend:
    """A :class:`ChatBackend` over a chain of backends (see the module notes).

    One instance per answer: after :meth:`stream`, ``name``/``model`` and
    :attr:`record` tell who answered; the final :class:`Completion` carries the
    same (``backend``, ``model``, ``notice_id``/``notice_params``).
    """

    def __init__(self, router: Router, routes: Sequence[Route], policy: str) -> None:
        self._router = router
        self.routes = list(routes)
        self.record = RouteRecord(policy, chain=[r.label for r in self.routes])
        self._answered: ChatBackend | None = None

    # -- ChatBackend ---------------------------------------------------------
    @property
    def name(self) -> BackendKind:
        if self._answered is not None:
            return self._answered.name
        return self.routes[0].kind if self.routes else "local"

    @property
    def model(self) -> str:
        if self.record.model:
            return self.record.model
        first = self.routes[0] if self.routes else None
        return first.backend.model if isinstance(first, RemoteRoute) else ""

    @property
    def label(self) -> str:
        return self.record.backend or (self.routes[0].label if self.routes else "")

    @property
    def context_window(self) -> int:
        """The smallest window in the chain, so a fallback never overflows.

        When the local model answers first we wait for it to load (as the model
        manager does); when a remote answers first we never wait for the local one.
        """
        first_local = bool(self.routes) and self.routes[0].kind == "local"
        windows = [w for i, r in enumerate(self.routes)
                   if (w := r.context_window(wait=first_local and i == 0))]
        return min(windows) if windows else 4096

    def candidate_models(self) -> list[str]:
        """Models of the chain in order, without waiting for a model to load (cache lookup)."""
        models: list[str] = []
        for route in self.routes:
            if isinstance(route, RemoteRoute):
                models.append(route.backend.model)
                continue
            provider = getattr(route, "provider", None)
            loaded = getattr(provider, "local", None)
            status = getattr(provider, "status", None)
            name = getattr(loaded, "model", "") or getattr(status, "model", "")
            if name:
                models.append(str(name))
        return models

    def count_tokens(self, text: str) -> int:
        """Exact with the local tokenizer when the local model answers first; otherwise the
        largest of the remote estimate and the local count (if that model is loaded)."""
        if self.routes and isinstance(self.routes[0], LocalRoute):
            try:
                return self.routes[0].resolve().count_tokens(text)
            except (TutorError, RuntimeError):
                pass
        counts = [r.resolve().count_tokens(text) for r in self.routes if r.kind == "remote"]
        for route in self.routes:
            loaded = route.loaded() if isinstance(route, LocalRoute) else None
            if loaded is not None:
                counts.append(loaded.count_tokens(text))
        return max(counts) if counts else max(1, len(text) // 3)

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int,
               temperature: float = 0.2,
               stop_event: threading.Event | None = None) -> Iterator[Delta]:
        return self._router._run(self, messages, max_tokens, temperature, stop_event)


# --- the router ---------------------------------------------------------------------
class Router:
    """Builds the chain per policy and runs answers over it; a :class:`BackendProvider`."""

    def __init__(self, local: BackendProvider | None, remotes: Sequence[RemoteBackend], *,
                 policy: Callable[[], str] | str = "local-first",
                 retry: RetryPolicy | None = None, clock: Clock = time.monotonic,
                 sleep: Sleeper = _interruptible_sleep, rng: random.Random | None = None,
                 breaker_factory: Callable[[str], CircuitBreaker] | None = None,
                 midstream: Literal["continue", "restart"] = "continue") -> None:
        self.local = local
        self.remotes = list(remotes)
        self._policy = policy
        self.retry = retry or RetryPolicy()
        self.clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        make = breaker_factory or (lambda name: CircuitBreaker(name, clock=clock))
        self.breakers: dict[str, CircuitBreaker] = {r.label: make(r.label) for r in self.remotes}
        self._routes: dict[str, RemoteRoute] = {
            r.label: RemoteRoute(r, self.breakers[r.label]) for r in self.remotes}
        self.midstream = midstream
        self._observers: list[Observer] = []
        self._last_kind: dict[str, str] = {}  # label -> kind of its last failure
        self.last_record: RouteRecord | None = None

    # -- configuration ---------------------------------------------------------
    @property
    def policy(self) -> str:
        value = self._policy() if callable(self._policy) else self._policy
        return value if value in ROUTING_POLICIES else "local-first"

    def add_observer(self, observer: Observer) -> None:
        self._observers.append(observer)

    def chain(self, prefer: str = "auto") -> list[Route]:
        """The ordered routes for ``prefer`` (auto = the configured policy)."""
        local: list[Route] = [LocalRoute(self.local)]
        remote: list[Route] = list(self._routes.values())
        if prefer == "local":
            return local
        policy = self.policy
        if prefer == "remote":
            # "Local model only" is the school's privacy choice: no caller overrides it.
            return [] if policy == "local-only" else remote
        if policy == "local-only":
            return local
        if policy == "remote-first":
            return remote + local
        return local + remote

    def backend(self, prefer: str = "auto") -> ChatBackend:
        """A routed backend for one answer (:class:`BackendProvider`)."""
        routes = self.chain(prefer)
        if not routes:
            if prefer == "remote" and self.policy == "local-only":
                raise BackendUnavailable("remote_blocked_by_policy")
            raise BackendUnavailable("remote_not_configured")
        return RoutedBackend(self, routes, self.policy if prefer == "auto" else prefer)

    def breaker_states(self) -> dict[str, BreakerState]:
        return {label: breaker.state for label, breaker in self.breakers.items()}

    def close(self) -> None:
        for remote in self.remotes:
            remote.close()

    # -- running an answer -------------------------------------------------------
    def _notify(self, label: str, ok: bool, latency_s: float, error: str) -> None:
        for observer in list(self._observers):
            try:
                observer(label, ok, latency_s, error)
            except Exception:
                log.exception("route observer failed")

    def _run(self, routed: RoutedBackend, messages: Sequence[ChatMessage], max_tokens: int,
             temperature: float, stop_event: threading.Event | None) -> Iterator[Delta]:
        record = routed.record
        self.last_record = record
        language = _language_of(messages)
        shown: list[str] = []            # every piece of text the student has seen
        failures: list[tuple[str, BaseException]] = []
        last_error: BaseException | None = None

        for route in routed.routes:
            breaker = route.breaker
            if breaker is not None and not breaker.allow():
                record.attempts.append(Attempt(route.label, "", "skipped", "breaker_open",
                                               kind="breaker"))
                # Paused: for the notice, it failed the way it last failed (offline or not).
                failures.append((route.label, RemoteUnavailable(
                    "breaker_open", kind=self._last_kind.get(route.label, ""), retryable=False)))
                continue
            try:
                backend = route.resolve()
            except BackendUnavailable as exc:
                record.attempts.append(Attempt(route.label, "", "unavailable", exc.message_id))
                last_error = exc
                if route.kind == "remote":
                    failures.append((route.label, exc))
                continue
            retry = 0
            waited = 0.0
            while True:
                if stop_event is not None and stop_event.is_set():
                    yield self._finish(record, routed, backend, route, "cancelled", 0, 0)
                    return
                attempt = Attempt(route.label, backend.model, "failed", retry=retry,
                                  waited_s=waited)
                record.attempts.append(attempt)
                started = self.clock()
                request = list(messages)
                if shown:
                    request = self._continuation(messages, "".join(shown))
                    marker = self._marker(record, route, language)
                    shown.append(marker)
                    yield Delta(text=marker)
                budget = max(16, max_tokens - sum(1 for _ in shown)) if shown else max_tokens
                # Counted when the request goes, not when it succeeds: a picture sent to a
                # provider that then failed has still left this PC (core/llm/vision.py).
                counter = getattr(backend, "images_sent", None)
                if route.kind == "remote" and callable(counter):
                    record.images_sent += int(counter(request))
                pieces = 0
                first_piece_s: float | None = None
                try:
                    for delta in backend.stream(request, max_tokens=budget,
                                                temperature=temperature, stop_event=stop_event):
                        if delta.completion is not None:
                            attempt.outcome = ("cancelled" if delta.completion.finish_reason
                                               == "cancelled" else "ok")
                            attempt.elapsed_s = self.clock() - started
                            if breaker is not None and attempt.outcome == "ok":
                                breaker.record_success()
                            if attempt.outcome == "ok" and route.kind == "remote":
                                self._notify(route.label, True, first_piece_s
                                             if first_piece_s is not None
                                             else attempt.elapsed_s, "")
                            self._set_notice(record, route, failures, language)
                            yield self._finish(record, routed, backend, route,
                                               delta.completion.finish_reason,
                                               delta.completion.prompt_tokens,
                                               delta.completion.completion_tokens)
                            return
                        if delta.text:
                            if first_piece_s is None:
                                first_piece_s = self.clock() - started
                            pieces += 1
                            attempt.chars += len(delta.text)
                            shown.append(delta.text)
                            yield delta
                except (BackendUnavailable, BackendError) as exc:
                    attempt.elapsed_s = self.clock() - started
                    attempt.error = exc.message_id
                    attempt.kind = str(getattr(exc, "kind", ""))
                    last_error = exc
                    if breaker is not None:
                        breaker.record_failure()
                    if route.kind == "remote":
                        self._last_kind[route.label] = attempt.kind
                        self._notify(route.label, False, attempt.elapsed_s, exc.message_id)
                    log.info("backend %s failed (%s) after %d pieces", route.label,
                             exc.message_id, pieces)
                    if isinstance(exc, RemoteAuthError):
                        record.staff_notice = RouteNotice(
                            "remote_key_rejected", {"provider": route.label.split(":", 1)[-1]})
                    delay = self._retry_delay(exc, retry, pieces)
                    if delay is None:
                        failures.append((route.label, exc))
                        break
                    if breaker is not None and not breaker.allow():
                        failures.append((route.label, exc))
                        break
                    retry += 1
                    waited = delay
                    if not self._sleep(delay, stop_event):
                        yield self._finish(record, routed, backend, route, "cancelled", 0, 0)
                        return
                    continue

        if stop_event is not None and stop_event.is_set():
            yield Delta(completion=Completion("cancelled", 0, 0))
            return
        record.finish_reason = "error"
        if shown:
            # Text was shown and nobody could finish it: keep it, the caller marks it partial.
            raise BackendError("route_answer_broken", retryable=True)
        if last_error is not None and (len(routed.routes) == 1 or not failures):
            raise last_error  # one backend: its own message says best what is wrong
        reasons = "; ".join(f"{label}: {tr(_mid(exc), 'en', **_params(exc))}"
                            for label, exc in failures) or (
            tr(_mid(last_error), "en", **_params(last_error)) if last_error else "")
        raise BackendUnavailable("route_no_backend", reasons=reasons)

    def _retry_delay(self, exc: BaseException, retry: int, pieces: int) -> float | None:
        """Seconds to wait before retrying the same backend, or None to move on."""
        if pieces > 0 or isinstance(exc, RemoteAuthError):
            return None  # text already shown: a retry would duplicate it
        if not getattr(exc, "retryable", False) or retry >= self.retry.max_retries:
            return None
        retry_after = getattr(exc, "retry_after_s", None)
        if isinstance(retry_after, int | float):
            if retry_after > self.retry.max_retry_after_s:
                return None
            return float(retry_after)
        return self.retry.backoff(retry, self._rng)

    def _continuation(self, messages: Sequence[ChatMessage], partial: str) -> list[ChatMessage]:
        if self.midstream == "restart":
            return list(messages)
        return [*messages, ChatMessage("assistant", partial),
                ChatMessage("user", "Your previous answer was cut off. Continue it exactly "
                                    "where it stopped, in the same language, without "
                                    "repeating anything.")]

    def _marker(self, record: RouteRecord, route: Route, language: str) -> str:
        previous = next((a.backend for a in reversed(record.attempts) if a.chars), "")
        record.continued_from = previous
        who = tr("route_local_model" if route.kind == "local" else "route_remote_model",
                 language, provider=route.label.split(":", 1)[-1])
        message_id = "route_marker_restart" if self.midstream == "restart" else \
            "route_marker_continue"
        record.marker = "\n\n" + tr(message_id, language, backend=who) + "\n\n"
        return record.marker

    def _set_notice(self, record: RouteRecord, route: Route,
                    failures: list[tuple[str, BaseException]], language: str) -> None:
        remote_failures = [(label, exc) for label, exc in failures if label != "local"]
        if not remote_failures and not record.continued_from:
            return
        offline = all(getattr(exc, "kind", "") in _OFFLINE_KINDS for _, exc in remote_failures)
        if route.kind == "local" and offline:
            record.notice = RouteNotice("route_notice_offline")
            return
        labels = [label for label, _ in remote_failures] or [record.continued_from]
        failed = ", ".join(dict.fromkeys(
            tr("route_local_model", language) if label == "local" else label.split(":", 1)[-1]
            for label in labels))
        who = "route_local_model" if route.kind == "local" else "route_remote_model"
        record.notice = RouteNotice("route_notice_fallback", {
            "backend": tr(who, language, provider=route.label.split(":", 1)[-1]),
            "failed": failed})

    def _finish(self, record: RouteRecord, routed: RoutedBackend, backend: ChatBackend,
                route: Route, finish: Any, prompt_tokens: int, completion_tokens: int) -> Delta:
        record.backend = route.label
        record.model = backend.model
        record.finish_reason = str(finish)
        routed._answered = backend
        notice = record.notice
        return Delta(completion=Completion(
            finish, prompt_tokens, completion_tokens, backend=route.label, model=backend.model,
            notice_id=notice.message_id if notice else "",
            notice_params=dict(notice.params) if notice else {},
            images_sent=record.images_sent))


def _mid(exc: BaseException | None) -> str:
    return str(getattr(exc, "message_id", "")) if exc is not None else ""


def _params(exc: BaseException | None) -> dict[str, Any]:
    params = getattr(exc, "params", None)
    return dict(params) if isinstance(params, dict) else {}


def _language_of(messages: Sequence[ChatMessage]) -> str:
    last_user = next((m.content for m in reversed(messages) if m.role == "user"), "")
    return "mn" if _CYRILLIC.search(last_user) else "en"


# --- policy setting -------------------------------------------------------------------
def effective_policy(config: Config, db: Any) -> str:
    """The teacher's/admin's choice from settings, else the installation's config.

    A policy IT locked in the machine-wide file wins over the in-app setting.
    """
    from tutor_desktop.core.storage.settings import get_setting

    if "routing_policy" in config.locked:
        return config.routing_policy
    value = get_setting(db, POLICY_SETTING, None)
    return value if value in ROUTING_POLICIES else config.routing_policy


def set_policy(db: Any, session: Actor | None, policy: str) -> None:
    """Change the routing policy; teachers and admins only (``require_staff``)."""
    from tutor_desktop.core.storage.settings import set_setting

    require_staff(session)
    if policy not in ROUTING_POLICIES:
        raise TutorError("route_bad_policy", policy=policy, allowed=", ".join(ROUTING_POLICIES))
    set_setting(db, POLICY_SETTING, policy)


class RoutingSettings:
    """The routing policy as the window reads and changes it: one object, so the same
    calls work in-process and through ``tutor service`` (no database handle in the UI)."""

    def __init__(self, config: Config, db: Any) -> None:
        self.config, self.db = config, db

    def current(self) -> str:
        return effective_policy(self.config, self.db)

    def locked(self) -> bool:
        return "routing_policy" in self.config.locked

    def choose(self, session: Any, policy: str) -> None:
        set_policy(self.db, session, policy)
