"""The packaging hook of the local service: the systemd unit and the postinst part.

systemd is absent in the test container, so the unit is read as the INI file it is and
its command line is parsed by the real ``tutor`` parser; the postinst part runs for real
(it creates a system account and the data folder) under a test-only name.
"""

from __future__ import annotations

import configparser
import os
import pwd
import shlex
import stat
import subprocess
from pathlib import Path

from os_accounts import userdel

from tutor_desktop.cli.main import build_parser
from tutor_desktop.composition import WELL_KNOWN_SOCKET
from tutor_desktop.service.server import DEFAULT_SOCKET, SERVICE_GROUP

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "installers" / "systemd" / "tutor-desktop.service"
POSTINST = ROOT / "installers" / "systemd" / "postinst-service.sh"


def test_the_unit_runs_tutor_service_as_its_own_account_on_the_well_known_socket() -> None:
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(UNIT, encoding="utf-8")
    service = unit["Service"]
    assert service["User"] == service["Group"] == SERVICE_GROUP
    assert service["StateDirectoryMode"] == "0700" and service["UMask"] == "0077"
    assert service["RuntimeDirectoryMode"] == "0750"   # the group reaches the socket
    assert service["ProtectHome"] == "yes" and service["NoNewPrivileges"] == "yes"
    argv = shlex.split(service["ExecStart"])
    args = build_parser().parse_args(argv[1:])
    assert args.command == "service" and args.data_dir == "/var/lib/tutor-desktop"
    assert Path(args.socket) == DEFAULT_SOCKET == WELL_KNOWN_SOCKET
    assert args.group == SERVICE_GROUP
    assert Path(args.socket).parent == Path("/run") / service["RuntimeDirectory"]
    assert Path(args.data_dir) == Path("/var/lib") / service["StateDirectory"]


def test_postinst_creates_the_system_account_and_a_private_data_folder(tmp_path: Path) -> None:
    name = f"tutorpi{os.getpid() % 100_000}"
    state = tmp_path / "var-lib-tutor-desktop"
    env = {**os.environ, "TUTOR_SERVICE_USER": name, "TUTOR_STATE_DIR": str(state)}
    try:
        for _ in range(2):   # idempotent: an upgrade runs it again
            ran = subprocess.run(["sh", str(POSTINST)], env=env, capture_output=True, text=True)
            assert ran.returncode == 0, ran.stderr
        account = pwd.getpwnam(name)
        assert account.pw_uid < 1000 and account.pw_shell.endswith("nologin")
        info = state.stat()
        assert info.st_uid == account.pw_uid and stat.S_IMODE(info.st_mode) == 0o700
    finally:
        userdel(name)


def test_systemds_stop_ends_the_service_cleanly(tmp_path: Path) -> None:
    """``systemctl stop`` sends SIGTERM: the service finishes, removes its socket and closes
    the database (its write-ahead log folded back), and exits 0 — not killed half-way."""
    import signal
    import sys

    from tutor_desktop.service.client import wait_for_socket

    socket_path, data = tmp_path / "run" / "tutor.sock", tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen([sys.executable, "-m", "tutor_desktop", "--data-dir", str(data),
                                "service", "--socket", str(socket_path), "--group", ""],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    try:
        wait_for_socket(socket_path, timeout=120)
        assert (data / "tutor.sqlite3-wal").exists()   # open, in WAL mode
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0, process.communicate()[1][-3000:]
    finally:
        if process.poll() is None:
            process.kill()
    assert not socket_path.exists()
    assert not (data / "tutor.sqlite3-wal").exists()   # closed, not abandoned
