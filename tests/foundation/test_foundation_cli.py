"""The ``tutor`` command's foundation: version, demo set-up, no-display fallback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tutor_desktop import __version__


def _tutor(*args: str, env: dict[str, str] | None = None,
           stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor_desktop", *args], capture_output=True,
                          text=True, env=env, input=stdin, timeout=300)


def test_version() -> None:
    result = _tutor("--version")
    assert result.returncode == 0 and __version__ in result.stdout


def test_setup_from_the_terminal_then_demo_is_a_no_op(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    result = _tutor("--data-dir", data, "setup", "--school", "Сургууль 5", "--password-stdin",
                    stdin="a-long-password\n")
    assert result.returncode == 0, result.stderr
    again = _tutor("--data-dir", data, "setup", "--demo")
    assert "Already set up" in again.stdout


def test_without_a_display_the_window_falls_back_to_the_terminal(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = _tutor("--data-dir", str(tmp_path / "d"), "gui", env=env)
    assert result.returncode != 134  # Qt's abort when it finds no display
    assert "No display found" in result.stdout
