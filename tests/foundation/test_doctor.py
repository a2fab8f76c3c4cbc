"""``tutor doctor --json`` on a healthy and on broken set-ups."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _doctor(data_dir: Path, extra_env: dict[str, str] | None = None,
            read_only: bool = False) -> tuple[int, dict[str, dict[str, str]]]:
    env = {**os.environ, **(extra_env or {})}
    command = [sys.executable, "-m", "tutor_desktop", "--data-dir", str(data_dir),
               "doctor", "--json"]
    if read_only:
        # A read-only mount of the data folder in a private mount namespace: unlike
        # chmod, this also stops root (CI runs as root).
        script = ('mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"')
        command = ["unshare", "-rm", "sh", "-c", script, str(data_dir), *command]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=180)
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    return result.returncode, {c["name"]: c for c in report["checks"]}


def test_healthy_setup_has_no_failures(tmp_path: Path) -> None:
    code, checks = _doctor(tmp_path / "data")
    statuses = {c["status"] for c in checks.values()}
    assert statuses <= {"OK", "WARN"}
    assert code == (1 if "WARN" in statuses else 0)  # documented: 0 healthy, 1 warnings
    for name in ("python", "sqlite", "database", "data-folder", "llama-cpp", "secrets",
                 "disk", "microphone", "models"):
        assert name in checks
    assert "sqlite-vec" in checks["sqlite"]["detail"]


def test_missing_sqlite_vec_is_reported_with_a_fix(tmp_path: Path) -> None:
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "sqlite_vec.py").write_text("raise ImportError('sqlite_vec removed for the test')\n")
    code, checks = _doctor(tmp_path / "data", {"PYTHONPATH": os.pathsep.join(
        filter(None, [str(shadow), os.environ.get("PYTHONPATH")]))})
    assert code == 2  # documented: 2 = a failure
    assert checks["sqlite"]["status"] == "FAIL"
    assert "pip install" in checks["sqlite"]["hint"]


def test_read_only_data_folder_is_reported(tmp_path: Path) -> None:
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is needed for a read-only mount")
    data = tmp_path / "data"
    data.mkdir()
    code, checks = _doctor(data, read_only=True)
    assert code == 2
    assert checks["data-folder"]["status"] == "FAIL"
    assert "not writable" in checks["data-folder"]["detail"]


def test_truncated_model_file_is_named_with_its_expected_checksum(tmp_path: Path) -> None:
    from tutor_desktop.core.llm.manifest import load_manifest

    # A model IT staff copied in, cut short (a file next to the app would shadow the
    # embedded default's name, so use another listed model).
    entry = next(e for e in load_manifest() if e.name == "gemma3-1b-it")
    models = tmp_path / "data" / "models"
    models.mkdir(parents=True)
    source_gguf = tmp_path / "cut.gguf"
    # The first megabyte of a real-looking GGUF: header says more data than there is.
    from model_files import gemma_gguf

    full = gemma_gguf()
    with full.open("rb") as handle:
        source_gguf.write_bytes(handle.read(1024 * 1024))
    source_gguf.rename(models / entry.file)
    code, checks = _doctor(tmp_path / "data")
    assert code == 2  # a damaged model is a failure
    line = checks[f"model:{entry.name}"]
    assert line["status"] == "FAIL"
    assert str(models / entry.file) in line["detail"] and entry.sha256 in line["detail"]
