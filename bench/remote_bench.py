"""Remote-model benchmark: client overhead and fallback latency, one run.

1. Time to first token of the same request, interleaved, through
   (a) a plain ``httpx`` streaming request and (b) our ``RemoteBackend``, both to
   the same local ``llama_cpp.server`` with keep-alive clients. The server's
   prompt cache makes every request after the first cheap, so the difference is
   what the client adds (reader thread, queue, SSE parsing, error mapping).
2. Fallback latency when a provider dies mid-stream: from the last piece the
   student saw from provider A to the first piece of the continuation, through
   the router, for (a) a connection reset by the fault proxy, (b) the server
   process of A killed, continuing on provider B or on the local engine.

Run:  .venv/bin/python bench/remote_bench.py [--runs 15]
      .venv/bin/python bench/remote_bench.py --smoke     # tiny sizes (or BENCH_SMOKE=1)
Needs ``llama-cpp-python[server]`` and the test GGUF (written to tests/.cache once).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "remote")]

import httpx  # noqa: E402
from faultproxy import Fault, FaultProxy  # noqa: E402
from remote_helpers import LlamaServer, LocalProvider, ensure_gguf  # noqa: E402

from tutor_desktop.core.config import RemoteProvider  # noqa: E402
from tutor_desktop.core.i18n import tr  # noqa: E402
from tutor_desktop.core.llm.backend import ChatMessage  # noqa: E402
from tutor_desktop.core.llm.remote import RemoteBackend, key_lookup  # noqa: E402
from tutor_desktop.core.llm.router import RetryPolicy, Router  # noqa: E402

QUESTION = "Explain in two sentences why the sky is blue."
MAX_TOKENS = 24


def plain_ttft(client: httpx.Client, url: str, model: str) -> float:
    body = {"model": model, "messages": [{"role": "user", "content": QUESTION}],
            "max_tokens": MAX_TOKENS, "temperature": 0, "stream": True}
    started = time.perf_counter()
    first = 0.0
    with client.stream("POST", url + "/chat/completions", json=body) as response:
        for line in response.iter_lines():
            if not first and line.startswith("data:") and '"content"' in line:
                first = time.perf_counter() - started
    return first


def ours_ttft(backend: RemoteBackend) -> float:
    started = time.perf_counter()
    first = 0.0
    for delta in backend.stream([ChatMessage("user", QUESTION)], max_tokens=MAX_TOKENS,
                                temperature=0):
        if delta.text and not first:
            first = time.perf_counter() - started
    return first


def overhead(server: LlamaServer, runs: int) -> dict[str, Any]:
    client = httpx.Client(timeout=120)  # a loaded PC answers slowly: measure, never die
    backend = RemoteBackend(RemoteProvider("bench", server.base_url, server.alias),
                            key_lookup({}, {}))
    for _ in range(2):  # warm both connections and the server's prompt cache
        plain_ttft(client, server.base_url, server.alias)
        ours_ttft(backend)
    plain, ours = [], []
    for _ in range(runs):
        plain.append(plain_ttft(client, server.base_url, server.alias))
        ours.append(ours_ttft(backend))
    client.close()
    backend.close()
    med_p, med_o = statistics.median(plain), statistics.median(ours)
    return {"runs": runs, "plain_ttft_ms_median": med_p * 1000,
            "ours_ttft_ms_median": med_o * 1000,
            "plain_ttft_ms_mean": statistics.mean(plain) * 1000,
            "ours_ttft_ms_mean": statistics.mean(ours) * 1000,
            "overhead_ms_median": (med_o - med_p) * 1000,
            "ratio_median": med_o / med_p if med_p else float("nan")}


class Watch:
    """Timestamps of the pieces an answer streams, split at the router's marker."""

    def __init__(self) -> None:
        self.before: list[float] = []
        self.after: list[float] = []
        self.marker_at = 0.0
        self.text = ""

    def run(self, router: Router, on_piece: Any = None) -> Any:
        routed = router.backend()
        for delta in routed.stream([ChatMessage("user", QUESTION)], max_tokens=MAX_TOKENS,
                                   temperature=0):
            now = time.perf_counter()
            if delta.completion is not None:
                break
            if routed.record.marker and delta.text == routed.record.marker:
                self.marker_at = now
            elif self.marker_at:
                self.after.append(now)
            else:
                self.before.append(now)
                if on_piece:
                    on_piece(len(self.before))
            self.text += delta.text
        return routed.record

    @property
    def gap_ms(self) -> float:
        return (self.after[0] - self.before[-1]) * 1000 if self.before and self.after else -1


def router_over(primary_url: str, fallback: RemoteBackend | None, local: Any) -> Router:
    remotes = [RemoteBackend(RemoteProvider("alpha", primary_url, "alpha"), key_lookup({}, {}))]
    if fallback is not None:
        remotes.append(fallback)
    return Router(LocalProvider(local), remotes, policy="remote-first",
                  retry=RetryPolicy(base_delay_s=0.05))


def fallback_reset(alpha: LlamaServer, beta: LlamaServer, local: Any, runs: int) -> dict[str, Any]:
    proxy = FaultProxy(alpha.port).start()
    results: dict[str, Any] = {}
    try:
        for target in ("beta", "local"):
            gaps = []
            for _ in range(runs):
                fallback = (RemoteBackend(RemoteProvider("beta", beta.base_url, beta.alias),
                                          key_lookup({}, {})) if target == "beta" else None)
                router = router_over(proxy.base_url, fallback, local)
                proxy.push(Fault.reset_after(events=6))
                watch = Watch()
                record = watch.run(router)
                assert record.continued_from == "remote:alpha", record
                gaps.append(watch.gap_ms)
                router.close()
            results[f"reset_to_{target}_ms_median"] = statistics.median(gaps)
            results[f"reset_to_{target}_ms_all"] = [round(g, 1) for g in gaps]
    finally:
        proxy.close()
    return results


def fallback_kill(gguf: Path, beta: LlamaServer, local: Any) -> dict[str, Any]:
    """Really kill provider A's server process after 5 pieces; continue on B."""
    doomed = LlamaServer(gguf, "alpha").start()
    try:
        fallback = RemoteBackend(RemoteProvider("beta", beta.base_url, beta.alias),
                                 key_lookup({}, {}))
        router = router_over(doomed.base_url, fallback, local)
        watch = Watch()
        killed: dict[str, float] = {}

        def kill_after_five(count: int) -> None:
            if count == 5:
                killed["at"] = time.perf_counter()
                threading.Thread(target=doomed.kill).start()

        record = watch.run(router, kill_after_five)
        router.close()
        first_after = watch.after[0] if watch.after else float("nan")
        return {"kill_to_beta_backend": record.backend,
                "kill_last_piece_to_continuation_ms": watch.gap_ms,
                "kill_to_continuation_ms": (first_after - killed["at"]) * 1000,
                "kill_marker": tr("route_marker_continue", "en", backend="beta")}
    finally:
        doomed.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--fallback-runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--smoke", action="store_true",
                        default=os.environ.get("BENCH_SMOKE") == "1",
                        help="tiny sizes: only checks that the bench runs (make test)")
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.fallback_runs = 2, 1
    gguf = ensure_gguf()
    from tutor_desktop.core.llm.local import LocalBackend

    alpha = LlamaServer(gguf, "alpha").start()
    beta = LlamaServer(gguf, "beta").start()
    local = LocalBackend(gguf, model_name="gemma3-270m", chat_format="gemma", n_ctx=1024,
                         n_threads=1, n_threads_batch=2)
    local.load()
    try:
        report: dict[str, Any] = {"overhead": overhead(alpha, args.runs)}
        report["fallback"] = fallback_reset(alpha, beta, local, args.fallback_runs)
        report["fallback"].update(fallback_kill(gguf, beta, local))
    finally:
        local.close()
        alpha.stop()
        beta.stop()
    if args.json:
        print(json.dumps(report, indent=2))
        return
    o, f = report["overhead"], report["fallback"]
    print(f"Time to first token, {o['runs']} interleaved runs each (same server, same request):")
    print(f"  plain httpx stream : median {o['plain_ttft_ms_median']:7.1f} ms  "
          f"mean {o['plain_ttft_ms_mean']:7.1f} ms")
    print(f"  RemoteBackend      : median {o['ours_ttft_ms_median']:7.1f} ms  "
          f"mean {o['ours_ttft_ms_mean']:7.1f} ms")
    print(f"  overhead           : {o['overhead_ms_median']:+7.1f} ms "
          f"(ratio {o['ratio_median']:.3f})")
    print("Fallback latency (last piece from the dying provider -> first continued piece):")
    print(f"  connection reset -> provider B : median {f['reset_to_beta_ms_median']:7.1f} ms "
          f"{f['reset_to_beta_ms_all']}")
    print(f"  connection reset -> local model: median {f['reset_to_local_ms_median']:7.1f} ms "
          f"{f['reset_to_local_ms_all']}")
    print(f"  server process killed -> B     : {f['kill_last_piece_to_continuation_ms']:7.1f} ms "
          f"(from the kill: {f['kill_to_continuation_ms']:.1f} ms)")


if __name__ == "__main__":
    main()
