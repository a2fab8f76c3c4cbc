"""One PyInstaller build per test session, shared by the bundle and the .deb tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def build_bundle(work: Path) -> Path:
    """``pyinstaller installers/tutor.spec`` into ``work/dist/tutor`` (niced: 2 shared cores)."""
    pyinstaller = shutil.which("pyinstaller", path=str(Path(sys.executable).parent))
    if pyinstaller is None:
        pytest.fail("pyinstaller is part of the dev extras")
    result = subprocess.run(
        ["nice", "-n", "10", pyinstaller, str(ROOT / "installers" / "tutor.spec"),
         "--noconfirm", "--distpath", str(work / "dist"), "--workpath", str(work / "build")],
        capture_output=True, text=True, timeout=900, cwd=work)
    assert result.returncode == 0, result.stderr[-3000:]
    folder = work / "dist" / "tutor"
    assert (folder / "tutor").exists()
    return folder


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh build; PACKAGING_TEST_BUNDLE=dist/tutor reuses one (`make dist`) while iterating."""
    reuse = os.environ.get("PACKAGING_TEST_BUNDLE")
    if reuse:
        return Path(reuse).resolve()
    return build_bundle(tmp_path_factory.mktemp("pyinstaller"))
