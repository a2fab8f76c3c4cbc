"""Routing over two real providers (llama_cpp.server) behind fault proxies, and the local engine.

What a student would notice: the answer still comes, from the next backend in the
chain, within seconds; a broken-off answer is kept with a visible marker and never
silently repeated; the answer says which model produced it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest
from faultproxy import Fault, FaultProxy
from remote_helpers import FakeClock, LocalProvider

from tutor_desktop.core.config import RemoteProvider
from tutor_desktop.core.i18n import tr
from tutor_desktop.core.llm.backend import BackendError, BackendUnavailable, ChatMessage, Delta
from tutor_desktop.core.llm.breaker import BreakerState, CircuitBreaker
from tutor_desktop.core.llm.remote import RemoteBackend, RemoteTimeouts, key_lookup
from tutor_desktop.core.llm.router import RetryPolicy, RoutedBackend, Router

QUESTION = [ChatMessage("user", "What is 2+2?")]
KEYS = {"alpha-key": "sk-alpha", "beta-key": "sk-beta"}


class RecordingSleep:
    """Sleeps for real (so proxy timestamps show it) and remembers each delay."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float, stop_event: threading.Event | None) -> bool:
        self.delays.append(seconds)
        if stop_event is None:
            time.sleep(seconds)
            return True
        return not stop_event.wait(seconds)


def make_router(proxies: Sequence[FaultProxy], *, policy: str = "remote-first",
                local: object | None = None, clock: FakeClock | None = None,
                stall_s: float = 15.0, first_token_s: float = 30.0,
                sleep: RecordingSleep | None = None, midstream: str = "continue") -> Router:
    names = ("alpha", "beta")
    remotes = [RemoteBackend(RemoteProvider(name, proxy.base_url, f"{name}-270m",
                                            key_name=f"{name}-key"), key_lookup(KEYS, {}),
                             timeouts=RemoteTimeouts(stall_s=stall_s,
                                                     first_token_s=first_token_s),
                             context_window=1024)
               for name, proxy in zip(names, proxies, strict=False)]
    fake = clock or FakeClock()
    return Router(LocalProvider(local), remotes, policy=policy, clock=fake,
                  sleep=sleep or RecordingSleep(),
                  retry=RetryPolicy(base_delay_s=0.05, max_delay_s=0.2),
                  breaker_factory=lambda name: CircuitBreaker(name, clock=fake),
                  midstream=midstream)  # type: ignore[arg-type]


def answer(router: Router, prefer: str = "auto", max_tokens: int = 12,
           messages: Sequence[ChatMessage] = QUESTION) -> tuple[str, RoutedBackend, Delta]:
    routed = router.backend(prefer)
    assert isinstance(routed, RoutedBackend)
    items = list(routed.stream(messages, max_tokens=max_tokens, temperature=0))
    assert items[-1].completion is not None
    return "".join(d.text for d in items), routed, items[-1]


def test_remote_first_uses_the_first_provider(proxy_alpha: FaultProxy,
                                              proxy_beta: FaultProxy) -> None:
    router = make_router([proxy_alpha, proxy_beta])
    text, routed, final = answer(router)
    assert text
    assert routed.record.backend == "remote:alpha" and routed.record.model == "alpha-270m"
    assert final.completion is not None and final.completion.backend == "remote:alpha"
    assert final.completion.model == "alpha-270m" and not final.completion.notice_id
    assert (proxy_alpha.requests, proxy_beta.requests) == (1, 0)
    assert routed.record.notice is None


def test_5xx_is_retried_once_then_the_next_provider_answers(proxy_alpha: FaultProxy,
                                                            proxy_beta: FaultProxy) -> None:
    sleep = RecordingSleep()
    router = make_router([proxy_alpha, proxy_beta], sleep=sleep)
    proxy_alpha.default = Fault.http(503)
    text, routed, final = answer(router)
    assert text
    assert proxy_alpha.requests == 2          # one retry, no more
    assert proxy_beta.requests == 1
    assert routed.record.backend == "remote:beta"
    assert routed.record.tries("remote:alpha") == 2
    assert len(sleep.delays) == 1 and 0.02 <= sleep.delays[0] <= 0.08  # 0.05 s ± 50 % jitter
    assert final.completion is not None
    assert final.completion.notice_id == "route_notice_fallback"
    assert "alpha" in tr(final.completion.notice_id, "en", **final.completion.notice_params)


def test_a_transient_5xx_is_absorbed_by_the_retry(proxy_alpha: FaultProxy,
                                                  proxy_beta: FaultProxy) -> None:
    router = make_router([proxy_alpha, proxy_beta])
    proxy_alpha.push(Fault.http(500))
    _, routed, final = answer(router)
    assert routed.record.backend == "remote:alpha"
    assert (proxy_alpha.requests, proxy_beta.requests) == (2, 0)
    assert final.completion is not None and not final.completion.notice_id


def test_429_retry_after_is_honoured(proxy_alpha: FaultProxy, proxy_beta: FaultProxy) -> None:
    sleep = RecordingSleep()
    router = make_router([proxy_alpha, proxy_beta], sleep=sleep)
    proxy_alpha.push(Fault.http(429, retry_after=1))
    _, routed, _ = answer(router)
    assert routed.record.backend == "remote:alpha"
    assert sleep.delays == [1.0]
    first, second = proxy_alpha.log[0].at, proxy_alpha.log[1].at
    assert second - first >= 1.0


def test_a_long_retry_after_goes_to_the_next_provider_at_once(
        proxy_alpha: FaultProxy, proxy_beta: FaultProxy) -> None:
    sleep = RecordingSleep()
    router = make_router([proxy_alpha, proxy_beta], sleep=sleep)
    proxy_alpha.push(Fault.http(429, retry_after=120))
    _, routed, _ = answer(router)
    assert routed.record.backend == "remote:beta"
    assert sleep.delays == []
    assert (proxy_alpha.requests, proxy_beta.requests) == (1, 1)


def test_rejected_key_is_not_retried_and_is_told_to_staff_only(
        proxy_alpha: FaultProxy, proxy_beta: FaultProxy) -> None:
    router = make_router([proxy_alpha, proxy_beta])
    proxy_alpha.default = Fault.http(401)
    _, routed, final = answer(router)
    assert proxy_alpha.requests == 1
    assert routed.record.backend == "remote:beta"
    assert routed.record.staff_notice is not None
    assert "API key rejected by alpha" in routed.record.staff_notice.message("en")
    assert final.completion is not None
    student_notice = tr(final.completion.notice_id, "en", **final.completion.notice_params)
    assert "key" not in student_notice.lower()


def test_connect_errors_are_retried_once(proxy_alpha: FaultProxy,
                                         proxy_beta: FaultProxy) -> None:
    router = make_router([proxy_alpha, proxy_beta])
    proxy_alpha.pull_cable()
    started = time.monotonic()
    _, routed, _ = answer(router)
    assert routed.record.backend == "remote:beta"
    assert [a.kind for a in routed.record.attempts[:2]] == ["connect", "connect"]
    assert time.monotonic() - started < 15  # no 5 s connect timeouts: refused is instant


def test_circuit_breaker_opens_skips_half_opens_and_closes(
        proxy_alpha: FaultProxy, proxy_beta: FaultProxy) -> None:
    clock = FakeClock()
    router = make_router([proxy_alpha, proxy_beta], clock=clock)
    breaker = router.breakers["remote:alpha"]
    proxy_alpha.default = Fault.http(503)
    # Each answer costs alpha two failures (try + retry): open after the 5th failure.
    answer(router)
    answer(router)
    assert breaker.state is BreakerState.CLOSED and breaker.consecutive_failures == 4
    answer(router)
    assert breaker.state is BreakerState.OPEN  # type: ignore[comparison-overlap]
    assert proxy_alpha.requests == 5           # the 3rd answer's retry was not sent
    # While open: alpha is not even asked; beta answers at once.
    _, routed, _ = answer(router)
    assert proxy_alpha.requests == 5 and routed.record.backend == "remote:beta"
    assert routed.record.attempts[0].outcome == "skipped"
    # 30 s later it may be tried again; it has recovered.
    proxy_alpha.default = Fault.ok()
    clock.advance(30)
    assert breaker.state is BreakerState.HALF_OPEN
    _, routed, _ = answer(router)
    assert routed.record.backend == "remote:alpha"
    assert breaker.state is BreakerState.HALF_OPEN     # one success is not enough
    answer(router)
    assert breaker.state is BreakerState.CLOSED
    assert breaker.transitions == [(BreakerState.CLOSED, BreakerState.OPEN),
                                   (BreakerState.OPEN, BreakerState.HALF_OPEN),
                                   (BreakerState.HALF_OPEN, BreakerState.CLOSED)]


def test_half_open_failure_reopens(proxy_alpha: FaultProxy, proxy_beta: FaultProxy) -> None:
    clock = FakeClock()
    router = make_router([proxy_alpha, proxy_beta], clock=clock)
    breaker = router.breakers["remote:alpha"]
    proxy_alpha.default = Fault.http(500)
    for _ in range(3):
        answer(router)
    assert breaker.state is BreakerState.OPEN
    clock.advance(31)
    before = proxy_alpha.requests
    answer(router)
    assert proxy_alpha.requests == before + 1    # one trial, no retry into an open breaker
    assert breaker.state is BreakerState.OPEN


def test_reset_mid_stream_continues_on_the_next_provider_with_a_marker(
        proxy_alpha: FaultProxy, proxy_beta: FaultProxy) -> None:
    router = make_router([proxy_alpha, proxy_beta])
    clean, _, _ = answer(make_router([proxy_alpha]))      # what alpha says uninterrupted
    proxy_alpha.reset()
    proxy_alpha.push(Fault.reset_after(events=4))         # role + 3 pieces, then RST
    text, routed, final = answer(router)
    record = routed.record
    marker = tr("route_marker_continue", "en", backend="beta").strip()
    assert marker in text
    before, _, after = text.partition(marker)
    assert before.strip() and clean.startswith(before.strip())   # partial text kept
    assert after.strip()                                         # and continued
    assert text.count(marker) == 1
    assert proxy_alpha.requests == 1     # never retried: that would repeat the shown text
    assert record.backend == "remote:beta" and record.continued_from == "remote:alpha"
    assert final.completion is not None and final.completion.notice_id == "route_notice_fallback"


def test_restart_mode_answers_again_below_the_marker(proxy_alpha: FaultProxy,
                                                     proxy_beta: FaultProxy) -> None:
    router = make_router([proxy_alpha, proxy_beta], midstream="restart")
    proxy_alpha.push(Fault.reset_after(events=4))
    text, routed, _ = answer(router)
    marker = tr("route_marker_restart", "en", backend="beta").strip()
    before, _, after = text.partition(marker)
    assert before.strip() and after.strip()
    assert routed.record.marker.strip() == marker


def test_stall_mid_stream_moves_on_after_the_stall_limit(proxy_alpha: FaultProxy,
                                                         proxy_beta: FaultProxy) -> None:
    router = make_router([proxy_alpha, proxy_beta], stall_s=1.0)
    proxy_alpha.push(Fault.stall_after(events=3, seconds=30))
    routed = router.backend()
    assert isinstance(routed, RoutedBackend)
    stamped = [(time.monotonic(), d.text) for d in routed.stream(QUESTION, max_tokens=12,
                                                                 temperature=0)]
    text = "".join(piece for _, piece in stamped)
    at_marker = next(i for i, (_, piece) in enumerate(stamped) if piece == routed.record.marker)
    silence = stamped[at_marker][0] - stamped[at_marker - 1][0]
    assert 1.0 <= silence < 3          # the 1 s stall limit, not the 30 s of the proxy
    assert routed.record.backend == "remote:beta"
    assert routed.record.attempts[0].kind == "stall"
    assert tr("route_marker_continue", "en", backend="beta").strip() in text


def test_nothing_reachable_is_a_clear_error(proxy_alpha: FaultProxy,
                                            proxy_beta: FaultProxy) -> None:
    router = make_router([proxy_alpha, proxy_beta], policy="remote-first")
    proxy_alpha.pull_cable()
    proxy_beta.pull_cable()
    with pytest.raises(BackendUnavailable) as error:
        answer(router)
    assert error.value.message_id == "route_no_backend"
    assert "alpha" in error.value.message("en") and "beta" in error.value.message("en")


def test_broken_answer_with_no_fallback_keeps_the_text(proxy_alpha: FaultProxy,
                                                       proxy_beta: FaultProxy) -> None:
    router = make_router([proxy_alpha, proxy_beta])
    proxy_alpha.push(Fault.reset_after(events=4))
    proxy_beta.pull_cable()
    shown: list[str] = []
    routed = router.backend("remote")
    with pytest.raises(BackendError) as error:
        for delta in routed.stream(QUESTION, max_tokens=12, temperature=0):
            shown.append(delta.text)
    assert error.value.message_id == "route_answer_broken"
    assert "".join(shown).strip()


def test_stop_during_backoff_ends_quietly(proxy_alpha: FaultProxy,
                                          proxy_beta: FaultProxy) -> None:
    router = make_router([proxy_alpha, proxy_beta])
    proxy_alpha.push(Fault.http(429, retry_after=5))
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    items = list(router.backend().stream(QUESTION, max_tokens=8, stop_event=stop))
    assert time.monotonic() - started < 2
    assert items[-1].completion is not None
    assert items[-1].completion.finish_reason == "cancelled"
    assert proxy_beta.requests == 0


def test_policies_choose_the_chain(proxy_alpha: FaultProxy, proxy_beta: FaultProxy,
                                   local_engine: object) -> None:
    policy = {"value": "local-first"}
    router = make_router([proxy_alpha, proxy_beta], local=local_engine)
    router._policy = lambda: policy["value"]
    _, routed, final = answer(router)
    assert routed.record.backend == "local" and routed.name == "local"
    assert final.completion is not None and final.completion.model == "gemma3-270m"
    policy["value"] = "local-only"
    proxy_alpha.pull_cable()
    assert [r.label for r in router.chain()] == ["local"]
    assert answer(router)[1].record.backend == "local"
    policy["value"] = "remote-first"
    proxy_alpha.plug_cable()
    assert [r.label for r in router.chain()] == ["remote:alpha", "remote:beta", "local"]
    # tutor ask --backend local|remote overrides the policy for one answer.
    assert answer(router, prefer="local")[1].record.backend == "local"
    assert answer(router, prefer="remote")[1].record.backend == "remote:alpha"
    assert proxy_beta.requests == 0


def test_local_first_falls_back_to_remote_when_no_local_model(
        proxy_alpha: FaultProxy, proxy_beta: FaultProxy) -> None:
    router = make_router([proxy_alpha, proxy_beta], policy="local-first", local=None)
    _, routed, final = answer(router)
    assert routed.record.backend == "remote:alpha"
    assert routed.record.attempts[0].error == "no_local_model"
    assert final.completion is not None and not final.completion.notice_id


def test_remote_down_local_answers_with_the_offline_notice(
        proxy_alpha: FaultProxy, proxy_beta: FaultProxy, local_engine: object) -> None:
    router = make_router([proxy_alpha, proxy_beta], policy="remote-first", local=local_engine)
    proxy_alpha.pull_cable()
    proxy_beta.pull_cable()
    text, routed, final = answer(router)
    assert text and routed.record.backend == "local"
    assert final.completion is not None
    assert final.completion.notice_id == "route_notice_offline"
    assert tr("route_notice_offline", "en") == (
        "Answered by the local model: the internet connection was lost.")


def test_context_window_is_the_smallest_in_the_chain(proxy_alpha: FaultProxy,
                                                     proxy_beta: FaultProxy,
                                                     local_engine: object) -> None:
    router = make_router([proxy_alpha, proxy_beta], local=local_engine)
    assert router.backend().context_window == 1024
