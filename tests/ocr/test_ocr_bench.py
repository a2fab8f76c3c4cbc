"""The OCR bench runs to the end on a fresh clone (smoke mode: one page per language)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ocr_bench_smoke_runs_and_reports_both_languages() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "ocr_bench.py"), "--smoke",
                           "--json"], capture_output=True, text=True, env=env, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    rows = {(r["language"], r["dpi"]): r for r in report["results"]}
    assert set(rows) == {("mn", 150), ("en", 150)}
    assert all(r["pages"] == 1 and r["app_pages_per_s"] > 0 for r in rows.values())
    assert rows[("en", 150)]["accuracy"] >= 0.9
