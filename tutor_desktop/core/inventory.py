"""A lab PC's inventory for IT staff: what ``tutor doctor --json`` reports besides checks.

IT staff check 20–40 PCs with a script; each PC must say which build it runs,
who it is (a machine id that stays the same across reboots, users and
re-installs), which models it has and whether they verified, and its RAM, free
disk and microphone. The machine id is derived from the operating system's own
id through a salted hash, so reports collected centrally do not carry the raw
OS identifier; where none exists a random id is kept in the data folder.
Features add their sections through ``collect(sections=...)`` (the composition root's
``Services.inventory_sections()``).
"""

from __future__ import annotations

import hashlib
import platform
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tutor_desktop.core.build_info import build_info
from tutor_desktop.core.llm.discovery import scan_models, total_ram_bytes

_SALT = b"tutor-desktop machine id v1:"
MACHINE_ID_FILE = "machine_id"

# Sections a feature adds (name -> function returning a JSON-able value), passed in by
# the caller; "sync" is reported as null where no sync section is given.
RESERVED_SECTIONS = ("sync",)


def _os_machine_id() -> str:
    if sys.platform == "win32":
        try:
            import winreg

            key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE,  # type: ignore[attr-defined,unused-ignore]
                                 r"SOFTWARE\Microsoft\Cryptography")
            value, _ = winreg.QueryValueEx(key, "MachineGuid")  # type: ignore[attr-defined,unused-ignore]
            return str(value)
        except OSError:
            return ""
    if sys.platform == "darwin":
        try:
            out = subprocess.run(["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"],
                                 capture_output=True, text=True, timeout=5, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return ""
        for line in out.splitlines():
            if "IOPlatformUUID" in line:
                return line.split("=")[-1].strip().strip('"')
        return ""
    for candidate in (Path("/etc/machine-id"), Path("/var/lib/dbus/machine-id")):
        try:
            value = candidate.read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if value:
            return value
    return ""


def machine_id(data_dir: Path, os_id: str | None = None) -> str:
    """A stable id for this PC (32 hex digits)."""
    raw = _os_machine_id() if os_id is None else os_id
    if raw:
        return hashlib.sha256(_SALT + raw.encode()).hexdigest()[:32]
    stored = data_dir / MACHINE_ID_FILE
    try:
        value = stored.read_text("ascii").strip()
        if len(value) == 32:
            return value
    except (OSError, UnicodeDecodeError):
        pass
    value = uuid.uuid4().hex
    try:
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(value, "ascii")
    except OSError:
        pass  # a read-only data folder: the id changes each run, and doctor says why
    return value


def free_disk_bytes(folder: Path) -> int:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def model_inventory(manager: Any) -> list[dict[str, Any]]:
    """Chat and embedding files the app found, with their check result (hashes cached)."""
    if manager is None:
        return []
    scan = scan_models(manager.entries, manager.folders, manager.cache,
                       kinds=("chat", "embedding"))
    return [{"name": f.name, "kind": f.entry.kind, "file": str(f.path), "status": f.status,
             "verified": f.status == "ok", "size": f.path.stat().st_size}
            for f in scan.files]


def collect(data_dir: Path, services: Any, checks: Sequence[Any],
            sections: Mapping[str, Callable[[], Any]] | None = None) -> dict[str, Any]:
    """Everything IT staff tabulate per PC; ``checks`` are doctor's results."""
    info = build_info()
    by_name = {c.name: c for c in checks}
    mic = by_name.get("microphone")
    manager = getattr(services, "models", None)
    found: dict[str, Any] = dict.fromkeys(RESERVED_SECTIONS)
    for name, section in (sections or {}).items():
        try:
            found[name] = section()
        except Exception as exc:  # a broken section must not hide the rest of the inventory
            found[name] = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        models = model_inventory(manager)
    except OSError as exc:
        models = [{"error": str(exc)}]
    return {
        "version": info.version,
        "build_commit": info.commit,
        "build_date": info.date,
        "machine_id": machine_id(data_dir),
        "hostname": platform.node(),
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "ram_bytes": total_ram_bytes(),
        "disk_free_bytes": free_disk_bytes(data_dir),
        "data_dir": str(data_dir),
        "models": models,
        "microphone": None if mic is None else {"status": mic.status.value,
                                                "detail": mic.detail},
        **found,
    }
