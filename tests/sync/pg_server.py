"""A real PostgreSQL for the tests, started by the project itself (initdb + pg_ctl).

Debian's ``postgresql`` package (installers/apt-deps.sh) provides the server
binaries. PostgreSQL refuses to run as root, and CI runs the tests as root, so
the cluster then belongs to the ``postgres`` system user (``runuser``). A
missing PostgreSQL fails the tests loudly: it is never skipped.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found: run `make deps` (installers/apt-deps.sh installs "
        "Debian's postgresql) — the sync tests need a real PostgreSQL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="tutor-pg-"))
        self.data = self.base / "data"
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            log = (self.base / "log").read_text() if (self.base / "log").exists() else ""
            raise PostgresUnavailable(f"{' '.join(args[:1])} failed: {result.stderr}\n{log}")

    def start(self) -> PostgresServer:
        if self._as_root:
            shutil.chown(self.base, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-locale", "--no-sync")
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=400 "
                   "-c shared_buffers=128MB")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "log"), "-w", "-t", "60",
                  "-o", options, "start")
        return self

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        """A fresh, empty database; its DSN."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        with contextlib.suppress(PostgresUnavailable):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        time.sleep(0.1)
        shutil.rmtree(self.base, ignore_errors=True)
