"""Keep the data folder, the database and the secrets private to their OS account.

On a shared lab PC other OS accounts (another teacher, a guest login, a
student's own account) must not be able to copy ``tutor.sqlite3`` -- it holds
every student's messages and the PIN hashes an offline guesser wants -- nor the
secrets. On POSIX the folder is made 0700 and the files 0600 at every start
(SQLite gives its -wal/-shm files the database file's mode). On Windows a
profile folder is private to its user already; the service design in
docs/THREAT_MODEL.md covers shared ProgramData folders.

None of this protects students from each other when they share one OS account:
that needs the local service -- see docs/THREAT_MODEL.md.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_POSIX = os.name == "posix"


def _ours(info: os.stat_result) -> bool:
    return not _POSIX or info.st_uid == os.geteuid()


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) with the folder itself 0700; tighten it if looser."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if _POSIX:
        info = path.stat()
        if stat.S_IMODE(info.st_mode) & 0o077 and _ours(info):
            os.chmod(path, PRIVATE_DIR)


def make_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600, or tighten an existing file we own."""
    if not _POSIX:
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        info = path.stat()
        if stat.S_IMODE(info.st_mode) & 0o077 and _ours(info):
            os.chmod(path, PRIVATE_FILE)
        return
    os.close(fd)


def exposed(paths: list[Path]) -> list[str]:
    """Human-readable problems: which of ``paths`` other OS accounts can read or enter."""
    if not _POSIX:
        return []
    problems = []
    for path in paths:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            continue
        if mode & 0o044 or (path.is_dir() and mode & 0o011):
            problems.append(f"{path} is readable by other users (mode {mode:o})")
    return problems
