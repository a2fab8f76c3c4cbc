"""The core stays GUI-free: checked by import-linter and by importing it."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import tutor_desktop.core

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contract_holds() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter must be installed with the dev extras"
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_every_core_module_never_loads_qt() -> None:
    prefix = "tutor_desktop.core."
    names = [m.name for m in pkgutil.walk_packages(tutor_desktop.core.__path__, prefix)]
    code = ("import importlib, sys\n"
            f"for n in {names!r}: importlib.import_module(n)\n"
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'tutor_desktop.ui'))]\n"
            "assert not bad, bad\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
