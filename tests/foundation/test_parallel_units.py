"""``make test`` on several workers keeps machine-changing tests in turn and files together.

Two PyInstaller builds or two dpkg installs at once fail (or slow the run by minutes), and a
file split over workers builds its module fixtures (a loaded model) twice.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

from xdist_units import work_unit

TESTS_DIR = Path(__file__).resolve().parents[1]

_RECORDING_TEST = textwrap.dedent(
    """
    import os, time
    import pytest

    @pytest.mark.parametrize("n", range(8))
    def test_records_its_worker(n, request):
        time.sleep(0.05)
        out = os.environ["UNITS_OUT"]
        with open(out, "a", encoding="utf-8") as f:
            f.write(f"{request.node.nodeid} {os.environ.get('PYTEST_XDIST_WORKER', '-')}\\n")
    """
)


def test_work_units_from_node_ids() -> None:
    assert work_unit("tests/packaging/test_deb.py::test_installs") == "machine"
    assert work_unit("tests/service/test_accounts.py::TestX::test_y[a]") == "machine"
    assert work_unit("tests/ui/test_chat.py::test_a[x::y]") == "tests/ui/test_chat.py"
    bench = "tests/benchmarks/test_benchmarks_run.py::test_runs[llm_bench]"
    assert work_unit(bench) == bench


def test_two_workers_keep_machine_tests_on_one_worker_and_files_whole(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for relative in ("tests/packaging/test_build.py", "tests/service/test_users.py",
                     "tests/ui/test_window.py", "tests/core/test_store.py"):
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_RECORDING_TEST, encoding="utf-8")
    (project / "tests" / "conftest.py").write_text(
        "from xdist_units import pytest_xdist_make_scheduler  # noqa: F401\n", encoding="utf-8")
    (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    out = tmp_path / "units.txt"
    env = {**os.environ, "UNITS_OUT": str(out),
           "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")])}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_ADDOPTS", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
         "--dist", "loadgroup", "tests"],
        cwd=project, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    workers_of: dict[str, set[str]] = defaultdict(set)
    for line in out.read_text(encoding="utf-8").splitlines():
        nodeid, worker = line.rsplit(" ", 1)
        assert worker.startswith("gw"), line  # it really ran on workers
        workers_of[nodeid.split("::")[0]].add(worker)
    assert len(workers_of) == 4
    assert len(out.read_text(encoding="utf-8").splitlines()) == 32
    machine = (workers_of["tests/packaging/test_build.py"]
               | workers_of["tests/service/test_users.py"])
    assert len(machine) == 1, workers_of
    for test_file in ("tests/ui/test_window.py", "tests/core/test_store.py"):
        assert len(workers_of[test_file]) == 1, workers_of
