"""Builds the remote-model services for the composition root (kept here so it is testable).

``remote_services`` returns ``router`` (a :class:`BackendProvider` the tutor uses
instead of the bare model manager), ``response_cache`` and ``connectivity``
(not started: the window starts it, ``tutor doctor`` probes once).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from tutor_desktop.core.cache import ResponseCache
from tutor_desktop.core.config import Config
from tutor_desktop.core.connectivity import (
    ConnectivityMonitor,
    ProbeResult,
    ServiceKind,
    ServiceProbe,
    ServiceState,
    build_probes,
    doctor_lines,
    speech_probe,
)
from tutor_desktop.core.llm.remote import RemoteBackend, key_lookup
from tutor_desktop.core.llm.router import Router, effective_policy
from tutor_desktop.core.storage import Database


def remote_services(config: Config, db: Database, secrets: Any,
                    extras: MutableMapping[str, Any]) -> dict[str, Any]:
    """Wire providers, router, cache and monitor; plug them into the tutor if present.

    ``extras`` is read lazily for services wired after this one (speech).
    """
    keys = key_lookup(secrets)
    remotes = [RemoteBackend(provider, keys) for provider in config.remote_providers]
    models = extras.get("models")

    def policy() -> str:
        return effective_policy(config, db)

    router = Router(models, remotes, policy=policy)
    cache = ResponseCache(db)
    probes = build_probes(config, remotes=remotes, model_manager=models)
    probes.append(ServiceProbe("speech", ServiceKind.SPEECH, "speech",
                               _lazy_speech_probe(extras, config.language)))
    monitor = ConnectivityMonitor(probes, policy=policy)
    router.add_observer(monitor.report)
    for breaker in router.breakers.values():
        breaker.add_listener(lambda name, _old, new: monitor.note_breaker(name, new.value))
    subscribe = getattr(models, "subscribe", None)
    if callable(subscribe):
        subscribe(lambda _status: monitor.refresh("local"))
    tutor = extras.get("tutor")
    if tutor is not None:
        tutor.backends = router
        tutor.cache = cache
    register_doctor_check()
    return {"router": router, "response_cache": cache, "connectivity": monitor}


def _lazy_speech_probe(extras: MutableMapping[str, Any],
                       language: str) -> Callable[[], ProbeResult]:
    def probe() -> ProbeResult:
        speech = extras.get("speech")
        if speech is None:
            return ProbeResult(ServiceState.OFF, detail="not installed")
        return speech_probe(speech, language)()

    return probe


def doctor_check(ctx: Any) -> list[Any]:
    """``tutor doctor``: the same per-service status the window's panel shows."""
    from tutor_desktop.core.doctor import Check, Status

    services = getattr(ctx, "services", None)
    monitor = services.extras.get("connectivity") if services is not None else None
    if monitor is None:
        return []
    return [Check(name, Status(level), detail, hint)
            for name, level, detail, hint in doctor_lines(monitor.check_now())]


def register_doctor_check() -> None:
    from tutor_desktop.core.doctor import EXTRA_CHECKS

    if doctor_check not in EXTRA_CHECKS:
        EXTRA_CHECKS.append(doctor_check)
