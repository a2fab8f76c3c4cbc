"""Learning-progress benchmark on a synthetic school.

Full size: 40 classes x 35 students (one class of 40 for the report), 300 topics,
1,000,000 interactions. Prints, beside the targets:

1. class dashboard (ProgressService.class_progress: grid, needs help, most asked)
   p50/p95 over every class, and the same per-student x topic aggregate as ONE raw
   SQL statement over the interaction log on the same database (ratio);
2. recording one interaction with its mastery update (and FSRS card for a practised
   item), p95, each in its own write transaction;
3. full recompute of topic_mastery and review cards from the log;
4. the PDF class report for the class of 40.

Targets: dashboard p95 <= 100 ms, record p95 <= 5 ms, recompute <= 30 s,
report <= 2 s. The synthetic log is bulk-inserted with plain SQL (it is the data,
not what is measured). Each figure is wall clock with this process's CPU time
beside it: on a shared machine the wall clock mostly measures the neighbours.

Run:  .venv/bin/python bench/progress_bench.py            (full size, a few minutes)
      .venv/bin/python bench/progress_bench.py --smoke    (seconds)
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tutor_desktop.core.accounts import AccountService  # noqa: E402
from tutor_desktop.core.progress import ProgressService  # noqa: E402
from tutor_desktop.core.progress.report import pdf_report  # noqa: E402
from tutor_desktop.core.progress.service import record_interaction  # noqa: E402
from tutor_desktop.core.storage import Database, new_id, utc_now  # noqa: E402

RAW_GRID_SQL = """
SELECT li.user_id, li.topic,
       sum(li.kind = 'quiz') AS answers, sum(li.kind = 'quiz' AND li.correct = 1) AS right,
       sum(li.kind = 'question') AS questions, max(li.created_at) AS last_at
FROM learning_interactions li JOIN users u ON u.id = li.user_id
WHERE u.class_id = ? AND li.topic != ''
GROUP BY li.user_id, li.topic
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def build(db: Database, classes: int, students: int, topics: int, interactions: int,
          seed: int) -> tuple[list[str], list[str], list[str], str]:
    """School, classes, students, one book with topics and items, and the log."""
    rng = random.Random(seed)
    accounts = AccountService(db)
    accounts.first_run_setup("Bench School", "Admin", "admin", "admin-pass-1", "mn")
    school = accounts.school_id()
    now = utc_now()
    class_ids, student_ids = [], []
    with db.write() as conn:
        for number in range(classes):
            class_id = new_id()
            class_ids.append(class_id)
            conn.execute("INSERT INTO classes VALUES (?,?,?,?,?,?,?,?)",
                         (class_id, school, f"{7 + number % 5}{chr(65 + number // 5)}",
                          7 + number % 5, 1, 50, now, now))
            size = 40 if number == classes - 1 else students
            for index in range(size):
                user_id = new_id()
                student_ids.append(user_id)
                conn.execute(
                    "INSERT INTO users (id, school_id, role, display_name, class_id, "
                    "created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
                    (user_id, school, "student", f"Сурагч {number:02d}-{index:02d} Өлзий",
                     class_id, now, now))
        book_id = new_id()
        conn.execute(
            "INSERT INTO textbooks (id, title, subject, grade, language, sha256, status, "
            "created_at, updated_at) VALUES (?,?,?,?,?,?, 'ready', ?, ?)",
            (book_id, "Физик 8", "physics", 8, "mn", "bench", now, now))
        topic_ids = [new_id() for _ in range(topics)]
        conn.executemany(
            "INSERT INTO topics (id, textbook_id, parent_id, ordinal, level, title, page_start, "
            "page_end, source, created_at, updated_at) VALUES (?,?,NULL,?,2,?,?,?,'headings',?,?)",
            [(t, book_id, i, f"{i // 10 + 1}.{i % 10 + 1} Сэдэв {i + 1}", i + 1, i + 1, now, now)
             for i, t in enumerate(topic_ids)])
        chunk_id = new_id()
        conn.execute(
            "INSERT INTO chunks (id, textbook_id, ordinal, page_start, page_end, heading, text, "
            "created_at, updated_at) VALUES (?,?,0,1,1,'','F = m a',?,?)",
            (chunk_id, book_id, now, now))
        item_ids = [new_id() for _ in range(topics * 3)]
        conn.executemany(
            "INSERT INTO practice_items (id, textbook_id, topic_id, chunk_id, kind, prompt, "
            "answer, page, created_at, updated_at) VALUES (?,?,?,?,'cloze',?,?,1,?,?)",
            [(item, book_id, topic_ids[i % topics], chunk_id, f"Асуулт {i}", "хариулт", now, now)
             for i, item in enumerate(item_ids)])
    start = datetime(2026, 2, 1, tzinfo=UTC)
    kinds = ("question", "explanation", "quiz", "quiz", "quiz", "hint")
    batch: list[tuple[object, ...]] = []

    def flush() -> None:
        with db.write() as conn:
            conn.executemany(
                "INSERT INTO learning_interactions (id, user_id, subject, topic, grade, kind, "
                "correct, details, created_at, updated_at, item_id, duration_ms) "
                "VALUES (?,?,?,?,?,?,?,'{}',?,?,?,?)", batch)
        batch.clear()

    for _ in range(interactions):
        user = student_ids[rng.randrange(len(student_ids))]
        topic_index = rng.randrange(topics)
        kind = kinds[rng.randrange(len(kinds))]
        when = (start + timedelta(seconds=rng.randrange(86400 * 60))).isoformat(
            timespec="milliseconds")
        quiz = kind == "quiz"
        item = item_ids[topic_index * 3 + rng.randrange(3)] if quiz else ""
        batch.append((new_id(), user, "physics", topic_ids[topic_index], 8, kind,
                      (1 if rng.random() < 0.65 else 0) if quiz else None, when, when, item,
                      rng.randrange(2000, 60000) if quiz else None))
        if len(batch) >= 20000:
            flush()
    if batch:
        flush()
    return class_ids, student_ids, topic_ids, book_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a small school, seconds")
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--interactions", type=int, help="override the log size")
    parser.add_argument("--keep", type=Path, metavar="DB",
                        help="build the school into DB once and reuse it on later runs")
    args = parser.parse_args()
    if args.smoke:
        classes, students, topics, interactions = 4, 10, 30, 10_000
    else:
        classes, students, topics, interactions = 40, 35, 300, 1_000_000
    interactions = args.interactions or interactions
    with tempfile.TemporaryDirectory(prefix="progress-bench-") as folder:
        path = args.keep or Path(folder) / "bench.sqlite3"
        reuse = path.exists()
        db = Database(path)
        started = time.perf_counter()
        if reuse:
            class_ids = [r["id"] for r in db.query("SELECT id FROM classes ORDER BY rowid")]
            student_ids = [r["id"] for r in db.query(
                "SELECT id FROM users WHERE role = 'student' ORDER BY rowid")]
            interactions = int(db.query_one(
                "SELECT count(*) AS n FROM learning_interactions")["n"])
        else:
            class_ids, student_ids, _topics, _book = build(db, classes, students, topics,
                                                             interactions, seed=9)
        print(f"synthetic school: {classes} classes, {len(student_ids)} students, {topics} "
              f"topics, {interactions:,} interactions (built in "
              f"{time.perf_counter() - started:.1f} s)")
        accounts = AccountService(db)
        progress = ProgressService(db, accounts)
        admin = accounts.sign_in_staff("admin", "admin-pass-1")

        started, cpu = time.perf_counter(), time.process_time()
        rows = progress.recompute_mastery()
        print(f"full recompute of mastery from the log: {time.perf_counter() - started:.1f} s "
              f"(CPU {time.process_time() - cpu:.1f} s) for {rows:,} student x topic rows "
              f"(target <= 30 s)")
        started, cpu = time.perf_counter(), time.process_time()
        cards = progress.recompute_cards()
        print(f"full replay of FSRS review cards from the log: "
              f"{time.perf_counter() - started:.1f} s (CPU {time.process_time() - cpu:.1f} s) "
              f"for {cards:,} cards")

        dashboard_ms, raw_ms, dashboard_cpu, raw_cpu = [], [], [], []
        for _round in range(3):
            for class_id in class_ids:
                t0, c0 = time.perf_counter(), time.process_time()
                grid = progress.class_progress(admin, class_id)
                dashboard_ms.append((time.perf_counter() - t0) * 1000)
                dashboard_cpu.append((time.process_time() - c0) * 1000)
                t0, c0 = time.perf_counter(), time.process_time()
                db.query(RAW_GRID_SQL, (class_id,))
                raw_ms.append((time.perf_counter() - t0) * 1000)
                raw_cpu.append((time.process_time() - c0) * 1000)
        d50, d95 = statistics.median(dashboard_ms), pct(dashboard_ms, 0.95)
        r50, r95 = statistics.median(raw_ms), pct(raw_ms, 0.95)
        print(f"class dashboard: p50 {d50:.1f} ms, p95 {d95:.1f} ms (CPU p50 "
              f"{statistics.median(dashboard_cpu):.1f}, p95 {pct(dashboard_cpu, 0.95):.1f}) "
              f"(target p95 <= 100 ms); raw SQL aggregate over the log: p50 {r50:.1f} ms, "
              f"p95 {r95:.1f} ms (CPU p50 {statistics.median(raw_cpu):.1f}, p95 "
              f"{pct(raw_cpu, 0.95):.1f}); ratio p50 {d50 / r50:.2f}, p95 {d95 / r95:.2f}  "
              f"[last grid: {len(grid.students)} students x {len(grid.topics)} topics]")

        rng = random.Random(5)
        items = [r["id"] for r in db.query("SELECT id, topic_id FROM practice_items")]
        item_topic = {r["id"]: r["topic_id"] for r in db.query(
            "SELECT id, topic_id FROM practice_items")}
        record_ms, record_cpu = [], []
        for _ in range(args.records):
            user = student_ids[rng.randrange(len(student_ids))]
            item = items[rng.randrange(len(items))]
            t0, c0 = time.perf_counter(), time.process_time()
            with db.write() as conn:
                record_interaction(conn, user_id=user, subject="physics",
                                   topic=item_topic[item], kind="quiz",
                                   correct=rng.random() < 0.6, grade=8, item_id=item,
                                   duration_ms=8000)
            record_ms.append((time.perf_counter() - t0) * 1000)
            record_cpu.append((time.process_time() - c0) * 1000)
        commit_ms = []      # the floor: one tiny row in its own FULL-synchronous commit
        for index in range(args.records):
            t0 = time.perf_counter()
            with db.write() as conn:
                conn.execute("INSERT OR REPLACE INTO settings (key, value, updated_at) "
                             "VALUES ('bench', ?, '')", (str(index),))
            commit_ms.append((time.perf_counter() - t0) * 1000)
        print(f"record one interaction + mastery + FSRS card: p50 "
              f"{statistics.median(record_ms):.2f} ms, p95 {pct(record_ms, 0.95):.2f} ms "
              f"(CPU p95 {pct(record_cpu, 0.95):.2f}) (target p95 <= 5 ms); "
              f"a bare one-row commit on the same database: p50 "
              f"{statistics.median(commit_ms):.2f} ms, p95 {pct(commit_ms, 0.95):.2f} ms "
              f"(ratio p95 {pct(record_ms, 0.95) / pct(commit_ms, 0.95):.1f})")

        big = class_ids[-1]
        pdf_report(progress.class_progress(admin, class_ids[0]), Path(folder) / "warm.pdf")
        t0, c0 = time.perf_counter(), time.process_time()
        report = progress.class_progress(admin, big)
        out = pdf_report(report, Path(folder) / "class.pdf")
        report_s = time.perf_counter() - t0
        print(f"PDF report, class of {len(report.students)} students x {len(report.topics)} "
              f"topics: {report_s:.2f} s (CPU {time.process_time() - c0:.2f} s), "
              f"{out.stat().st_size / 1024:.0f} KiB (target <= 2 s; fpdf2 imported before)")
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
