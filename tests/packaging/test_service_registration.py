"""The service as the Windows installer and the macOS daemon register it.

Neither can run here: the Windows script is compiled by makensis
(test_nsis_installer.py) and run by the Windows workflow, which checks the service is
RUNNING under LocalService and the window's doctor reports service mode. These tests
check what can be checked on Linux: the registered command line is one the real
``tutor`` parser accepts, it points at the address the clients look for, the data
folder's ACL leaves ordinary users out, and the launchd plist is a valid plist that
runs ``tutor service`` as its own account with the scripts making its folders.
"""

from __future__ import annotations

import plistlib
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tutor_desktop.cli.main import build_parser
from tutor_desktop.service import address

ROOT = Path(__file__).resolve().parents[2]
NSIS = ROOT / "installers" / "windows" / "tutor.nsi"
MACOS = ROOT / "installers" / "macos"
PLIST = MACOS / "org.tutordesktop.service.plist"


def _nsis_defines(text: str) -> dict[str, str]:
    return dict(re.findall(r'^!define (\w+) "([^"]*)"', text, flags=re.MULTILINE))


def _expand(text: str, defines: dict[str, str], variables: dict[str, str]) -> str:
    for _ in range(3):
        text = re.sub(r"\$\{(\w+)\}", lambda m: defines.get(m.group(1), m.group(0)), text)
    for name, value in variables.items():
        text = text.replace(name, value)
    return text


def test_windows_service_command_line_is_the_real_one(monkeypatch: pytest.MonkeyPatch) -> None:
    text = NSIS.read_text("utf-8")
    defines = _nsis_defines(text)
    variables = {"$APPDATA": r"C:\ProgramData", "$INSTDIR": r"C:\Program Files\Tutor Desktop"}
    command = re.search(r"^  StrCpy \$1 '(.+)'$", text, flags=re.MULTILINE)
    assert command is not None
    # What sc.exe stores as binPath (\" is a quote to sc.exe), split as Windows would.
    bin_path = _expand(command.group(1), defines, variables).replace('\\"', '"')
    argv = shlex.split(bin_path.replace("\\", "/"))
    assert argv[0] == "C:/Program Files/Tutor Desktop/tutor.exe"
    args = build_parser().parse_args(argv[1:])
    assert args.command == "service" and args.windows_service
    assert args.data_dir == "C:/ProgramData/TutorDesktop/data"
    # The address the window looks for on Windows (ProgramData from the environment).
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("PROGRAMDATA", "C:/ProgramData")
    assert args.socket == str(address.well_known_address()).replace("\\", "/")
    assert address.is_endpoint_file(Path(args.socket))
    assert Path(args.socket).parent != Path(args.data_dir)   # readers never see the data

    create = next(line for line in text.splitlines() if "sc.exe create" in line)
    assert 'obj= "NT AUTHORITY\\LocalService"' in create and "start= auto" in create
    assert "sc.exe start ${SERVICE}" in text and "sc.exe failure ${SERVICE}" in text


def test_windows_data_acl_leaves_users_out_and_uninstall_removes_the_service() -> None:
    text = NSIS.read_text("utf-8")
    defines = _nsis_defines(text)
    assert (defines["SID_SYSTEM"], defines["SID_ADMINS"], defines["SID_LOCALSERVICE"],
            defines["SID_USERS"]) == ("*S-1-5-18", "*S-1-5-32-544", "*S-1-5-19", "*S-1-5-32-545")
    acls = {}
    for line in text.splitlines():
        found = re.search(r"icacls \"\$\{SERVICE_ROOT\}([^\"]*)\" (.+)'", line)
        if found:
            acls[found.group(1)] = found.group(2)
    root, data, run = acls[""], acls["\\data"], acls["\\run"]
    # ProgramData lets every user create files: the root drops what it inherits.
    assert "/inheritance:r" in root and "/grant:r" in root
    assert "${SID_USERS}" not in root + data
    assert "${SID_LOCALSERVICE}:(OI)(CI)M" in data
    assert "${SID_USERS}:(OI)(CI)R" in run   # reading the endpoint file = may connect
    main = text[text.index('Section "Tutor Desktop"'):text.index("SectionEnd")]
    assert main.index("net.exe stop ${SERVICE}") < main.index('File "${BUNDLE}\\tutor.exe"')
    assert main.index("Call InstallService") > main.index("WriteUninstaller")
    uninstall = text[text.index('Section "Uninstall"'):]
    assert uninstall.index("net.exe stop ${SERVICE}") < uninstall.index("sc.exe delete")
    assert 'RMDir /r "${SERVICE_ROOT}\\run"' in uninstall
    assert "\\data" not in uninstall.split("sc.exe delete")[1].split("; The app's")[0]


def test_macos_daemon_plist_runs_the_service_as_its_own_account(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with PLIST.open("rb") as handle:
        plist = plistlib.load(handle)
    assert plist["Label"] == PLIST.stem
    assert plist["UserName"] == plist["GroupName"] == "_tutor"
    assert plist["Umask"] == 0o077 and plist["RunAtLoad"] is True
    assert plist["KeepAlive"] == {"SuccessfulExit": False}
    argv = plist["ProgramArguments"]
    args = build_parser().parse_args(argv[1:])
    assert args.command == "service" and args.group == plist["GroupName"]
    monkeypatch.setattr(sys, "platform", "darwin")
    assert Path(args.socket) == address.well_known_address()
    assert len(args.socket.encode()) < 104   # macOS's limit for a socket path
    assert plist["EnvironmentVariables"]["HOME"] == args.data_dir

    script = (MACOS / "postinstall").read_text("utf-8")
    root = "/Library/Application Support/TutorDesktop"
    assert f'root="{root}"' in script
    assert args.data_dir == f"{root}/data" and Path(args.socket).parent == Path(f"{root}/run")
    assert 'chmod 0700 "$root/data"' in script and 'chmod 0750 "$root/run"' in script
    assert f"/Library/LaunchDaemons/{PLIST.name}" in script
    assert "launchctl bootstrap system" in script
    for name in ("postinstall", "uninstall.sh"):
        checked = subprocess.run(["sh", "-n", str(MACOS / name)], capture_output=True,
                                 text=True)
        assert checked.returncode == 0, checked.stderr
    uninstall = (MACOS / "uninstall.sh").read_text("utf-8")
    assert uninstall.index("launchctl bootout") < uninstall.index('rm -f "$plist"')
    assert 'rm -rf "$root"' in uninstall.split('"--purge"')[1]   # data only on --purge
