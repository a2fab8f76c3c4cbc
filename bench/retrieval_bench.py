"""Textbook vector search at school-library scale (not a timed test).

200 k synthetic 384-d passages across 12 grades x 8 subjects (x 2 languages)
go into the app's own vec0 table (grade partition key, subject/language
metadata columns, rows inserted sorted by grade). Prints KNN p50/p95 latency
unfiltered and filtered (grade + subject + language, as the tutor asks),
recall@10 against exact float search in numpy, and numpy's time for the same
queries as a ratio. Targets: filtered p95 <= 25 ms, recall@10 >= 0.95.

    python bench/retrieval_bench.py [--rows 200000] [--queries 200]
    python bench/retrieval_bench.py --smoke     # tiny sizes (or BENCH_SMOKE=1)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tutor_desktop.core.retrieval.vector_index import VectorIndex, VectorRow
from tutor_desktop.core.storage import Database

GRADES = 12
SUBJECTS = ("math", "physics", "chemistry", "biology", "history", "geography", "mongolian",
            "english")
DIM = 384
K = 10


def synthetic(rows: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Clustered unit vectors (a topic centre per grade/subject plus noise), like real books."""
    rng = np.random.default_rng(seed)
    grades = rng.integers(1, GRADES + 1, rows)
    subjects = rng.integers(0, len(SUBJECTS), rows)
    languages = (rng.random(rows) < 0.2).astype(np.int64)  # 0 = mn, 1 = en
    centres = rng.standard_normal((GRADES + 1, len(SUBJECTS), DIM)).astype(np.float32)
    vectors = centres[grades, subjects] * 0.35 + rng.standard_normal((rows, DIM)).astype(
        np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), grades, subjects, languages


def top_k(scores: np.ndarray) -> np.ndarray:
    """Indices of the K best scores (all of them when there are K or fewer)."""
    if len(scores) <= K:
        return np.arange(len(scores))
    return np.argpartition(-scores, K)[:K]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--smoke", action="store_true",
                        default=os.environ.get("BENCH_SMOKE") == "1",
                        help="tiny sizes: only checks that the bench runs (make test)")
    args = parser.parse_args()
    if args.smoke:
        args.rows, args.queries = 3_000, 10

    vectors, grades, subjects, languages = synthetic(args.rows)
    lang_names = np.array(["mn", "en"])
    with tempfile.TemporaryDirectory(prefix="retrieval-bench-") as folder:
        db = Database(Path(folder) / "bench.sqlite3")
        index = VectorIndex(db)
        index.ensure("bench-synthetic", DIM)
        started = time.perf_counter()
        order = np.argsort(grades, kind="stable")  # sorted by partition key: ~14x faster
        batch = 20_000
        for start in range(0, args.rows, batch):
            part = order[start:start + batch]
            with db.write() as conn:
                VectorIndex.insert(conn, [
                    VectorRow(int(i) + 1, int(grades[i]), SUBJECTS[subjects[i]],
                              str(lang_names[languages[i]]), vectors[i].tobytes())
                    for i in part])
        insert_s = time.perf_counter() - started
        size_mb = (Path(folder) / "bench.sqlite3").stat().st_size / 1e6

        rng = np.random.default_rng(11)
        picks = rng.integers(0, args.rows, args.queries)
        queries = vectors[picks] + rng.standard_normal((args.queries, DIM)).astype(np.float32) * 0.8
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)

        results: dict[str, dict[str, list[float]]] = {}
        for label, filtered in (("unfiltered", False), ("filtered", True)):
            sql_ms: list[float] = []
            np_ms: list[float] = []
            recalls: list[float] = []
            for qi, pick in enumerate(picks):
                query = queries[qi]
                scope = {}
                if filtered:
                    scope = {"grade": int(grades[pick]), "subject": SUBJECTS[subjects[pick]],
                             "language": str(lang_names[languages[pick]])}
                t0 = time.perf_counter()
                found = index.knn(query, K, **scope)  # type: ignore[arg-type]
                sql_ms.append((time.perf_counter() - t0) * 1000)

                t0 = time.perf_counter()
                if filtered:
                    mask = ((grades == grades[pick]) & (subjects == subjects[pick])
                            & (languages == languages[pick]))
                    candidates = np.flatnonzero(mask)
                    scores = vectors[candidates] @ query
                    exact = candidates[top_k(scores)]
                else:
                    scores = vectors @ query
                    exact = top_k(scores)
                np_ms.append((time.perf_counter() - t0) * 1000)
                truth = {int(i) + 1 for i in exact}
                recalls.append(len(truth & {rowid for rowid, _ in found}) / len(truth))
            results[label] = {"sql": sql_ms, "numpy": np_ms, "recall": recalls}
        db.close()

    print(f"rows {args.rows:,} x {DIM} float32, {GRADES} grades x {len(SUBJECTS)} subjects x 2 "
          f"languages; insert {insert_s:.1f} s ({args.rows / insert_s:,.0f} rows/s), "
          f"db {size_mb:.0f} MB; {args.queries} queries, k={K}")
    for label, data in results.items():
        sql, npy = data["sql"], data["numpy"]
        print(f"{label:10}  sqlite-vec p50 {percentile(sql, 50):6.2f} ms  p95 "
              f"{percentile(sql, 95):6.2f} ms | numpy p50 {percentile(npy, 50):6.2f} ms  p95 "
              f"{percentile(npy, 95):6.2f} ms | ratio p50 sqlite/numpy "
              f"{statistics.median(sql) / max(1e-9, statistics.median(npy)):5.2f} | "
              f"recall@10 {statistics.mean(data['recall']):.3f}")
    filtered_p95 = percentile(results["filtered"]["sql"], 95)
    recall = statistics.mean(results["filtered"]["recall"])
    ok = filtered_p95 <= 25 and recall >= 0.95
    print(f"target filtered p95 <= 25 ms and recall@10 >= 0.95: "
          f"{'MET' if ok else 'NOT MET'} ({filtered_p95:.2f} ms, {recall:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
