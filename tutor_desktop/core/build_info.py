"""Which build is running: version, build commit and build date.

IT staff answering "which version is on lab PC 14?" need more than the version
number: two builds of 0.1.0 may differ. A packaged build carries
``build_info.json`` next to the executable, written when the bundle is made
(installers/tutor.spec); run from a source checkout the commit comes from git;
anywhere else the fields say "unknown" rather than guess.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from tutor_desktop import __version__
from tutor_desktop.core.paths import install_dir

BUILD_INFO_NAME = "build_info.json"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class BuildInfo:
    version: str
    commit: str = UNKNOWN
    date: str = UNKNOWN
    source: str = UNKNOWN  # "build" (the file), "git" (a checkout) or "unknown"

    def line(self) -> str:
        """What ``tutor --version`` prints."""
        return f"tutor-desktop {self.version} (commit {self.commit}, built {self.date})"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _git(root: Path, *args: str) -> str:
    git = shutil.which("git")
    if git is None:
        return ""
    try:
        result = subprocess.run([git, "-C", str(root), *args], capture_output=True, text=True,
                                timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def git_build_info(root: Path) -> BuildInfo | None:
    """The checkout's HEAD commit and its date (with ``-dirty`` for local changes)."""
    if not (root / ".git").exists():
        return None
    commit = _git(root, "rev-parse", "--short=12", "HEAD")
    if not commit:
        return None
    if _git(root, "status", "--porcelain", "--untracked-files=no"):
        commit += "-dirty"
    date = _git(root, "log", "-1", "--format=%cI") or UNKNOWN
    return BuildInfo(__version__, commit, date, "git")


def read_build_file(path: Path) -> BuildInfo | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return BuildInfo(str(data.get("version") or __version__),
                     str(data.get("commit") or UNKNOWN), str(data.get("date") or UNKNOWN),
                     "build")


@cache
def build_info(root: Path | None = None) -> BuildInfo:
    folder = root or install_dir()
    return (read_build_file(folder / BUILD_INFO_NAME) or git_build_info(folder)
            or BuildInfo(__version__))
