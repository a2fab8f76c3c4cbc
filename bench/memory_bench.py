"""Resident memory of each component beside the size of the files it loads (not a timed test).

Lab PCs have 4 GB shared with the OS and a browser, so what matters is the peak
resident set (VmHWM) each part of the app adds. Every component runs in a fresh
subprocess so one's allocations never hide another's; RSS is not distorted by a
busy machine, wall times are (label them noisy).

Rows: process start (Python + tutor_desktop core), the e5 embedder loaded, the
embedder after embedding 20 long (~800 character) Mongolian passages, and the
chat model (Gemma 3 270M, the app's own backend settings) loaded. The embedder
is measured at the old settings and at the candidates for ``--configs``; each
row also prints query latency (median of warm single queries), import
throughput (passages/s) and, for candidates, the cosine of their vectors
against the first configuration's.

    python bench/memory_bench.py                # full: all configurations, 20 passages
    python bench/memory_bench.py --smoke        # start + default embedder + chat, < 30 s
    python bench/memory_bench.py --configs 512/512/512/legacy,512/512/512/lean
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
BASELINE = "512/512/512/legacy"  # n_batch/n_ubatch/n_ctx/outputs before the memory diet
QUERIES = ("Фотосинтез гэж юу вэ?", "Навч яагаад ногоон өнгөтэй байдаг вэ?",
           "Ургамал хүчилтөрөгчийг хаанаас гаргадаг вэ?", "What is a force?",
           "Хлорофилл ямар үүрэгтэй вэ?")


def status_mb(field: str) -> float:
    """A field of /proc/self/status (VmHWM = peak resident, VmRSS = now) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")  # not Linux: the bench prints nan rather than guessing


def mongolian_passages(count: int, length: int = 800) -> list[str]:
    """``count`` passages of ``length`` characters from the Mongolian sample book,
    as an import would cut them (windows at different offsets, so no two are equal)."""
    text = " ".join((ROOT / "resources/sample_library/biology7_photosynthesis_mn.txt")
                    .read_text(encoding="utf-8").split())
    step = max(1, (len(text) - length) // max(1, count))
    return [(text + " " + text)[i * step:i * step + length] for i in range(count)]


# -- children (one component each, in a fresh process) ------------------------
def child_start() -> dict[str, object]:
    import tutor_desktop.core.embeddings  # noqa: F401  (what every command imports)

    return {"hwm": status_mb("VmHWM"), "rss": status_mb("VmRSS"), "files": 0.0}


def child_embedder(config: str, passages: int, vectors_out: str) -> dict[str, object]:
    from tests.model_files import e5_gguf
    from tutor_desktop.core.embeddings import LlamaEmbedder

    *numbers, outputs = config.split("/")
    n_batch, n_ubatch, n_ctx = (int(x) for x in numbers)
    path = e5_gguf()
    started = time.perf_counter()
    embedder = LlamaEmbedder(path, n_batch=n_batch, n_ubatch=n_ubatch, n_ctx=n_ctx,
                             lean=outputs == "lean")
    load_s = time.perf_counter() - started
    loaded_hwm, loaded_rss = status_mb("VmHWM"), status_mb("VmRSS")
    embedder.embed_query("warm-up")
    latencies, cpu = [], []
    for query in QUERIES * (2 if passages > 5 else 1):
        t0, c0 = time.perf_counter(), time.process_time()
        embedder.embed_query(query)
        latencies.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    texts = mongolian_passages(passages)
    t0, c0 = time.perf_counter(), time.process_time()
    vectors = embedder.embed_passages(texts)
    import_s, import_cpu = time.perf_counter() - t0, time.process_time() - c0
    query_vectors = np.vstack([embedder.embed_query(q) for q in QUERIES])
    np.save(vectors_out, np.vstack([vectors, query_vectors]))
    return {"hwm": loaded_hwm, "rss": loaded_rss, "files": path.stat().st_size / MB,
            "load_s": load_s, "query_ms": float(np.median(latencies)) * 1000,
            "query_cpu_ms": float(np.median(cpu)) * 1000, "passages_s": len(texts) / import_s,
            "passages_cpu_s": len(texts) / import_cpu, "after_hwm": status_mb("VmHWM"),
            "after_rss": status_mb("VmRSS")}


def child_chat() -> dict[str, object]:
    from tests.model_files import gemma_gguf
    from tutor_desktop.core.llm.local import LocalBackend

    path = gemma_gguf()
    backend = LocalBackend(path, model_name="gemma", chat_format="gemma")
    started = time.perf_counter()
    backend.load()
    return {"hwm": status_mb("VmHWM"), "rss": status_mb("VmRSS"),
            "files": path.stat().st_size / MB, "load_s": time.perf_counter() - started,
            "n_ctx": backend.n_ctx}


def run_child(*args: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, "--child", *args], cwd=ROOT,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"child {args} failed ({out.returncode}): {out.stderr[-2000:]}")
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def ratio(hwm: object, files: object) -> str:
    return f"{float(hwm) / float(files):5.1f}x" if float(files) else "    -"  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true",
                        help="start, the app's embedder settings and chat model, 3 passages")
    parser.add_argument("--passages", type=int, default=20)
    parser.add_argument("--configs", default="",
                        help="embedder n_batch/n_ubatch/n_ctx/{lean,legacy} list (comma "
                             "separated; legacy = llama-cpp-python's min(n_batch, 256) "
                             "output sequences)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        kind = args.child[0]
        if kind == "start":
            result = child_start()
        elif kind == "embedder":
            result = child_embedder(args.child[1], int(args.child[2]), args.child[3])
        else:
            result = child_chat()
        print(json.dumps(result))
        return 0

    from tutor_desktop.core.embeddings.llama_embedder import DEFAULT_SETTINGS

    app = "/".join(str(v) for v in DEFAULT_SETTINGS) + "/lean"
    if args.configs:
        configs = args.configs.split(",")
    elif args.smoke:
        configs = [app]
    else:
        configs = list(dict.fromkeys([BASELINE, app, "128/128/512/legacy",
                                      "32/32/512/legacy"]))
    passages = 3 if args.smoke else args.passages

    print("Peak resident memory (VmHWM, MB) per component, each in a fresh process. "
          "RSS is reliable on a busy machine; wall times are NOISY (shared cores), so "
          "times are printed as wall|cpu (process CPU time; run with TUTOR_EMBED_THREADS=1 "
          "on a busy machine, where spinning threads inflate both).")
    header = (f"{'component':<40}{'peak MB':>8}{'now MB':>7}{'files MB':>9}{'ratio':>7}"
              f"{'query ms':>13}{'passages/s':>13}{'cos min':>9}")
    print(header)
    print("-" * len(header))
    start = run_child("start")
    print(f"{'process start (python + core)':<40}{start['hwm']:>8.0f}{start['rss']:>7.0f}"
          f"{0:>9.0f}{'-':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        reference: np.ndarray | None = None
        for config in configs:
            out = str(Path(tmp) / (config.replace("/", "_") + ".npy"))
            emb = run_child("embedder", config, str(passages), out)
            vectors = np.load(out)
            if reference is None:
                reference, cos = vectors, "ref"
            else:
                cos = f"{float(np.min(np.sum(reference * vectors, axis=1))):.5f}"
            label = f"embedder {config}" + (" (app)" if config == app else "")
            query = f"{emb['query_ms']:.0f}|{emb['query_cpu_ms']:.0f}"
            speed = f"{emb['passages_s']:.1f}|{emb['passages_cpu_s']:.1f}"
            print(f"{label + ' loaded':<40}{emb['hwm']:>8.0f}{emb['rss']:>7.0f}"
                  f"{emb['files']:>9.1f}{ratio(emb['hwm'], emb['files']):>7}{query:>13}")
            print(f"{'  + ' + str(passages) + ' Mongolian passages (800 ch)':<40}"
                  f"{emb['after_hwm']:>8.0f}{emb['after_rss']:>7.0f}{emb['files']:>9.1f}"
                  f"{ratio(emb['after_hwm'], emb['files']):>7}{'':>13}{speed:>13}{cos:>9}")
    chat = run_child("chat")
    print(f"{'chat model loaded (n_ctx ' + str(chat['n_ctx']) + ')':<40}{chat['hwm']:>8.0f}"
          f"{chat['rss']:>7.0f}{chat['files']:>9.1f}{ratio(chat['hwm'], chat['files']):>7}")
    print("Targets: embedder resident <= 150 MB, query <= 100 ms, import >= 0.9x "
          f"of {BASELINE}; cosine vs the first row >= 0.999.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
