"""The tutor with the router, end to end: real database, real servers, the real local engine.

A student keeps getting answers when providers fail or the network is pulled, every
stored answer names the backend and model that produced it, and a common first
question is answered from the cache (marked as such) after it was asked three times.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from faultproxy import Fault, FaultProxy
from remote_helpers import LlamaServer, LocalProvider

from tutor_desktop.core.cache import ResponseCache
from tutor_desktop.core.config import RemoteProvider
from tutor_desktop.core.i18n import tr
from tutor_desktop.core.llm.remote import RemoteBackend, RemoteTimeouts, key_lookup
from tutor_desktop.core.llm.router import RetryPolicy, Router, set_policy

TOKENS = 10



def english(notices: list[Any]) -> list[str]:
    """The reply's notices as an English reader sees them (the core hands out ids)."""
    return [notice.message("en") for notice in notices]

def remote(name: str, base_url: str) -> RemoteBackend:
    return RemoteBackend(RemoteProvider(name, base_url, f"{name}-270m", key_name=f"{name}-key"),
                         key_lookup({}, {}), timeouts=RemoteTimeouts(stall_s=3),
                         context_window=1024)


@pytest.fixture
def tutor(services: Any, school: Any) -> Any:
    tutor = services.tutor
    tutor.cache = ResponseCache(services.db)
    return tutor


@pytest.fixture
def student(services: Any, school: Any) -> Any:
    return services.accounts.sign_in_student(school.anu.id, "1234")


def stored(services: Any, session: Any, conversation_id: str) -> list[Any]:
    return [m for m in services.conversations.messages(session, conversation_id)
            if m.role == "assistant"]


def test_each_message_records_backend_and_model(services: Any, tutor: Any, student: Any,
                                                proxy_alpha: FaultProxy,
                                                proxy_beta: FaultProxy,
                                                local_engine: object) -> None:
    tutor.backends = Router(LocalProvider(local_engine),
                            [remote("alpha", proxy_alpha.base_url),
                             remote("beta", proxy_beta.base_url)],
                            policy="remote-first", retry=RetryPolicy(base_delay_s=0.05))
    conv = tutor.start_conversation(student, subject="math", language="en")
    first = tutor.ask(student, conv.id, "What is 2+2?", max_tokens=TOKENS)
    proxy_alpha.default = Fault.http(503)
    second = tutor.ask(student, conv.id, "And 3+3?", max_tokens=TOKENS)
    proxy_beta.pull_cable()
    third = tutor.ask(student, conv.id, "And 4+4?", max_tokens=TOKENS)
    assert [(r.backend, r.model) for r in (first, second, third)] == [
        ("remote:alpha", "alpha-270m"), ("remote:beta", "beta-270m"), ("local", "gemma3-270m")]
    messages = stored(services, student, conv.id)
    assert [(m.backend, m.model, m.status) for m in messages] == [
        ("remote:alpha", "alpha-270m", "complete"), ("remote:beta", "beta-270m", "complete"),
        ("local", "gemma3-270m", "complete")]
    assert all("alpha" not in n for n in english(first.notices))
    assert tr("route_notice_fallback", "en", backend="beta", failed="alpha") in english(
        second.notices)
    # alpha answered 503 and beta is unreachable: not "the internet connection was lost".
    assert any(n.startswith("Answered by the local model") for n in english(third.notices))


def test_common_first_question_is_cached_after_three_asks(services: Any, tutor: Any,
                                                          school: Any,
                                                          proxy_alpha: FaultProxy) -> None:
    tutor.backends = Router(None, [remote("alpha", proxy_alpha.base_url)], policy="remote-first")
    replies = []
    sessions = [services.accounts.sign_in_student(school.anu.id, "1234"),
                services.accounts.sign_in_student(school.temuulen.id, "5678")]
    for n in range(5):
        session = sessions[n % 2]
        conv = tutor.start_conversation(session, subject="biology", language="en")
        replies.append((session, conv, tutor.ask(session, conv.id, "What is photosynthesis?",
                                                 max_tokens=TOKENS)))
    assert proxy_alpha.requests == 3              # asks 4 and 5 never reached the provider
    assert [r.status for _, _, r in replies] == ["complete"] * 3 + ["cached"] * 2
    third, fourth = replies[2][2], replies[3][2]
    assert fourth.text == third.text and fourth.model == "alpha-270m"
    assert tr("cached_answer", "en", model="alpha-270m") in english(fourth.notices)
    session, conv, _ = replies[3]
    (message,) = stored(services, session, conv.id)
    assert (message.status, message.backend, message.model) == ("cached", "cache", "alpha-270m")
    # A follow-up in that conversation goes to the model, and is not cached.
    follow = tutor.ask(session, conv.id, "What is photosynthesis?", max_tokens=TOKENS)
    assert follow.status == "complete" and proxy_alpha.requests == 4


def test_personalised_question_is_never_cached(services: Any, tutor: Any, student: Any,
                                               proxy_alpha: FaultProxy) -> None:
    tutor.backends = Router(None, [remote("alpha", proxy_alpha.base_url)], policy="remote-first")
    for _ in range(5):
        conv = tutor.start_conversation(student, subject="math", language="en")
        reply = tutor.ask(student, conv.id, "Is my answer 12 correct?", max_tokens=TOKENS)
        assert reply.status == "complete"
    assert proxy_alpha.requests == 5
    assert services.db.query_one("SELECT count(*) AS n FROM response_cache")["n"] == 0


def test_routing_policy_is_set_by_staff_only(services: Any, school: Any, student: Any) -> None:
    from tutor_desktop.core.i18n import TutorError
    from tutor_desktop.core.llm.router import effective_policy

    router = services.router
    assert router.policy == "local-first"
    set_policy(services.db, school.teacher_session, "remote-first")
    assert router.policy == "remote-first" == effective_policy(services.config, services.db)
    with pytest.raises(TutorError) as refused:
        set_policy(services.db, student, "local-only")
    assert refused.value.message_id == "not_allowed"
    with pytest.raises(TutorError) as unknown:
        set_policy(services.db, school.teacher_session, "cloud-only")
    assert unknown.value.message_id == "route_bad_policy"
    assert router.policy == "remote-first"  # neither attempt changed it


# --- the network cable is pulled in the middle of a conversation -----------------------------
@pytest.fixture
def doomed_server(gguf_path: Path) -> Iterator[LlamaServer]:
    """A provider of its own, so killing it does not disturb the other tests."""
    server = LlamaServer(gguf_path, "gamma-270m").start()
    yield server
    server.stop()


def test_network_pulled_mid_conversation_local_model_answers(
        services: Any, tutor: Any, student: Any, doomed_server: LlamaServer,
        local_engine: object) -> None:
    tutor.backends = Router(LocalProvider(local_engine),
                            [remote("gamma", doomed_server.base_url)],
                            policy="remote-first", retry=RetryPolicy(base_delay_s=0.05))
    conv = tutor.start_conversation(student, subject="math", language="en")
    first = tutor.ask(student, conv.id, "What is 2+2?", max_tokens=TOKENS)
    offline = tr("route_notice_offline", "en")
    assert first.backend == "remote:gamma" and offline not in english(first.notices)

    pieces: list[str] = []

    arrived: list[float] = []

    def pull_the_cable_after_three_pieces(text: str) -> None:
        pieces.append(text)
        arrived.append(time.monotonic())
        if len(pieces) == 3:
            doomed_server.kill()

    second = tutor.ask(student, conv.id, "Why?", max_tokens=40,
                       on_delta=pull_the_cable_after_three_pieces)
    # The student waited for the local model to take over, not for a network timeout:
    # the lost connection is noticed at once (the stall limit here is 3 s, the default
    # first-token limit 30 s), so the next piece comes well before the 30 s a hang costs.
    gap = arrived[3] - arrived[2]
    marker = tr("route_marker_continue", "en", backend=tr("route_local_model", "en")).strip()
    assert second.status == "complete"
    assert (second.backend, second.model) == ("local", "gemma3-270m")
    assert offline in english(second.notices)
    assert second.text.count(marker) == 1                   # the break is marked once
    assert second.text.startswith("".join(pieces[:3]))      # what the student saw is kept
    assert gap < RemoteTimeouts().first_token_s, f"{gap:.1f} s: the switch waited on a timeout"

    third = tutor.ask(student, conv.id, "Thanks, and 5+5?", max_tokens=TOKENS)
    assert (third.backend, third.status) == ("local", "complete")
    assert english(third.notices).count(offline) == 1                # one line, once
    assert marker not in third.text
    messages = stored(services, student, conv.id)
    assert [m.backend for m in messages] == ["remote:gamma", "local", "local"]
    assert marker in messages[1].content
