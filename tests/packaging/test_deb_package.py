"""The Debian package installs, runs for a normal user with IT's settings, and removes
cleanly while keeping the students' data.

The package is really installed with ``dpkg -i``, but inside a private mount
namespace whose /etc, /opt, /usr and /var are overlays on a tmpfs: dpkg, its
maintainer scripts and the app behave exactly as on a lab PC, and nothing
reaches this machine's real system. Where a namespace is not allowed (some CI
containers) and ``TUTOR_TEST_REAL_DPKG=1`` is set, the same script runs on the
real system and purges the package in a ``trap``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from private_namespace import namespace_works

from installers.build_deb import DEPENDS, build_deb
from tutor_desktop.core.i18n import tr
from tutor_desktop.core.storage import SCHEMA_VERSION

pytestmark = pytest.mark.slow
NOBODY = 65534
SCHOOL = "Сургууль 1 (IT-ийн файлаас)"

SCRIPT = r"""
set -u
W="$1"; DEB="$2"; MODE="$3"
if [ "$MODE" = ns ]; then
    mount -t tmpfs tmpfs "$W/ovl"
    for d in etc opt usr var; do
        mkdir -p "$W/ovl/$d.up" "$W/ovl/$d.work"
        mount -t overlay overlay \
            -o "lowerdir=/$d,upperdir=$W/ovl/$d.up,workdir=$W/ovl/$d.work" "/$d"
    done
else
    trap 'dpkg --purge tutor-desktop >/dev/null 2>&1' EXIT
fi
as_user() {  # a normal user, with a clean environment like a desktop session's
    home="$1"; shift
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        env -i HOME="$home" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen "$@"
}
dpkg -i "$DEB" > "$W/install.log" 2>&1; echo $? > "$W/install.rc"
command -v tutor > "$W/which.out"
dpkg-query -W -f='${Conffiles}' tutor-desktop > "$W/conffiles.out"
printf 'school_name = "%s"\nlanguage = "en"\n' "$SCHOOL" > /etc/tutor-desktop/tutor.toml
as_user "$W/home" tutor --version > "$W/version.out" 2>&1; echo $? > "$W/version.rc"
as_user "$W/home" tutor doctor --json > "$W/doctor.json" 2> "$W/doctor.err"
echo $? > "$W/doctor.rc"
as_user "$W/home" tutor gui --smoke > "$W/smoke.out" 2>&1; echo $? > "$W/smoke.rc"
as_user "$W/newer" tutor gui --smoke > "$W/newer.out" 2>&1; echo $? > "$W/newer.rc"
as_user "$W/newer" tutor doctor > "$W/newer-doctor.out" 2>&1
dpkg -r tutor-desktop > "$W/remove.log" 2>&1; echo $? > "$W/remove.rc"
ls /opt/tutor-desktop/tutor /usr/bin/tutor > "$W/after-remove.out" 2>&1 || true
test -f /etc/tutor-desktop/tutor.toml && echo kept > "$W/conffile.out"
exit 0
"""


def _mode() -> str:
    if not sys.platform.startswith("linux") or shutil.which("dpkg-deb") is None:
        pytest.skip("Debian packaging needs dpkg (Debian/Ubuntu)")
    if os.geteuid() != 0:
        pytest.skip("installing a .deb needs root (CI runs the tests as root)")
    if namespace_works():
        return "ns"
    if os.environ.get("TUTOR_TEST_REAL_DPKG") == "1":
        installed = subprocess.run(["dpkg-query", "-W", "tutor-desktop"], capture_output=True)
        if installed.returncode == 0:
            pytest.skip("tutor-desktop is installed on this machine: not touching it")
        return "real"
    pytest.skip("no mount namespace here; set TUTOR_TEST_REAL_DPKG=1 to install for real")


def _missing_depends() -> list[str]:
    names = [d.split()[0] for d in DEPENDS]
    out = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Status}\n", *names],
                         capture_output=True, text=True).stdout
    ok = {line.split()[0] for line in out.splitlines() if "install ok installed" in line}
    return [n for n in names if n not in ok]


def _newer_database(home: Path) -> Path:
    """A student's database written by a newer build (schema one step ahead)."""
    import sqlean

    database = home / ".local" / "share" / "TutorDesktop" / "tutor.sqlite3"
    database.parent.mkdir(parents=True)
    conn = sqlean.connect(database)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    return database


def _schema(database: Path) -> tuple[int, list[tuple[str, str]]]:
    """Schema version and every table: what an older build must leave as it found it.
    (Opening switches the file to WAL mode, a header flag, before the version check.)"""
    import sqlean

    conn = sqlean.connect(database)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    finally:
        conn.close()
    return version, tables


def test_deb_installs_runs_as_a_user_with_the_it_file_and_removes(bundle_dir: Path) -> None:
    mode = _mode()
    missing = _missing_depends()
    assert missing == [], f"run installers/apt-deps.sh first; missing {missing}"
    work = Path(tempfile.mkdtemp(prefix="tutor-deb-test-"))
    try:
        work.chmod(0o755)  # the normal user must reach its home inside
        deb = build_deb(bundle_dir, work / "out", compression="none")  # the test's time
        assert deb.name.startswith("tutor-desktop_") and deb.name.endswith("_amd64.deb")
        info = subprocess.run(["dpkg-deb", "--field", str(deb), "Depends"],
                              capture_output=True, text=True, check=True).stdout
        assert "libportaudio2" in info and "libxcb-cursor0" in info and "fonts-dejavu" in info
        (work / "ovl").mkdir()
        for home in ("home", "newer"):
            (work / home).mkdir()
        database = _newer_database(work / "newer")
        before = _schema(database)
        for path in [work / "home", work / "newer", *(work / "newer").rglob("*")]:
            os.chown(path, NOBODY, NOBODY)
        env = {**os.environ, "SCHOOL": SCHOOL}
        command = ["bash", "-c", SCRIPT, "deb-test", str(work), str(deb), mode]
        if mode == "ns":
            command = ["unshare", "--mount", "--propagation", "private", *command]
        subprocess.run(command, env=env, timeout=600, check=True)

        def read(name: str) -> str:
            return (work / name).read_text("utf-8", "replace")

        assert read("install.rc").strip() == "0", read("install.log")
        # post-install printed doctor's summary line
        assert "Tutor Desktop: checking this computer" in read("install.log")
        assert " OK, " in read("install.log") and "FAIL" in read("install.log")
        assert read("which.out").strip() == "/usr/bin/tutor"
        assert "/etc/tutor-desktop/tutor.toml" in read("conffiles.out")

        assert read("version.rc").strip() == "0", read("version.out")
        assert read("version.out").startswith("tutor-desktop ")
        assert "commit " in read("version.out") and "built " in read("version.out")

        report = json.loads(read("doctor.json"))
        assert int(read("doctor.rc")) == report["exit_code"] == {"OK": 0, "WARN": 1,
                                                                "FAIL": 2}[report["status"]]
        checks = {c["name"]: c for c in report["checks"]}
        for name in ("sqlite", "llama-cpp", "database", "data-folder"):
            assert checks[name]["status"] == "OK", checks[name]
        inventory = report["inventory"]
        assert inventory["version"] in read("version.out")
        assert inventory["build_commit"] in read("version.out")
        assert len(inventory["machine_id"]) == 32 and inventory["ram_bytes"] > 0
        assert inventory["data_dir"] == str(work / "home/.local/share/TutorDesktop")
        assert "sync" in inventory and inventory["microphone"] is not None

        assert read("smoke.rc").strip() == "0", read("smoke.out")
        assert "smoke: window interactive" in read("smoke.out")
        assert f"title: Tutor Desktop — {SCHOOL}" in read("smoke.out")  # the IT file applied

        # An older build over a newer student database: refused, clearly, file untouched.
        assert read("newer.rc").strip() == "3"
        assert tr("database_too_new", "en") in read("newer.out")
        assert tr("database_too_new", "en") in read("newer-doctor.out")
        assert _schema(database) == before

        assert read("remove.rc").strip() == "0", read("remove.log")
        assert read("after-remove.out").count("No such file") == 2
        assert read("conffile.out").strip() == "kept"  # dpkg -r keeps IT's file
        # The student's data folder survives the removal.
        assert (work / "home/.local/share/TutorDesktop/tutor.sqlite3").is_file()
    finally:
        shutil.rmtree(work, ignore_errors=True)
