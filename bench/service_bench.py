"""Benchmark: a streamed answer through ``tutor service`` beside the same answer in-process.

    .venv/bin/python bench/service_bench.py            # 8 rounds, answers of up to 96 tokens
    .venv/bin/python bench/service_bench.py --smoke    # tiny sizes (or BENCH_SMOKE=1)

One process, one resident model (the embedded Gemma 3 270M, allowed to write): the
in-process path calls ``TutorService.ask``; the service path is the window's client
(``tutor_desktop.service.client``) talking HTTP over a Unix socket to a ``LocalService``
serving the same services (NDJSON lines per delta). Rounds alternate which path goes
first (the model's KV prefix cache favours the second asker of the same question), each
question in a new conversation. Same process means the service's event loop, the
generation thread and the client's reader share one GIL: a conservative setting.

Prints the medians: tokens/s of generation (completion tokens / time from the first
delta to the last) and time to the first delta, for both paths, and
* the tokens/s ratio service / in-process (target >= 0.95),
* the extra time to first token through the service (target <= +20 ms),
* the link's own share of the first token, measured inside each answer through the
  service: (client's first delta - client's call) - (core's first delta - core's call).
  Two separate answers' first tokens differ by the prompt evaluation of each (tens to
  hundreds of ms on a shared 2-core PC); this line is what the socket, HTTP and JSON add.
Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from llm_bench import default_model  # noqa: E402  (the embedded model, found or written once)

QUESTIONS = [
    "Why is the sky blue? Explain step by step.",
    "How do plants make their food?",
    "What is a fraction? Give two examples.",
    "Why does ice float on water?",
    "How many days are there in a leap year, and why?",
    "What is the difference between weather and climate?",
    "Explain what a prime number is.",
    "Why do we have seasons?",
]


# The service's side of the answer being timed: when the core got the call and when it
# gave its first delta (same process, same clock as the client's marks).
CORE_MARKS: dict[str, float] = {}


def observe_core(tutor: Any) -> None:
    """Wrap the service's ``tutor.ask`` (the instance's, which the service calls) to mark
    the core's own call and first delta when the call comes through the socket."""
    core_ask = tutor.ask

    def observed(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name != "tutor-service-call":
            return core_ask(*args, **kwargs)
        CORE_MARKS.clear()
        CORE_MARKS["call"] = time.perf_counter()
        deliver = kwargs.get("on_delta")

        def first(text: str) -> None:
            CORE_MARKS.setdefault("first", time.perf_counter())
            if deliver is not None:
                deliver(text)

        kwargs["on_delta"] = first
        return core_ask(*args, **kwargs)

    tutor.ask = observed


def timed_ask(tutor: Any, session: Any, question: str,
              max_tokens: int) -> tuple[float, float, int, float | None]:
    """(seconds to the first delta, generation tokens/s, completion tokens, the link's
    share of the first delta in seconds or None in-process) of one answer."""
    conversation = tutor.start_conversation(session, subject="math")
    marks: list[float] = []
    CORE_MARKS.clear()
    started = time.perf_counter()
    reply = tutor.ask(session, conversation.id, question,
                      on_delta=lambda _text: marks.append(time.perf_counter()),
                      max_tokens=max_tokens)
    ended = time.perf_counter()
    if not marks:
        return ended - started, 0.0, 0, None
    span = ended - marks[0]
    rate = (reply.completion_tokens - 1) / span if span > 0 and reply.completion_tokens > 1 \
        else 0.0
    link = None
    if "first" in CORE_MARKS:
        link = (marks[0] - started) - (CORE_MARKS["first"] - CORE_MARKS["call"])
    return marks[0] - started, rate, reply.completion_tokens, link


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=96)
    args = parser.parse_args()
    smoke = args.smoke or os.environ.get("BENCH_SMOKE") == "1"
    rounds, max_tokens = (2, 12) if smoke else (args.rounds, args.max_tokens)

    work = Path(tempfile.mkdtemp(prefix="service-bench-"))
    models, shipped = work / "models", work / "shipped"
    models.mkdir()
    shipped.mkdir()
    (models / default_model().name).symlink_to(default_model())
    os.environ.update({"TUTOR_ANSWER_GATE": "0", "TUTOR_SAFETY_EMBEDDINGS": "0",
                       "TUTOR_SECRETS_BACKEND": "file", "TUTOR_MODELS_DIR": str(models),
                       "TUTOR_SHIPPED_MODELS_DIR": str(shipped),
                       "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    from tutor_desktop.composition import build_services
    from tutor_desktop.core.accounts import hashing
    from tutor_desktop.core.config import load_config
    from tutor_desktop.core.paths import resolve_paths
    from tutor_desktop.service.client import connect, wait_for_socket
    from tutor_desktop.service.server import LocalService

    hashing.DEFAULT_COST = hashing.ScryptCost(n=2**10)   # set-up speed; not measured
    services = build_services(work / "data")
    accounts = services.accounts
    accounts.first_run_setup("Bench School", "Admin", "admin", "admin-pass-1", "en")
    admin = accounts.sign_in_staff("admin", "admin-pass-1")
    school_class = accounts.update_class(
        admin, accounts.create_class(admin, "7A", 7, allow_no_pin=True).id,
        daily_message_limit=0)
    student = accounts.create_student(admin, school_class.id, "Bench", None)
    services.safety.set_fair_use_limits(admin, school_class.id, questions_per_minute=1000,
                                        recordings_per_minute=10)
    local_session = accounts.sign_in_student(student.id, None)

    observe_core(services.tutor)
    service = LocalService(services, work / "run" / "tutor.sock", group=None)
    server = threading.Thread(target=service.run, daemon=True)
    server.start()
    wait_for_socket(service.socket_path, timeout=60)
    paths = resolve_paths(work / "client")
    client = connect(service.socket_path, paths, load_config(paths.user_config_file))
    remote_session = client.accounts.sign_in_student(student.id, None)
    services.models.wait()
    timed_ask(services.tutor, local_session, "Hello!", max_tokens)   # warm the model
    timed_ask(client.tutor, remote_session, "Hi!", max_tokens)        # and the link

    figures: dict[str, list[tuple[float, float, int, float | None]]] = {
        "in-process": [], "service": []}
    paths_in_order = [("in-process", services.tutor, local_session),
                      ("service", client.tutor, remote_session)]
    try:
        for number in range(rounds):
            question = QUESTIONS[number % len(QUESTIONS)]
            order = paths_in_order if number % 2 == 0 else paths_in_order[::-1]
            for name, tutor, session in order:
                figures[name].append(timed_ask(tutor, session, question, max_tokens))
    finally:
        client.close()
        service.stop()
        server.join(10)
        services.close()
        shutil.rmtree(work, ignore_errors=True)

    def median(name: str, index: int) -> float:
        values = [run[index] for run in figures[name] if run[2] > 1 or index == 0]
        return statistics.median(values) if values else 0.0

    local_rate, remote_rate = median("in-process", 1), median("service", 1)
    local_ttft, remote_ttft = median("in-process", 0) * 1000, median("service", 0) * 1000
    tokens = sum(run[2] for runs in figures.values() for run in runs)
    print(f"rounds: {rounds}, answers of up to {max_tokens} tokens, {tokens} tokens in all")
    print(f"generation tokens/s   in-process {local_rate:7.2f}   service {remote_rate:7.2f}   "
          f"ratio {remote_rate / local_rate if local_rate else 0.0:.3f} (target >= 0.95)")
    print(f"first token (ms)      in-process {local_ttft:7.1f}   service {remote_ttft:7.1f}   "
          f"difference {remote_ttft - local_ttft:+.1f} ms (target <= +20 ms)")
    links = [run[3] * 1000 for run in figures["service"] if run[3] is not None]
    if links:
        print(f"link's share of the first token (ms, inside each answer): median "
              f"{statistics.median(links):.1f}, max {max(links):.1f} over {len(links)} answers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
