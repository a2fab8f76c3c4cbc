"""``tutor gui --smoke`` in a real process: the packaged-build and CI check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlean


def _run(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LANG": "mn_MN.UTF-8"}
    return subprocess.run(
        [sys.executable, "-m", "tutor_desktop", "--data-dir", str(data_dir), "gui", *extra],
        env=env, capture_output=True, text=True, timeout=120, encoding="utf-8")


def test_gui_smoke_exits_zero(tmp_path: Path) -> None:
    done = _run(tmp_path / "data", "--smoke")
    assert done.returncode == 0, done.stderr
    assert "smoke: window interactive after" in done.stdout
    assert "SetupPage" in done.stdout  # a fresh install starts with the first-run set-up


def test_gui_refuses_a_newer_database_with_a_message(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    conn = sqlean.connect(str(data / "tutor.sqlite3"))
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    done = _run(data, "--smoke")
    assert done.returncode == 3
    assert "шинэ хувилбараас" in done.stderr  # translated, one line, no traceback
    assert "Traceback" not in done.stderr
