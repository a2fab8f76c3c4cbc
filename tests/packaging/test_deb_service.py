"""The .deb installs the local service: its account, its private data folder, its unit.

The package is installed for real with ``dpkg -i`` inside a private mount namespace
whose /etc, /opt, /usr and /var are overlays and /run a tmpfs (as in
``test_deb_package.py``): the maintainer scripts run as on a lab PC and nothing reaches
this machine. The package is built around this checkout's app (a ``tutor`` that runs
``python -m tutor_desktop``) instead of the PyInstaller bundle, so this test costs
seconds, not a bundle build; ``test_deb_package.py`` installs the real bundle.

Two lab PCs:

* **no systemd** (a container, a chroot): installing succeeds and starts nothing, the
  unit is enabled for the next boot by the real ``systemctl`` (it only writes symlinks
  then). The service is then started exactly as the installed unit says (its
  ``ExecStart``, ``User``, ``Environment``, its runtime folder), and a desktop account
  added to the group as the installer tells IT to, uses it: ``tutor doctor`` names the
  service mode on the well-known socket and that account cannot open the database.
  ``dpkg -r`` keeps the school's data and the account; ``dpkg --purge`` deletes both.
* **systemd running**: systemd cannot run in a container, so its run-time commands
  (daemon-reload, start, stop) are recorded by a stand-in ``systemctl``, which hands
  enable/disable/is-enabled to the real one working on the unit files. Installing
  starts the service, an upgrade stops it before replacing files and starts it again,
  removing stops and disables it, and a service IT disabled stays disabled on upgrade.
"""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from private_namespace import namespace_works

from installers.build_deb import build_deb
from tests.service.os_accounts import python_for_everyone

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "installers" / "systemd" / "tutor-desktop.service"

SCRIPT = r"""
set -u
W="$1"; DEB="$2"; EXEC="$3"; ENVIRONMENT="$4"; PUPIL="pupil$$"
mount -t tmpfs tmpfs "$W/ovl"
for d in etc opt usr var; do
    mkdir -p "$W/ovl/$d.up" "$W/ovl/$d.work"
    mount -t overlay overlay \
        -o "lowerdir=/$d,upperdir=$W/ovl/$d.up,workdir=$W/ovl/$d.work" "/$d"
done
mount -t tmpfs tmpfs /run
out() { echo "$2" >> "$W/$1"; }

# -- A lab PC without systemd ----------------------------------------------------------
dpkg -i "$DEB" > "$W/a-install.log" 2>&1; out a-install.rc $?
getent passwd tutor > "$W/a-passwd"; getent group tutor > "$W/a-group"
stat -c '%U %G %a' /var/lib/tutor-desktop > "$W/a-state"
systemctl is-enabled tutor-desktop.service > "$W/a-enabled" 2>&1
dpkg -i "$DEB" > "$W/a-reinstall.log" 2>&1; out a-reinstall.rc $?
getent passwd tutor > "$W/a-passwd2"
# Start the service as systemd would from the installed unit: its runtime folder, user,
# environment and command line.
mkdir -p /run/tutor-desktop; chown tutor:tutor /run/tutor-desktop; chmod 0750 /run/tutor-desktop
runuser -u tutor -- env -i HOME=/var/lib/tutor-desktop PATH=/usr/bin:/bin $ENVIRONMENT \
    $EXEC > "$W/a-service.log" 2>&1 &
service=$!
for _ in $(seq 1200); do [ -S /run/tutor-desktop/tutor.sock ] && break; sleep 0.1; done
# A desktop account, let in as the installer says.
useradd --no-create-home --shell /usr/sbin/nologin --user-group "$PUPIL"
mkdir -p "$W/home"; chown "$PUPIL" "$W/home"
usermod -aG tutor "$PUPIL"
as_pupil() {
    runuser -u "$PUPIL" -- env -i HOME="$W/home" PATH=/usr/bin:/bin LANG=C.UTF-8 \
        QT_QPA_PLATFORM=offscreen "$@"
}
as_pupil tutor doctor --lang en > "$W/a-doctor.out" 2>&1
as_pupil cat /var/lib/tutor-desktop/tutor.sqlite3 > /dev/null 2> "$W/a-cat.err"
ls /var/lib/tutor-desktop > "$W/a-data"
kill "$service"; wait "$service"
dpkg -r tutor-desktop > "$W/a-remove.log" 2>&1; out a-remove.rc $?
getent passwd tutor > "$W/a-passwd-removed"
ls /var/lib/tutor-desktop > "$W/a-data-removed" 2>&1
ls /usr/lib/systemd/system/tutor-desktop.service \
    /etc/systemd/system/multi-user.target.wants/tutor-desktop.service > "$W/a-unit-removed" 2>&1
dpkg --purge tutor-desktop > "$W/a-purge.log" 2>&1; out a-purge.rc $?
getent passwd tutor > "$W/a-passwd-purged"; getent group tutor > "$W/a-group-purged"
ls /var/lib/tutor-desktop /opt/tutor-desktop > "$W/a-purged" 2>&1

# -- A lab PC where systemd runs -------------------------------------------------------
mkdir -p /run/systemd/system /usr/local/sbin
cat > /usr/local/sbin/systemctl <<EOF
#!/bin/sh
echo "\$*" >> "$W/b-systemctl.log"
case "\$1" in
    enable|disable|is-enabled) exec /usr/bin/systemctl --root=/ "\$@" ;;
esac
exit 0
EOF
chmod 755 /usr/local/sbin/systemctl
step() { out b-systemctl.log "== $1"; }
step install; dpkg -i "$DEB" > "$W/b-install.log" 2>&1; out b.rc $?
step upgrade; dpkg -i "$DEB" > "$W/b-upgrade.log" 2>&1; out b.rc $?
/usr/bin/systemctl --root=/ disable tutor-desktop.service > /dev/null 2>&1
step upgrade-disabled; dpkg -i "$DEB" > "$W/b-upgrade2.log" 2>&1; out b.rc $?
/usr/bin/systemctl --root=/ enable tutor-desktop.service > /dev/null 2>&1
step remove; dpkg -r tutor-desktop > "$W/b-remove.log" 2>&1; out b.rc $?
step purge; dpkg --purge tutor-desktop > "$W/b-purge.log" 2>&1; out b.rc $?
exit 0
"""


def _require_dpkg_in_a_namespace() -> None:
    if not sys.platform.startswith("linux") or shutil.which("dpkg-deb") is None:
        pytest.skip("Debian packaging needs dpkg (Debian/Ubuntu)")
    if os.geteuid() != 0:
        pytest.skip("installing a .deb needs root (CI runs the tests as root)")
    if not namespace_works():
        pytest.skip("creating accounts and starting the service needs a private mount "
                    "namespace; it is never done on the real system")


def _checkout_as_bundle(folder: Path) -> Path:
    """A one-folder 'bundle' whose ``tutor`` runs this checkout with a Python every
    account may run (the service runs as the package's own account)."""
    python, env = python_for_everyone()
    folder.mkdir(parents=True)
    exports = "".join(f"export {key}={shlex.quote(value)}\n" for key, value in env.items())
    launcher = folder / "tutor"
    launcher.write_text(f"#!/bin/sh\n{exports}exec {shlex.join(python)} -m tutor_desktop "
                        '"$@"\n', "utf-8")
    launcher.chmod(0o755)
    return folder


def _unit() -> configparser.SectionProxy:
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(UNIT, encoding="utf-8")
    return unit["Service"]


def test_the_deb_installs_starts_and_purges_the_local_service() -> None:
    _require_dpkg_in_a_namespace()
    service = _unit()
    work = Path(tempfile.mkdtemp(prefix="tutor-deb-service-"))
    try:
        work.chmod(0o755)
        (work / "ovl").mkdir()
        deb = build_deb(_checkout_as_bundle(work / "bundle"), work / "out", compression="none")
        control = work / "control"
        subprocess.run(["dpkg-deb", "-e", str(deb), str(control)], check=True)
        for script in ("postinst", "prerm", "postrm"):
            checked = subprocess.run(["sh", "-n", str(control / script)], capture_output=True,
                                     text=True)
            assert checked.returncode == 0, (script, checked.stderr)
            assert "${TUTOR_" not in (control / script).read_text("utf-8")  # no test knobs
        listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True,
                                 text=True, check=True).stdout
        assert "./usr/lib/systemd/system/tutor-desktop.service" in listing

        environment = " ".join(service.get("Environment", "").split())
        subprocess.run(["unshare", "--mount", "--propagation", "private", "bash", "-c", SCRIPT,
                        "deb-service", str(work), str(deb), service["ExecStart"],
                        environment], timeout=600, check=True)

        def read(name: str) -> str:
            path = work / name
            return path.read_text("utf-8", "replace") if path.exists() else ""

        # No systemd: installed, account and private folder made, nothing started.
        assert read("a-install.rc").split() == ["0"], read("a-install.log")
        assert read("a-reinstall.rc").split() == ["0"], read("a-reinstall.log")
        passwd = read("a-passwd").strip().split(":")
        assert passwd[0] == service["User"] == "tutor" and int(passwd[2]) < 1000
        assert passwd[5] == "/var/lib/tutor-desktop" and passwd[6].endswith("nologin")
        assert read("a-group").startswith("tutor:")
        assert read("a-passwd2") == read("a-passwd")   # an upgrade keeps the same account
        assert read("a-state").split() == ["tutor", "tutor", "700"]
        assert read("a-enabled").strip() == "enabled"   # for the next boot with systemd
        assert "usermod -aG tutor" in read("a-install.log")

        # The service from the installed unit, used by a desktop account of the group.
        doctor = read("a-doctor.out")
        mode = next((line for line in doctor.splitlines() if line.split()[1:2] == ["mode"]),
                    "")
        assert mode.startswith("OK") and "/run/tutor-desktop/tutor.sock" in mode, \
            doctor + read("a-service.log")
        privacy = next(line for line in doctor.splitlines()
                       if line.split()[1:2] == ["data-privacy"])
        assert privacy.startswith("OK"), doctor
        assert "tutor.sqlite3" in read("a-data").split()
        assert "Permission denied" in read("a-cat.err")

        # dpkg -r keeps the school and its account; --purge deletes them.
        assert read("a-remove.rc").split() == ["0"], read("a-remove.log")
        assert read("a-passwd-removed") == read("a-passwd")
        assert "tutor.sqlite3" in read("a-data-removed").split()
        assert read("a-unit-removed").count("No such file") == 2   # unit and its symlink
        assert read("a-purge.rc").split() == ["0"], read("a-purge.log")
        assert read("a-passwd-purged") == read("a-group-purged") == ""
        assert read("a-purged").count("No such file") == 2

        # systemd running: what the scripts asked of it, step by step.
        assert read("b.rc").split() == ["0"] * 5, read("b-install.log") + read("b-purge.log")
        steps: dict[str, list[str]] = {}
        for line in read("b-systemctl.log").splitlines():
            if line.startswith("== "):
                current = steps.setdefault(line[3:], [])
            else:
                current.append(line)
        unit = "tutor-desktop.service"
        assert steps["install"] == ["daemon-reload", f"enable {unit}",
                                    f"is-enabled --quiet {unit}", f"start {unit}"]
        assert steps["upgrade"] == [f"stop {unit}", "daemon-reload", "daemon-reload",
                                    f"is-enabled --quiet {unit}", f"start {unit}"]
        assert f"start {unit}" not in steps["upgrade-disabled"]   # IT's choice stays
        assert steps["remove"] == [f"stop {unit}", f"disable {unit}", "daemon-reload"]
        assert steps["purge"] == ["daemon-reload"]
    finally:
        shutil.rmtree(work, ignore_errors=True)

