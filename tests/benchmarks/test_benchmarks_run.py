"""Every script in bench/ runs to the end at tiny sizes (``--smoke``, or ``BENCH_SMOKE=1``).

Benchmarks run at full size only by hand, so a change that breaks one (a renamed API, an
assertion on an empty model answer) would otherwise surface weeks later, when somebody
needs the figures. Scripts added to bench/ later are picked up without editing this file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHES = sorted(p for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))


def test_there_are_benchmarks_to_run() -> None:
    assert len(BENCHES) >= 5, BENCHES


@pytest.mark.slow
@pytest.mark.parametrize("script", BENCHES, ids=lambda path: path.stem)
def test_benchmark_runs_to_the_end_at_smoke_size(script: Path, tmp_path: Path) -> None:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "BENCH_SMOKE": "1", "PYTHONPATH": path, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, str(script), "--smoke"], capture_output=True,
                            text=True, env=env, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    # It printed its figures (the smoke sizes are too small for them to mean anything).
    assert re.search(r"\d+\.\d+", result.stdout), result.stdout
