"""Kill the app at any moment: every committed row survives and the file is sound."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tutor_desktop.core.storage import Database

WRITER = r"""
import sys
from tutor_desktop.core.storage import Database, new_id, utc_now
db = Database(sys.argv[1])
with db.write() as conn:
    conn.execute("INSERT INTO schools VALUES ('s', 'School', ?, ?)", (utc_now(), utc_now()))
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
    time.sleep(1.5)
    os.kill(proc.pid, signal.SIGKILL)
    committed = [line.strip() for line in proc.stdout if len(line.strip()) == 36]
    proc.wait()
    assert len(committed) > 20, "the writer should have committed many rows before the kill"

    db = Database(db_path)  # reopening recovers from the WAL
    assert db.integrity_check() == "ok"
    stored = {r["id"] for r in db.query("SELECT id FROM messages")}
    assert set(committed) <= stored
    assert len(stored) - len(committed) <= 1  # at most the row committed as we killed
    db.close()
