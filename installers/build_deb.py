"""Build ``tutor-desktop_<version>_amd64.deb`` from the PyInstaller one-folder bundle.

    python installers/build_deb.py --bundle dist/tutor --out dist

Uses only ``dpkg-deb`` (no debhelper), so it runs on any Debian/Ubuntu machine
with the bundle. Layout, chosen for IT staff who install from a USB stick:

- ``/opt/tutor-desktop/``: the bundle as built (``models/`` next to the app, where
  ``tutor models import`` puts packs for every user of the PC);
- ``/usr/bin/tutor``: a two-line wrapper, so ``tutor`` is on PATH and the app still
  finds its folder;
- ``/usr/share/applications/tutor-desktop.desktop`` and the owl icon;
- ``/etc/tutor-desktop/tutor.toml``: the machine-wide IT file, a *conffile*: dpkg
  keeps IT's edits on upgrade and on ``dpkg -r`` (only ``--purge`` deletes it);
- ``/usr/lib/systemd/system/tutor-desktop.service``: the local service that owns the
  school's data (``tutor service``). The maintainer scripts embed the parts in
  ``installers/systemd/``: post-install creates the system account and group ``tutor``
  and ``/var/lib/tutor-desktop`` (0700, the account's), enables the unit on a first
  install and starts it where systemd runs (never in a container or chroot); pre-removal
  stops it; only ``--purge`` deletes the service's data folder and account;
- post-install then runs ``tutor doctor --summary`` in a throw-away data folder and
  prints its summary; students' own data folders (in their homes, when a PC runs
  without the service) are never touched, not even by ``--purge``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "tutor-desktop"
PREFIX = "/opt/tutor-desktop"

# The bundle carries Qt, Python and llama.cpp; the system provides what Qt's xcb and
# EGL plugins, the microphone (sounddevice) and Mongolian Cyrillic text need.
# libc6 >= 2.36: the bundle links against the glibc of the machine that built it.
DEPENDS = [
    "libc6 (>= 2.36)", "libgl1", "libegl1", "libglib2.0-0", "libfontconfig1",
    "libdbus-1-3", "libxkbcommon0", "libxkbcommon-x11-0", "libxcb-cursor0",
    "libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1", "libxcb-render-util0",
    "libxcb-shape0", "libxcb-xkb1", "libportaudio2", "fonts-dejavu-core",
]

# Reading scanned textbooks and pictures of problems (OCR): the app works without it and
# `tutor doctor` says how to add it, so it is recommended rather than required.
RECOMMENDS = ["tesseract-ocr", "tesseract-ocr-mon", "tesseract-ocr-eng"]

MACHINE_CONFIG = """\
# Tutor Desktop: settings for every user of this computer (set by IT staff).
# A conffile: upgrades keep your edits. Each user's config.toml and TUTOR_*
# environment variables override these values. Never put API keys here: use
# the app's settings (they go to the OS keyring or an encrypted file).
#
# school_name = "Сургууль 1"
# language = "mn"                      # "mn" or "en"
# models_dir = "/srv/tutor-models"     # an extra folder with model files
# chat_model = ""                      # empty = the best model that fits this PC
# routing_policy = "local-first"       # local-first | remote-first | local-only
# cloud_api_url = ""
"""

WRAPPER = f"""#!/bin/sh
# Tutor Desktop ({PACKAGE} package): the app lives in {PREFIX}.
exec {PREFIX}/tutor "$@"
"""

DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Name=Tutor Desktop
Name[mn]=Tutor Desktop — Багш туслах
Comment=Offline AI tutor for students
Comment[mn]=Сурагчдад зориулсан офлайн хиймэл оюуны багш
Exec=tutor gui
Icon=tutor-desktop
Terminal=false
Categories=Education;
"""

SERVICE_PARTS = ROOT / "installers" / "systemd"
UNIT = "tutor-desktop.service"


def _part(name: str) -> str:
    """A maintainer-script part from installers/systemd/, run in a subshell of the
    package's script: its ``exit 0`` ends the part only, its failure (``set -e``) fails
    the script, and it sees dpkg's arguments."""
    body = (SERVICE_PARTS / name).read_text("utf-8").split("\n", 1)[1]   # no shebang
    for knob, value in (("TUTOR_SERVICE_USER", "tutor"),   # the tests' names, not dpkg's
                        ("TUTOR_STATE_DIR", "/var/lib/tutor-desktop")):
        body = body.replace(f'"${{{knob}:-{value}}}"', f'"{value}"')
    return f"# --- installers/systemd/{name} ---\n(\n{body.rstrip()}\n)\n"


# The local service first (account, private data folder, unit started where systemd
# runs), then one check of the installed app for IT staff in a throw-away data folder:
# root's home gets no database. The check never fails the installation.
POSTINST = f"""#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
{_part("postinst-service.sh")}
    check_dir=$(mktemp -d)
    echo "Tutor Desktop: checking this computer (tutor doctor)..."
    QT_QPA_PLATFORM=offscreen {PREFIX}/tutor --data-dir "$check_dir" doctor --summary || true
    rm -rf "$check_dir"
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q /usr/share/applications || true
    fi
    echo "Tutor Desktop: add models with 'tutor models import <folder or .zip>'," \\
         "settings in /etc/tutor-desktop/tutor.toml."
fi
exit 0
"""

# Stop (and on removal disable) the service before its files go.
PRERM = f"""#!/bin/sh
set -e
{_part("prerm-service.sh")}
exit 0
"""

# On purge also remove model files IT imported next to the app, and the service's data
# folder and account (see postrm-service.sh). Students' own data folders (in their
# homes, in-process mode) are never removed by the package.
POSTRM = f"""#!/bin/sh
set -e
{_part("postrm-service.sh")}
if [ "$1" = "purge" ]; then
    rm -rf {PREFIX}
fi
exit 0
"""


def version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "tutor_desktop" / "__init__.py").read_text("utf-8"), namespace)
    return namespace["__version__"]


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    path.chmod(mode)


def _normalise_modes(root: Path) -> None:
    """dpkg installs the modes it finds: directories 755, files 644 or 755."""
    for dirpath, _dirnames, filenames in os.walk(root):
        Path(dirpath).chmod(0o755)
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink():
                continue
            path.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)


def stage(bundle: Path, staging: Path, pkg_version: str) -> None:
    """Lay out the package's files under ``staging`` (the future ``/``)."""
    if not (bundle / "tutor").is_file():
        raise SystemExit(f"{bundle} is not a one-folder bundle (no 'tutor' executable); "
                         "run: pyinstaller installers/tutor.spec")
    app = staging / PREFIX.lstrip("/")
    shutil.copytree(bundle, app, symlinks=True)
    _normalise_modes(staging)
    _write(staging / "usr/bin/tutor", WRAPPER, 0o755)
    _write(staging / "usr/share/applications/tutor-desktop.desktop", DESKTOP_ENTRY)
    icon = staging / "usr/share/icons/hicolor/scalable/apps/tutor-desktop.svg"
    icon.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "resources" / "icons" / "app.svg", icon)
    icon.chmod(0o644)
    _write(staging / "etc/tutor-desktop/tutor.toml", MACHINE_CONFIG)
    unit = staging / "usr/lib/systemd/system" / UNIT
    unit.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SERVICE_PARTS / UNIT, unit)
    unit.chmod(0o644)
    size_kib = sum(p.stat().st_size for p in staging.rglob("*")
                   if p.is_file() and not p.is_symlink()) // 1024
    control = "\n".join([
        f"Package: {PACKAGE}",
        f"Version: {pkg_version}",
        "Architecture: amd64",
        "Maintainer: Tutor Desktop <it@tutor-desktop.invalid>",
        f"Installed-Size: {size_kib}",
        "Section: education",
        "Priority: optional",
        f"Depends: {', '.join(DEPENDS)}",
        f"Recommends: {', '.join(RECOMMENDS)}",
        "Description: offline-first AI tutor for school lab computers",
        " Students ask questions by typing or by voice in Mongolian or English and get",
        " step-by-step tutoring grounded in their own textbooks. Everything runs on the",
        " PC: a local language model (llama.cpp), speech recognition (Vosk) and textbook",
        " search. Add model packs with `tutor models import`.",
        "",
    ])
    debian = staging / "DEBIAN"
    _write(debian / "control", control)
    _write(debian / "conffiles", "/etc/tutor-desktop/tutor.toml\n")
    _write(debian / "postinst", POSTINST, 0o755)
    _write(debian / "prerm", PRERM, 0o755)
    _write(debian / "postrm", POSTRM, 0o755)


def build_deb(bundle: Path, out_dir: Path, pkg_version: str | None = None,
              compression: str = "gzip") -> Path:
    """Stage and build; returns the path of the .deb."""
    if shutil.which("dpkg-deb") is None:
        raise SystemExit("dpkg-deb is needed (Debian package dpkg)")
    pkg_version = pkg_version or version()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{PACKAGE}_{pkg_version}_amd64.deb"
    with tempfile.TemporaryDirectory(prefix="tutor-deb-") as tmp:
        staging = Path(tmp) / "root"
        stage(bundle, staging, pkg_version)
        subprocess.run(["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build",
                        str(staging), str(target)], check=True, stdout=subprocess.DEVNULL)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=str(ROOT / "dist" / "tutor"),
                        help="the PyInstaller one-folder bundle (default: dist/tutor)")
    parser.add_argument("--out", default=str(ROOT / "dist"), help="output folder")
    parser.add_argument("--compression", default="gzip", choices=("gzip", "xz", "zstd", "none"),
                        help="gzip (default) installs everywhere; xz is smaller, slower")
    args = parser.parse_args(argv)
    path = build_deb(Path(args.bundle), Path(args.out), compression=args.compression)
    print(f"{path} ({path.stat().st_size / 1024**2:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
