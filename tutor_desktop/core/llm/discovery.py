"""Finding model files, checking them, and choosing the one this PC should run.

IT staff copy GGUF files into ``models/`` next to the app, the data folder's
``models/`` or the folder configured as ``models_dir``. Each file is checked
(header complete, size and SHA-256 as listed); hashes are cached by size and
modification time so start-up does not re-read gigabytes every time. A damaged
file is reported by name with the checksum it should have, and the other
models stay available.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tutor_desktop.core.llm.gguf_check import GGUFFormatError, GGUFInfo, inspect_gguf
from tutor_desktop.core.llm.manifest import ModelEntry

FileStatus = Literal["ok", "unverified", "unlisted", "corrupt"]
USABLE: tuple[FileStatus, ...] = ("ok", "unverified", "unlisted")
_GIB = 1024**3


@dataclass(frozen=True)
class ModelFile:
    """A model file found on disk and what the checks said about it."""

    path: Path
    entry: ModelEntry
    status: FileStatus
    problem: str = ""            # message id when corrupt: model_truncated / model_checksum
    actual_sha256: str = ""
    listed: bool = True

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def usable(self) -> bool:
        return self.status in USABLE


@dataclass
class ScanResult:
    files: list[ModelFile] = field(default_factory=list)
    missing: list[ModelEntry] = field(default_factory=list)

    @property
    def corrupt(self) -> list[ModelFile]:
        return [f for f in self.files if f.status == "corrupt"]

    def usable(self, kind: str = "chat") -> list[ModelFile]:
        return [f for f in self.files if f.usable and f.entry.kind == kind]


def total_ram_bytes() -> int:
    """Physical memory of this PC (no psutil: sysconf on Linux/macOS, Win32 on Windows)."""
    if sys.platform == "win32":
        class _MemoryStatus(ctypes.Structure):
            _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                        ("ullTotalPhys", ctypes.c_ulonglong),
                        ("ullAvailPhys", ctypes.c_ulonglong),
                        ("ullTotalPageFile", ctypes.c_ulonglong),
                        ("ullAvailPageFile", ctypes.c_ulonglong),
                        ("ullTotalVirtual", ctypes.c_ulonglong),
                        ("ullAvailVirtual", ctypes.c_ulonglong),
                        ("sullAvailExtendedVirtual", ctypes.c_ulonglong)]

        status = _MemoryStatus()
        status.dwLength = ctypes.sizeof(_MemoryStatus)
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):  # type: ignore[attr-defined,unused-ignore]
            return int(status.ullTotalPhys)
        return 4 * _GIB
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 4 * _GIB


class ChecksumCache:
    """SHA-256 of files, remembered by path, size and modification time (a JSON file)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, Any]] = {}
        if path is not None and path.is_file():
            try:
                self._data = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError):
                self._data = {}

    def sha256(self, file: Path, *, force: bool = False,
               progress: Callable[[int, int], None] | None = None) -> str:
        stat = file.stat()
        key = str(file.resolve())
        with self._lock:
            known = self._data.get(key)
        if (not force and known and known.get("size") == stat.st_size
                and known.get("mtime_ns") == stat.st_mtime_ns):
            return str(known["sha256"])
        digest = hashlib.sha256()
        done = 0
        with file.open("rb") as handle:
            while block := handle.read(4 * 1024 * 1024):
                digest.update(block)
                done += len(block)
                if progress:
                    progress(done, stat.st_size)
        value = digest.hexdigest()
        with self._lock:
            self._data[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                               "sha256": value}
            self._save()
        return value

    def remember(self, file: Path, sha256: str) -> None:
        """Record a hash computed elsewhere (a verified copy), so start-up need not re-read it."""
        stat = file.stat()
        with self._lock:
            self._data[str(file.resolve())] = {"size": stat.st_size,
                                               "mtime_ns": stat.st_mtime_ns, "sha256": sha256}
            self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self._data, indent=1), "utf-8")
            tmp.replace(self.path)
        except OSError:
            pass  # a read-only data folder only costs a re-hash next start


def model_dirs(candidates: Iterable[Path | str | None]) -> list[Path]:
    """Existing, distinct folders in the order given."""
    seen: set[Path] = set()
    result: list[Path] = []
    for raw in candidates:
        if not raw:
            continue
        folder = Path(raw).expanduser()
        try:
            resolved = folder.resolve()
        except OSError:
            continue
        if resolved in seen or not folder.is_dir():
            continue
        seen.add(resolved)
        result.append(folder)
    return result


def _unlisted_entry(path: Path, info: GGUFInfo) -> ModelEntry:
    """Describe a GGUF nobody listed: guess its needs from its size."""
    size_gb = info.actual_size / _GIB
    arch = str(info.metadata.get("general.architecture", ""))
    kind = "embedding" if "bert" in arch else "chat"
    return ModelEntry(
        name=path.stem, file=path.name, kind=kind, size=info.actual_size,
        licence=str(info.metadata.get("general.license", "")),
        min_ram_gb=round(size_gb * 1.5 + 1, 1),
        # Unknown quality: a bigger model is usually the better tutor.
        quality=int(5 + 20 * size_gb),
        chat_format="" if info.has_chat_template else "chatml",
        n_ctx=min(info.context_length or 4096, 4096))


def check_file(path: Path, entry: ModelEntry | None, cache: ChecksumCache, *,
               force_hash: bool = False) -> ModelFile:
    """Check one file against its manifest entry (or describe it if unlisted)."""
    try:
        info = inspect_gguf(path)
    except (GGUFFormatError, OSError):
        info = None
    if info is None or not info.complete:
        fallback = entry or ModelEntry(name=path.stem, file=path.name)
        return ModelFile(path, fallback, "corrupt", "model_truncated", listed=entry is not None)
    if entry is None:
        sha = cache.sha256(path, force=True) if force_hash else ""
        return ModelFile(path, _unlisted_entry(path, info), "unlisted", actual_sha256=sha,
                         listed=False)
    if entry.size and info.actual_size != entry.size:
        return ModelFile(path, entry, "corrupt", "model_truncated")
    if entry.verifiable or force_hash:
        sha = cache.sha256(path, force=force_hash)
        if entry.verifiable and sha != entry.sha256:
            return ModelFile(path, entry, "corrupt", "model_checksum", actual_sha256=sha)
        return ModelFile(path, entry, "ok" if entry.verifiable else "unverified",
                         actual_sha256=sha)
    return ModelFile(path, entry, "unverified")


def scan_models(entries: Sequence[ModelEntry], folders: Sequence[Path], cache: ChecksumCache,
                *, force_hash: bool = False, kinds: tuple[str, ...] = ("chat",)) -> ScanResult:
    """Check every listed GGUF found in ``folders`` plus any unlisted ``*.gguf`` there.

    The first folder holding a file wins, so a copy next to the app shadows one
    in the data folder.
    """
    by_file = {e.file: e for e in entries if e.kind in kinds}
    result = ScanResult()
    found: set[str] = set()
    for folder in folders:
        for path in sorted(folder.glob("*.gguf")):
            if path.name in found or not path.is_file():
                continue
            entry = by_file.get(path.name)
            checked = check_file(path, entry, cache, force_hash=force_hash)
            if entry is None and checked.entry.kind not in kinds and checked.status != "corrupt":
                continue
            found.add(path.name)
            result.files.append(checked)
    result.missing = [e for e in entries if e.kind in kinds and e.file not in found]
    return result


Ranking = Callable[[list[ModelFile]], list[ModelFile]]


def choose_models(files: Sequence[ModelFile], ram_bytes: int,
                  override: str = "", rank: Ranking | None = None) -> list[ModelFile]:
    """Usable chat models in the order to try: the override (if any), then the best
    that fits in RAM, then smaller ones as fall-backs. "Best" is the manifest's quality,
    re-ordered by ``rank`` when given (the tutoring exam's results: core/grounding)."""
    usable = [f for f in files if f.usable and f.entry.kind == "chat"]
    ram_gb = ram_bytes / _GIB
    fitting = sorted((f for f in usable if f.entry.min_ram_gb <= ram_gb),
                     key=lambda f: (-f.entry.quality, f.path.stat().st_size))
    if rank is not None:
        fitting = rank(fitting)
    if override:
        chosen = [f for f in usable if override in (f.name, f.path.name, f.path.stem)]
        return chosen + [f for f in fitting if f not in chosen]
    return fitting
