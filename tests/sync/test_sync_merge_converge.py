"""Several PCs create the same classes and usernames offline, then sync in any order.

Property-based: each PC writes through the real write path (outbox, clock), the
server is the real store (tutor_cloud.store on SQLite: the same SQL as PostgreSQL),
and the PCs push and pull in an order hypothesis chooses. Once everything has
travelled, every PC holds the same rows as every other and as the server: one class
per normalised name in the school (the oldest), every username once, every student
in a class that exists.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor_cloud.db import SqliteDatabase
from tutor_cloud.store import Store
from tutor_desktop.core.storage import Database
from tutor_desktop.core.sync import record_change
from tutor_desktop.core.sync.apply import apply_events
from tutor_desktop.core.sync.identity import check_identity
from tutor_desktop.core.sync.merge import class_key
from tutor_desktop.core.sync.outbox import Event, pending_events

SCHOOL = "school-1"
STAMP = "2026-05-01T08:00:00.000+00:00"
TABLES = ("classes", "users", "teacher_classes", "row_merges")


class Pc:
    def __init__(self, folder: Path, name: str) -> None:
        self.db = Database(folder / f"{name}.sqlite3")
        check_identity(self.db)
        self.name = name
        self.cursor = 0

    def create(self, kind: str, number: int, text: str, made: str) -> None:
        row_id = f"{self.name}-{kind}-{number}"
        with self.db.write() as conn:
            if kind == "class":
                if conn.execute("SELECT 1 FROM classes WHERE name = ?", (text,)).fetchone():
                    return  # this PC refuses a second class of that exact name anyway
                conn.execute("INSERT INTO classes (id, school_id, name, grade, created_at, "
                             "updated_at) VALUES (?,?,?,?,?,?)",
                             (row_id, SCHOOL, text, 7, made, made))
                record_change(conn, "classes", row_id)
                student = f"{row_id}-pupil"
                conn.execute("INSERT INTO users (id, school_id, role, display_name, class_id, "
                             "created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
                             (student, SCHOOL, "student", f"Сурагч {row_id}", row_id, made,
                              made))
                record_change(conn, "users", student)
            else:
                if conn.execute("SELECT 1 FROM users WHERE username = ?", (text,)).fetchone():
                    return
                conn.execute("INSERT INTO users (id, school_id, role, display_name, username, "
                             "created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
                             (row_id, SCHOOL, "teacher", text.title(), text, made, made))
                record_change(conn, "users", row_id)
                first = conn.execute("SELECT id FROM classes ORDER BY id LIMIT 1").fetchone()
                if first is not None:
                    link = f"{row_id}-link"
                    conn.execute("INSERT INTO teacher_classes (id, teacher_id, class_id, "
                                 "created_at, updated_at) VALUES (?,?,?,?,?)",
                                 (link, row_id, first[0], made, made))
                    record_change(conn, "teacher_classes", link)

    def push(self, store: Store, school: str) -> int:
        events = pending_events(self.db.reader(), 1000)
        if events:
            store.push(school, [e.to_json() for e in events])
            with self.db.write() as conn:
                conn.execute("UPDATE sync_outbox SET sent_at = 'now' WHERE sent_at IS NULL "
                             "AND seq <= (SELECT max(seq) FROM sync_outbox)")
        return len(events)

    def pull(self, store: Store, school: str) -> int:
        rows, self.cursor = store.pull(school, self.cursor, 1000)
        if rows:
            with self.db.write() as conn:
                apply_events(conn, [Event.from_json(r) for r in rows])
        return len(rows)

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        out = {}
        for table in TABLES:
            names = [r[1] for r in self.db.query(f"PRAGMA table_info({table})")
                     if r[1] not in ("failed_attempts", "locked_until")]
            out[table] = [tuple(r) for r in self.db.query(
                f"SELECT {', '.join(names)} FROM {table} ORDER BY id")]
        return out


writes = st.lists(st.tuples(
    st.integers(0, 2),                                     # which PC
    st.sampled_from(["class", "teacher"]),
    st.sampled_from(["7A", "7a", "7 А", "8B"]),             # class names as typed
    st.sampled_from(["bat", "dulmaa"]),                    # usernames
    st.integers(1, 50)), min_size=2, max_size=9)           # created at (ms)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(writes=writes, order=st.lists(st.tuples(st.integers(0, 2), st.booleans()),
                                     min_size=0, max_size=12))
def test_pcs_syncing_in_any_order_end_with_the_same_one_class_per_name(writes, order) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(SqliteDatabase(Path(folder) / "server.sqlite3"))
        school, _code = store.create_school("School")
        pcs = [Pc(Path(folder), f"pc{n}") for n in range(3)]
        school_row = {"id": SCHOOL, "name": "School", "created_at": STAMP,
                      "updated_at": STAMP, "sync_conversation_text": 1}
        for pc in pcs:
            with pc.db.write() as conn:
                apply_events(conn, [Event("schools", SCHOOL, "upsert", school_row, STAMP,
                                          "seed", 1)])
        for number, (which, kind, name, username, ms) in enumerate(writes):
            made = f"2026-05-01T08:00:01.{ms:03d}+00:00"
            pcs[which].create(kind, number, name if kind == "class" else username, made)
        for which, pushes in order:  # some syncs in hypothesis's order, half-done ones too
            if pushes:
                pcs[which].push(store, school)
            pcs[which].pull(store, school)
        for _ in range(8):  # then everyone syncs until nothing moves
            moved = sum(pc.push(store, school) + pc.pull(store, school) for pc in pcs)
            if not moved:
                break
        assert not moved, "sync did not settle"
        states = [pc.rows() for pc in pcs]
        assert states[0] == states[1] == states[2]
        classes = states[0]["classes"]
        keys = [class_key(str(c[2])) for c in classes]
        assert len(keys) == len(set(keys))  # one class per normalised name
        usernames = [u for u in (pc_user[4] for pc_user in states[0]["users"]) if u]
        assert len(usernames) == len(set(usernames))
        assert store.counts(school).get("classes", 0) == len(classes)
        ids = {c[0] for c in classes}
        homes = pcs[0].db.query("SELECT class_id FROM users WHERE role = 'student'")
        assert all(h[0] in ids for h in homes)
        for pc in pcs:
            pc.db.close()
        store.db.close()
