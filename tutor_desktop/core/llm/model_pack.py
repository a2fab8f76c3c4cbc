"""Model packs: bring model files onto a lab PC from a USB stick, and make such a stick.

IT staff set up 20–40 PCs with no internet. A *pack* is a folder (or a ``.zip``) of
model files with a ``manifest.toml`` of their checksums. Importing one must never
make a PC worse: every file is checked against the app's own manifest (checksums
the app ships with, not the ones the pack claims), a damaged or unknown file is
named and skipped, and a copy is written as ``<file>.part`` and renamed only once
its SHA-256 matches, so the model scanner (which looks for ``*.gguf``) never sees
half a file. A copy cut short (stick pulled, PC switched off) resumes where it
stopped on the next import instead of reading gigabytes from the stick again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tomllib
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal

from tutor_desktop.core.i18n import TutorError, tr
from tutor_desktop.core.llm.gguf_check import GGUFFormatError, inspect_gguf
from tutor_desktop.core.llm.manifest import MANIFEST_NAME, ModelEntry

PART_SUFFIX = ".part"
_BLOCK = 4 * 1024 * 1024

Outcome = Literal["imported", "present", "damaged", "truncated", "unknown"]
Progress = Callable[[str, int, int], None]


class PackError(TutorError):
    """The pack itself cannot be read (not a folder or zip, unreadable zip)."""


@dataclass(frozen=True)
class PackItem:
    """What happened to one file (or speech-model folder) of a pack."""

    name: str
    outcome: Outcome
    message_id: str
    params: dict[str, Any] = field(default_factory=dict)
    resumed_from: int = 0

    @property
    def used(self) -> bool:
        return self.outcome in ("imported", "present")

    def message(self, language: str = "en") -> str:
        return tr(self.message_id, language, name=self.name, **self.params)


@dataclass
class ImportReport:
    target: Path
    items: list[PackItem] = field(default_factory=list)

    @property
    def used(self) -> list[PackItem]:
        return [i for i in self.items if i.used]

    @property
    def skipped(self) -> list[PackItem]:
        return [i for i in self.items if not i.used]


# -- sources -----------------------------------------------------------------
class _Source:
    """Files of a pack by relative POSIX path, readable from an offset."""

    def members(self) -> dict[str, int]:
        raise NotImplementedError

    @contextmanager
    def open(self, name: str, offset: int = 0) -> Iterator[IO[bytes]]:
        raise NotImplementedError
        yield  # pragma: no cover

    def close(self) -> None:
        """Release the source (a zip file handle)."""


class _FolderSource(_Source):
    def __init__(self, root: Path) -> None:
        self.root = root

    def members(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not any(p.startswith(".") for p in path.relative_to(
                    self.root).parts):
                result[path.relative_to(self.root).as_posix()] = path.stat().st_size
        return result

    @contextmanager
    def open(self, name: str, offset: int = 0) -> Iterator[IO[bytes]]:
        with (self.root / name).open("rb") as handle:
            handle.seek(offset)
            yield handle


class _ZipSource(_Source):
    def __init__(self, path: Path) -> None:
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise PackError("pack_unreadable", path=str(path), reason=str(exc)) from exc
        names = [i.filename for i in self.zip.infolist() if not i.is_dir()]
        # A zip of a pack folder holds "tutor-models/x.gguf": strip that one top folder
        # (but not a zip of a single speech-model folder, "vosk-model-…/am/…").
        tops = {PurePosixPath(n).parts[0] for n in names}
        nested = len(tops) == 1 and all("/" in n for n in names) and any(
            n.count("/") == 1 and n.endswith((".gguf", MANIFEST_NAME)) for n in names)
        self.prefix = f"{tops.pop()}/" if nested else ""

    def members(self) -> dict[str, int]:
        return {i.filename.removeprefix(self.prefix): i.file_size
                for i in self.zip.infolist()
                if not i.is_dir() and not PurePosixPath(i.filename).name.startswith(".")}

    @contextmanager
    def open(self, name: str, offset: int = 0) -> Iterator[IO[bytes]]:
        with self.zip.open(self.prefix + name) as handle:
            remaining = offset  # compressed members cannot seek: read past the copied part
            while remaining:
                chunk = handle.read(min(remaining, _BLOCK))
                if not chunk:
                    break
                remaining -= len(chunk)
            yield handle

    def close(self) -> None:
        self.zip.close()


def open_source(path: Path) -> _Source:
    if path.is_dir():
        return _FolderSource(path)
    if path.is_file() and zipfile.is_zipfile(path):
        return _ZipSource(path)
    raise PackError("pack_not_found", path=str(path))


# -- copying -----------------------------------------------------------------
def _hash_file(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _copy_resumable(source: _Source, name: str, size: int, final: Path,
                    progress: Progress | None) -> tuple[Path, str, int]:
    """Copy into ``final.part`` (continuing a shorter one); returns (part, sha256, resumed)."""
    part = final.with_name(final.name + PART_SUFFIX)
    digest = hashlib.sha256()
    offset = part.stat().st_size if part.is_file() else 0
    if offset > size:
        part.unlink()
        offset = 0
    if offset:
        with part.open("rb") as existing:
            while block := existing.read(_BLOCK):
                digest.update(block)
    done = offset
    with source.open(name, offset) as src, part.open("ab") as dst:
        while block := src.read(_BLOCK):
            digest.update(block)
            dst.write(block)
            done += len(block)
            if progress:
                progress(name, done, size)
        dst.flush()
        os.fsync(dst.fileno())
    return part, digest.hexdigest(), offset


def _gguf_complete(path: Path) -> bool:
    try:
        return inspect_gguf(path).complete
    except (GGUFFormatError, OSError):
        return False


def _import_file(source: _Source, name: str, size: int, entry: ModelEntry,
                 pack_entry: ModelEntry | None, target: Path,
                 progress: Progress | None) -> PackItem:
    # The app's checksum wins; the pack's only fills in one the app leaves to IT staff.
    expected_sha = entry.sha256 if entry.verifiable else (
        pack_entry.sha256 if pack_entry is not None and pack_entry.verifiable else "")
    expected_size = entry.size or (pack_entry.size if pack_entry is not None and
                                   pack_entry.sha256 == expected_sha else 0)
    if expected_size and size != expected_size:
        outcome: Outcome = "truncated" if size < expected_size else "damaged"
        return PackItem(name, outcome, f"pack_file_{outcome}",
                        {"size": size, "expected": expected_size})
    final = target / name
    if final.is_file() and final.stat().st_size == size and (
            (expected_sha and _hash_file(final) == expected_sha)
            or (not expected_sha and _gguf_complete(final))):
        return PackItem(name, "present", "pack_file_present")
    for attempt in (1, 2):
        part, sha, resumed = _copy_resumable(source, name, size, final, progress)
        if expected_sha and sha != expected_sha:
            part.unlink()
            if resumed and attempt == 1:
                continue  # the old .part came from another file: copy again from the start
            return PackItem(name, "damaged", "pack_file_checksum",
                            {"sha256": expected_sha, "actual": sha})
        if name.endswith(".gguf") and not _gguf_complete(part):
            part.unlink()
            return PackItem(name, "truncated", "pack_file_truncated",
                            {"size": size, "expected": "?"})
        os.replace(part, final)
        key = "pack_file_imported" if expected_sha else "pack_file_imported_unverified"
        return PackItem(name, "imported", key, {"sha256": sha}, resumed_from=resumed)
    raise AssertionError("unreachable")  # pragma: no cover


def _import_folder(source: _Source, folder: str, members: dict[str, int], target: Path,
                   progress: Progress | None) -> PackItem:
    """A speech-model folder (no single checksum): copy every file into ``folder.part/``,
    then rename the folder, so a half folder is never picked up either."""
    final = target / folder
    if final.is_dir():
        present = all((final / rel).is_file() and (final / rel).stat().st_size == size
                      for rel, size in members.items())
        if present:
            return PackItem(folder, "present", "pack_file_present")
    part = target / (folder + PART_SUFFIX)
    resumed = 0
    for rel, size in members.items():
        destination = part / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        if destination.is_file() and destination.stat().st_size == size:
            resumed += size
            continue
        with source.open(f"{folder}/{rel}") as src, destination.open("wb") as dst:
            shutil.copyfileobj(src, dst, _BLOCK)
        if progress:
            progress(folder, destination.stat().st_size, size)
    if final.exists():
        shutil.rmtree(final)
    os.replace(part, final)
    return PackItem(folder, "imported", "pack_folder_imported", resumed_from=resumed)


def _pack_manifest(source: _Source, members: dict[str, int]) -> dict[str, ModelEntry]:
    if MANIFEST_NAME not in members:
        return {}
    from tutor_desktop.core.llm.manifest import _entry

    with source.open(MANIFEST_NAME) as handle:
        try:
            data = tomllib.loads(handle.read().decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            return {}  # an unreadable pack manifest only costs its extra checksums
    result: dict[str, ModelEntry] = {}
    for raw in data.get("model", []):
        try:
            entry = _entry(raw, Path(MANIFEST_NAME))
        except ValueError:
            continue
        result[entry.file] = entry
    return result


def import_pack(path: Path, target: Path, entries: Sequence[ModelEntry], *,
                progress: Progress | None = None) -> ImportReport:
    """Verify and copy every model of the pack at ``path`` into ``target``.

    ``entries`` is the app's manifest (what this version knows): a file it does not
    list is reported as unknown and not copied.
    """
    source = open_source(path)
    try:
        target.mkdir(parents=True, exist_ok=True)
        members = source.members()
        pack_entries = _pack_manifest(source, members)
        by_file = {e.file: e for e in entries}
        report = ImportReport(target)
        folders: dict[str, dict[str, int]] = {}
        for name, size in members.items():
            if "/" in name:
                top, rest = name.split("/", 1)
                folders.setdefault(top, {})[rest] = size
                continue
            if name == MANIFEST_NAME:
                continue
            entry = by_file.get(name)
            if entry is None or entry.kind == "stt":
                report.items.append(PackItem(name, "unknown", "pack_file_unknown"))
                continue
            report.items.append(_import_file(source, name, size, entry, pack_entries.get(name),
                                             target, progress))
        for folder, files in folders.items():
            entry = by_file.get(folder)
            speech = (entry is not None and entry.kind == "stt") or folder.startswith("vosk-")
            if not speech:
                report.items.append(PackItem(folder, "unknown", "pack_file_unknown"))
                continue
            report.items.append(_import_folder(source, folder, files, target, progress))
        return report
    finally:
        source.close()


# -- export ------------------------------------------------------------------
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


def manifest_text(entries: Sequence[ModelEntry]) -> str:
    """A manifest.toml the app's manifest reader accepts (the same fields)."""
    lines = ["# Model pack written by `tutor models export`; import it with",
             "# `tutor models import <this folder>`. Checksums of the files beside it.", ""]
    for entry in entries:
        lines.append("[[model]]")
        for name in ("name", "kind", "file", "sha256", "size", "source", "licence",
                     "languages", "min_ram_gb", "quality", "chat_format", "n_ctx"):
            lines.append(f"{name} = {_toml_value(getattr(entry, name))}")
        lines.append("")
    return "\n".join(lines)


def export_pack(files: Sequence[tuple[Path, ModelEntry]], destination: Path, *,
                progress: Progress | None = None) -> list[ModelEntry]:
    """Copy model files (``.part`` then rename) and write their manifest last.

    The manifest is written only when every file is complete, so a stick pulled
    mid-export holds no manifest claiming files it does not have.
    """
    from dataclasses import replace

    destination.mkdir(parents=True, exist_ok=True)
    written: list[ModelEntry] = []
    for path, entry in files:
        final = destination / path.name
        if path.is_dir():
            source: _Source = _FolderSource(path.parent)
            members = {rel.split("/", 1)[1]: size for rel, size in source.members().items()
                       if rel.startswith(path.name + "/")}
            _import_folder(source, path.name, members, destination, progress)
            written.append(replace(entry, sha256="", size=0))
            continue
        size = path.stat().st_size
        part, sha, _ = _copy_resumable(_FolderSource(path.parent), path.name, size, final,
                                       progress)
        os.replace(part, final)
        written.append(replace(entry, sha256=sha, size=size))
    manifest = destination / MANIFEST_NAME
    tmp = manifest.with_name(MANIFEST_NAME + PART_SUFFIX)
    tmp.write_text(manifest_text(written), "utf-8")
    os.replace(tmp, manifest)
    return written
