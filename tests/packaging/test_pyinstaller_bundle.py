"""The PyInstaller one-folder build starts and finds all its native parts.

IT staff install packaged builds; a bundle missing a native library (llama.cpp,
sqlite-vec, Vosk, PDFium) only shows on a lab PC. Build it once and check it with
the same commands IT staff use.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pyinstaller = shutil.which("pyinstaller", path=str(Path(sys.executable).parent))
    if pyinstaller is None:
        pytest.fail("pyinstaller is part of the dev extras")
    work = tmp_path_factory.mktemp("pyinstaller")
    result = subprocess.run(
        [pyinstaller, str(ROOT / "installers" / "tutor.spec"), "--noconfirm",
         "--distpath", str(work / "dist"), "--workpath", str(work / "build")],
        capture_output=True, text=True, timeout=900, cwd=work)
    assert result.returncode == 0, result.stderr[-3000:]
    executable = work / "dist" / "tutor" / "tutor"
    assert executable.exists()
    return executable


def test_bundle_opens_the_window_and_passes_doctor(bundle: Path, tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    version = subprocess.run([str(bundle), "--version"], capture_output=True, text=True,
                             timeout=120)
    assert version.returncode == 0 and "tutor-desktop" in version.stdout
    smoke = subprocess.run([str(bundle), "--data-dir", str(tmp_path / "d"), "gui", "--smoke"],
                           capture_output=True, text=True, env=env, timeout=120)
    assert smoke.returncode == 0, smoke.stderr
    doctor = subprocess.run([str(bundle), "--data-dir", str(tmp_path / "d"), "doctor", "--json"],
                            capture_output=True, text=True, env=env, timeout=180)
    checks = {c["name"]: c for c in json.loads(doctor.stdout)["checks"]}
    for name in ("sqlite", "llama-cpp", "database", "data-folder"):
        assert checks[name]["status"] == "OK", checks[name]
    assert (bundle.parent / "models" / "manifest.toml").exists()
