"""Kill the app at any moment: every committed row survives and the file is sound."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tutor_desktop.core.storage import Database

WRITER = r"""
import sys
from tutor_desktop.core.storage import Database, new_id, utc_now
db = Database(sys.argv[1])
with db.write() as conn:
    conn.execute("INSERT INTO schools (id, name, created_at, updated_at) "
                 "VALUES ('s', 'School', ?, ?)", (utc_now(), utc_now()))
    conn.execute("INSERT INTO users (id, school_id, role, display_name, created_at, updated_at) "
                 "VALUES ('u', 's', 'student', 'Kid', ?, ?)", (utc_now(), utc_now()))
    conn.execute("INSERT INTO conversations (id, user_id, created_at, updated_at) "
                 "VALUES ('c', 'u', ?, ?)", (utc_now(), utc_now()))
print("ready", flush=True)
i = 0
while True:
    msg_id = new_id()
    with db.write() as conn:  # one committed message per transaction, ~2 KB each
        conn.execute("INSERT INTO messages (id, conversation_id, role, content, created_at, "
                     "updated_at) VALUES (?, 'c', 'user', ?, ?, ?)",
                     (msg_id, "ж" * 1000 + str(i), utc_now(), utc_now()))
    print(msg_id, flush=True)  # printed only after COMMIT returned
    i += 1
"""


def test_sigkill_mid_write_loses_no_committed_row(tmp_path: Path) -> None:
    db_path = tmp_path / "crash.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    # Kill once 30 rows are committed, however long a busy PC takes to get there; the
    # writer is still writing at that moment.
    committed = [proc.stdout.readline().strip() for _ in range(30)]
    os.kill(proc.pid, signal.SIGKILL)
    committed += [line.strip() for line in proc.stdout if len(line.strip()) == 36]
    proc.wait()
    assert all(len(row_id) == 36 for row_id in committed)

    db = Database(db_path)  # reopening recovers from the WAL
    assert db.integrity_check() == "ok"
    stored = {r["id"] for r in db.query("SELECT id FROM messages")}
    assert set(committed) <= stored
    assert len(stored) - len(committed) <= 1  # at most the row committed as we killed
    db.close()


def test_full_disk_gives_a_clear_message_and_loses_nothing(services, school) -> None:
    from tutor_desktop.core.storage import StorageFullError

    db, store = services.db, services.conversations
    anu = services.accounts.sign_in_student(school.anu.id, "1234")
    conv = store.create(anu, subject="math")
    store.add_message(anu, conv.id, "user", "Энэ асуулт хадгалагдсан байх ёстой.")
    pages = db.query_one("PRAGMA page_count")[0]
    db._writer.execute(f"PRAGMA max_page_count = {pages}")  # the disk is now "full"
    try:
        import pytest

        with pytest.raises(StorageFullError) as info:
            store.add_message(anu, conv.id, "user", "x" * 200_000)
        assert info.value.message("mn").startswith("Диск дүүрсэн байна.")
    finally:
        db._writer.execute("PRAGMA max_page_count = 1073741823")  # space freed
    assert db.integrity_check() == "ok"
    kept = [m.content for m in store.messages(anu, conv.id)]
    assert kept == ["Энэ асуулт хадгалагдсан байх ёстой."]
    store.add_message(anu, conv.id, "user", "Дахиад.")  # works again once there is room
    assert len(store.messages(anu, conv.id)) == 2
