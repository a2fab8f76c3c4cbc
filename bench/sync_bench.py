"""Sync benchmark: the service on a real PostgreSQL under many lab PCs.

1. Push: ``--pcs`` simulated PCs (200) push ``--events`` events each (1,000), all at
   once, in the client's batches (500, gzip), to ``tutor-cloud serve`` running in its
   own process on loopback. Reported: events/s, p50/p95 push latency, and lost /
   doubled events *counted in the database* (expected vs stored vs distinct keys).
   Beside it, the same rows loaded by one ``COPY`` into a table of the same shape on
   the same database: the ratio says what the API, JSON, idempotency and
   last-writer-wins cost over the raw load.
2. Pull: a fresh desktop PC (a real data folder) enrols and pulls a school of
   ``--students`` (1,000) × ``--messages`` (100): seconds (and how many of them were
   spent applying pages) and megabytes on the wire; beside it, a second fresh PC
   pulls the same school applying each page row by row (the rules one event at a
   time), to show what batching the apply (executemany per table) saves.

Run:  .venv/bin/python bench/sync_bench.py            (full size, a few minutes)
      .venv/bin/python bench/sync_bench.py --smoke    (seconds)
      .venv/bin/python bench/sync_bench.py --only pull (the pull half only)
Needs Debian's postgresql (installers/apt-deps.sh) and the [server] extra.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "sync")]
os.environ.setdefault("TUTOR_SECRETS_BACKEND", "file")

import httpx  # noqa: E402
from pg_server import PostgresServer, free_port  # noqa: E402

from tutor_cloud.db import PostgresDatabase  # noqa: E402
from tutor_cloud.store import Store  # noqa: E402

PCS_PER_SCHOOL = 10  # a lab of ten PCs per school: pushes of one school serialise
STAMP = "2026-05-04T09:{:02d}:{:02d}.{:03d}+00:00"


def message_event(device: str, seq: int, conversation: str) -> dict[str, Any]:
    row_id = str(uuid.uuid4())
    stamp = STAMP.format(seq // 60000 % 60, seq // 1000 % 60, seq % 1000)
    text = f"Бутархайг хэрхэн хураах вэ? Жишээ нь 6/8 гэвэл… (асуулт {seq})"
    row = {"id": row_id, "conversation_id": conversation, "role": "user", "content": text,
           "status": "complete", "backend": "", "model": "", "prompt_tokens": None,
           "completion_tokens": None, "citations": "[]", "created_at": stamp,
           "updated_at": stamp}
    return {"entity": "messages", "id": row_id, "op": "upsert", "row": row,
            "updated_at": stamp, "author": device, "device_id": device, "seq": seq}


def start_service(dsn: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "tutor_cloud", "serve", "--db", dsn,
                                "--port", str(port), "--rate", "100000", "--workers",
                                str(workers)], env=env,
                               stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("tutor-cloud serve did not start")


def push_bench(store: Store, url: str, pcs: int, events: int, batch: int) -> dict[str, Any]:
    schools = [store.create_school(f"Bench school {n}") for n in range((pcs + 9) // 10)]
    devices = []
    for number in range(pcs):
        _school_id, code = schools[number // PCS_PER_SCHOOL]
        device = f"pc-{number:03d}-{uuid.uuid4().hex[:8]}"
        token = store.enrol(code, device, f"PC {number}")
        assert token is not None
        devices.append((device, token[0]))
    # Bodies are built before the clock starts: we time the service, not the generator.
    bodies: list[list[bytes]] = []
    for device, _ in devices:
        conversation = str(uuid.uuid4())
        all_events = [message_event(device, seq, conversation) for seq in range(1, events + 1)]
        bodies.append([gzip.compress(json.dumps({"events": all_events[i:i + batch]},
                                                ensure_ascii=False).encode(), 5)
                       for i in range(0, events, batch)])
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(pcs + 1)

    def pc(index: int) -> None:
        _device, token = devices[index]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                   "Content-Encoding": "gzip"}
        with httpx.Client(base_url=url, headers=headers, timeout=300) as client:
            start_gate.wait()
            for body in bodies[index]:
                for _attempt in range(5):  # the client's retry: an error is retried
                    began = time.perf_counter()
                    try:
                        answer = client.post("/v1/push", content=body)
                    except httpx.HTTPError as exc:
                        with lock:
                            failures.append(type(exc).__name__)
                        continue
                    took = time.perf_counter() - began
                    if answer.status_code == 200:
                        with lock:
                            latencies.append(took)
                        break
                    with lock:
                        failures.append(str(answer.status_code))

    threads = [threading.Thread(target=pc, args=(n,)) for n in range(pcs)]
    for thread in threads:
        thread.start()
    start_gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    expected = pcs * events
    with store.db.transaction() as conn:
        stored, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT (device_id, seq)) FROM sync_events")[0]
        rows = conn.execute("SELECT count(*) FROM sync_rows")[0][0]
    latencies.sort()
    return {"pcs": pcs, "events_per_pc": events, "schools": len(schools),
            "seconds": round(elapsed, 2), "events_per_s": round(expected / elapsed),
            "push_p50_ms": round(statistics.median(latencies) * 1000),
            "push_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000),
            "pushes": len(latencies), "retried": len(failures),
            "expected": expected, "stored": int(stored), "rows": int(rows),
            "lost": expected - int(distinct), "doubled": int(stored) - int(distinct)}


def copy_baseline(dsn: str, pcs: int, events: int) -> dict[str, Any]:
    """The same number of rows, one COPY, one transaction, same database and row shape."""
    import psycopg

    lines = []
    for number in range(pcs):
        device = f"copy-{number}"
        conversation = str(uuid.uuid4())
        for seq in range(1, events + 1):
            event = message_event(device, seq, conversation)
            lines.append(("s", "messages", event["id"], event["updated_at"], device, 0,
                          conversation, json.dumps(event["row"], ensure_ascii=False),
                          number * events + seq))
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE copy_rows (LIKE sync_rows INCLUDING ALL)")
        conn.commit()
        began = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(
                "COPY copy_rows (school_id, entity, row_id, hlc, author, deleted, parent_id, "
                "body, server_seq) FROM STDIN") as copy:
            for line in lines:
                copy.write_row(line)
        conn.commit()
        elapsed = time.perf_counter() - began
    return {"rows": len(lines), "seconds": round(elapsed, 2),
            "rows_per_s": round(len(lines) / elapsed)}


class CountingTransport(httpx.HTTPTransport):
    """Counts the bytes the PC receives (compressed as on the wire when gzip is used)."""

    def __init__(self) -> None:
        super().__init__()
        self.received = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        body = b"".join(response.stream)  # as sent: gzip-compressed when the server gzips
        self.received += len(body) + sum(len(k) + len(v) for k, v in response.headers.raw)
        return httpx.Response(response.status_code, headers=response.headers, content=body,
                              request=request)


def pull_bench(store: Store, url: str, students: int, messages: int) -> dict[str, Any]:
    from tutor_desktop.composition import build_services
    from tutor_desktop.core.sync.client import SyncClient

    school_id, code = store.create_school("Pull school")
    device = "seed-pc"
    seq = 0
    now = "2026-05-04T08:00:00.000+00:00"

    def event(entity: str, row: dict[str, Any]) -> dict[str, Any]:
        nonlocal seq
        seq += 1
        return {"entity": entity, "id": row["id"], "op": "upsert", "row": row,
                "updated_at": now, "author": device, "device_id": device, "seq": seq}

    from tutor_desktop.core.accounts.hashing import hash_secret

    pin_hash = hash_secret("1234")
    first = [event("schools", {"id": school_id, "name": "Pull school", "created_at": now,
                               "updated_at": now, "sync_conversation_text": 1})]
    classes = [str(uuid.uuid4()) for _ in range(max(1, students // 35))]
    first += [event("classes", {"id": c, "school_id": school_id, "name": f"Class {n}",
                                "grade": 7, "allow_no_pin": 0, "daily_message_limit": 50,
                                "created_at": now, "updated_at": now})
              for n, c in enumerate(classes)]
    store.push(school_id, first)
    for number in range(students):
        user, conversation = str(uuid.uuid4()), str(uuid.uuid4())
        batch = [event("users", {"id": user, "school_id": school_id, "role": "student",
                                 "display_name": f"Сурагч {number}", "username": None,
                                 "class_id": classes[number % len(classes)],
                                 "secret_hash": pin_hash, "language": "mn", "active": 1,
                                 "created_at": now, "updated_at": now}),
                 event("conversations", {"id": conversation, "user_id": user, "title": "",
                                         "subject": "math", "grade": 7, "language": "mn",
                                         "mode": "socratic", "created_at": now,
                                         "updated_at": now})]
        batch += [message_event(device, 0, conversation) for _ in range(messages)]
        for e in batch[2:]:
            seq += 1
            e["seq"] = seq
        store.push(school_id, batch)
    total = store.counts(school_id)
    import tutor_desktop.core.sync.apply as apply_module
    import tutor_desktop.core.sync.client as client_module

    applying = [0.0]
    real_apply = client_module.apply_events

    def timed_apply(*args: Any, **kwargs: Any) -> Any:  # how much of the pull is applying
        began = time.perf_counter()
        try:
            return real_apply(*args, **kwargs)
        finally:
            applying[0] += time.perf_counter() - began

    def fresh_pc(folder: str) -> dict[str, Any]:
        applying[0] = 0.0
        services = build_services(Path(folder) / f"fresh-pc-{apply_module.BATCH_FROM}")
        transport = CountingTransport()
        client = SyncClient(services.db, services.secrets, transport=transport, page=1000)
        client.enroll(url, code, "fresh PC")
        began = time.perf_counter()
        report = client.sync_now()
        elapsed = time.perf_counter() - began
        local = client.local_counts()
        services.close()
        return {"seconds": round(elapsed, 1), "apply_seconds": round(applying[0], 1),
                "megabytes": round(transport.received / 1e6, 1), "pulled": report.pulled,
                "counts_match": report.counts_match,
                "local_messages": local.get("messages", 0)}

    client_module.apply_events = timed_apply  # type: ignore[assignment]
    threshold = apply_module.BATCH_FROM
    try:
        with tempfile.TemporaryDirectory() as folder:
            # The same school pulled twice by fresh PCs: each page applied row by row
            # (the rules one event at a time), then batched (executemany per table).
            apply_module.BATCH_FROM = 10 ** 9
            row_by_row = fresh_pc(folder)
            apply_module.BATCH_FROM = threshold
            batched = fresh_pc(folder)
    finally:
        client_module.apply_events = real_apply  # type: ignore[assignment]
        apply_module.BATCH_FROM = threshold
    return {"students": students, "messages_per_student": messages,
            "rows": sum(total.values()), **batched, "row_by_row": row_by_row,
            "counts_match": batched["counts_match"] and row_by_row["counts_match"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds")
    parser.add_argument("--pcs", type=int, default=200)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="tutor-cloud serve --workers")
    parser.add_argument("--only", choices=("push", "pull"),
                        help="run one half (e.g. --only pull to measure a fresh PC's pull)")
    args = parser.parse_args()
    if args.smoke:
        args.pcs, args.events, args.students, args.messages = 4, 100, 20, 10
    pg = PostgresServer().start()
    service = None
    try:
        dsn = pg.new_database()
        store = Store(PostgresDatabase(dsn, max_size=4))
        service, url = start_service(dsn, args.workers)
        ok = True
        if args.only != "pull":
            push = push_bench(store, url, args.pcs, args.events, args.batch)
            print(json.dumps({"push": push}, ensure_ascii=False))
            copy = copy_baseline(dsn, args.pcs, args.events)
            print(json.dumps({"copy": copy, "api_vs_copy": round(push["events_per_s"]
                                                                 / copy["rows_per_s"], 3)}))
            print(f"push: {push['pcs']} PCs x {push['events_per_pc']} events -> "
                  f"{push['events_per_s']} events/s, p95 {push['push_p95_ms']} ms, lost "
                  f"{push['lost']}, doubled {push['doubled']}; COPY {copy['rows_per_s']} "
                  f"rows/s (API/COPY {push['events_per_s'] / copy['rows_per_s']:.3f})")
            ok = push["lost"] == 0 and push["doubled"] == 0
        if args.only != "push":
            pull = pull_bench(store, url, args.students, args.messages)
            print(json.dumps({"pull": pull}, ensure_ascii=False))
            slow = pull["row_by_row"]
            print(f"pull: a fresh PC pulls {pull['rows']} rows in {pull['seconds']} s "
                  f"({pull['apply_seconds']} s applying), {pull['megabytes']} MB; row by row "
                  f"{slow['seconds']} s ({slow['apply_seconds']} s applying)")
            ok = ok and pull["counts_match"] is not False
        store.db.close()
        return 0 if ok else 1
    finally:
        if service is not None:
            service.terminate()
            service.wait(10)
        pg.stop()


if __name__ == "__main__":
    raise SystemExit(main())
