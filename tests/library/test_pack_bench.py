"""The pack bench runs to the end (smoke size) and its pack installs without embedding."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(600)
def test_pack_bench_smoke(e5_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "pack_bench.py"), "--smoke"],
                          capture_output=True, text=True, timeout=590,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "install / import:" in done.stdout and "pack size:" in done.stdout
    assert "embedder loaded: no" in done.stdout
