"""Real OS accounts for the service tests: a system user for the service, desktop users.

Tests run as root (here and in CI). Each account is created with ``useradd`` and
removed with ``userdel`` afterwards; a missing ``useradd`` is a failure, not a skip:
the OS boundary is what these tests are about.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Account:
    name: str
    uid: int
    gid: int


def useradd(name: str, *, system: bool = False, groups: tuple[str, ...] = ()) -> Account:
    tool = shutil.which("useradd")
    if tool is None:
        raise AssertionError("useradd is missing: install the 'passwd' package "
                             "(installers/apt-deps.sh)")
    command = [tool, "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group"]
    if system:
        command.append("--system")
    if groups:
        command += ["--groups", ",".join(groups)]
    subprocess.run([*command, name], check=True, capture_output=True)
    entry = pwd.getpwnam(name)
    return Account(name, entry.pw_uid, entry.pw_gid)


def userdel(name: str) -> None:
    subprocess.run(["userdel", name], capture_output=True, check=False)
    subprocess.run(["groupdel", name], capture_output=True, check=False)


def _others_can_run(prefix: Path) -> bool:
    """Can an unprivileged account traverse to ``prefix`` and read the standard library?"""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for folder in [*reversed(stdlib.parents), stdlib]:
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return False
    return bool(os.stat(stdlib / "os.py").st_mode & stat.S_IROTH)


def python_for_everyone() -> tuple[list[str], dict[str, str]]:
    """This test's Python, with this checkout and its packages, as any account may run
    it, and the environment it needs.

    In CI the interpreter lives somewhere everyone may read. A developer's pyenv lives
    under /root (0700): then its standard library is copied once to /tmp (without its
    tests and static library, ~90 MB) and the virtualenv's packages go on PYTHONPATH.
    """
    base = Path(sys.base_prefix)
    site = [p for p in sys.path if p.endswith("site-packages")]
    if _others_can_run(base):
        return [sys.executable], {"PYTHONPATH": str(ROOT)}
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    target = Path(tempfile.gettempdir()) / (
        f"tutor-test-python-{version}.{sys.version_info.micro}-"
        f"{hashlib.sha256(str(base).encode()).hexdigest()[:10]}")
    if not target.exists():
        staging = Path(tempfile.mkdtemp(prefix="tutor-test-python-", dir=target.parent))
        skip = shutil.ignore_patterns("site-packages", "test", "idlelib", "tkinter",
                                      "turtledemo", "ensurepip", "config-*")
        shutil.copytree(base / "bin", staging / "bin", symlinks=True)
        shutil.copytree(base / "lib", staging / "lib", symlinks=True, ignore=skip)
        for folder, _dirs, _files in os.walk(staging):
            os.chmod(folder, 0o755)
        try:
            staging.rename(target)
        except OSError:   # another run made it first
            shutil.rmtree(staging, ignore_errors=True)
    # libpython from the copy: the binary's RUNPATH names the original folder, and
    # LD_LIBRARY_PATH comes before RUNPATH.
    return ([str(target / "bin" / f"python{version}")],
            {"PYTHONPATH": ":".join([str(ROOT), *site]),
             "LD_LIBRARY_PATH": str(target / "lib")})


def as_user(account: Account, command: list[str]) -> list[str]:
    """``command`` run as ``account`` (its own uid, gid and groups), via runuser."""
    return ["runuser", "-u", account.name, "--", *command]
