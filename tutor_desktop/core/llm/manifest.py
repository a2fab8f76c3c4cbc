"""The list of models the app knows: ``models/manifest.toml`` next to the app.

IT staff read the same file to learn which GGUF to copy in; the app reads it
to verify checksums and to pick the best model that fits the PC's memory. A
``manifest.toml`` in another model folder may add or override entries (by
``name``), so a school can list its own model without editing the app.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from tutor_desktop.core.paths import install_dir

MANIFEST_NAME = "manifest.toml"
KINDS = ("chat", "embedding", "stt")


class ManifestError(ValueError):
    """The manifest is not valid TOML or an entry lacks a required field."""


@dataclass(frozen=True)
class ModelEntry:
    """One recommended model file (see the field notes at the top of the manifest)."""

    name: str
    file: str
    kind: str = "chat"
    sha256: str = ""
    size: int = 0
    source: str = ""
    licence: str = ""
    languages: tuple[str, ...] = ()
    min_ram_gb: float = 0.0
    quality: int = 0
    chat_format: str = ""
    n_ctx: int = 0
    embedded: bool = False

    @property
    def verifiable(self) -> bool:
        return len(self.sha256) == 64


def default_manifest_path() -> Path:
    return install_dir() / "models" / MANIFEST_NAME


def _entry(raw: dict[str, Any], source: Path) -> ModelEntry:
    if not isinstance(raw.get("name"), str) or not isinstance(raw.get("file"), str):
        raise ManifestError(f"{source}: every [[model]] needs a name and a file")
    allowed = {f.name for f in fields(ModelEntry)}
    values = {k: v for k, v in raw.items() if k in allowed}
    values["languages"] = tuple(values.get("languages", ()))
    values["sha256"] = str(values.get("sha256", "")).strip().lower()
    if values.get("kind", "chat") not in KINDS:
        raise ManifestError(f"{source}: model {raw['name']!r} has unknown kind {raw['kind']!r}")
    try:
        return ModelEntry(**values)
    except TypeError as exc:
        raise ManifestError(f"{source}: model {raw['name']!r}: {exc}") from exc


def read_manifest(path: Path) -> list[ModelEntry]:
    """Entries of one manifest file (empty if the file does not exist)."""
    if not path.is_file():
        return []
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML ({exc})") from exc
    return [_entry(item, path) for item in data.get("model", [])]


def load_manifest(extra: Iterable[Path] = (), base: Path | None = None) -> list[ModelEntry]:
    """The app's manifest merged with manifests found in ``extra`` folders.

    Later files override earlier entries of the same name; order is kept.
    """
    merged: dict[str, ModelEntry] = {}
    for entry in read_manifest(base or default_manifest_path()):
        merged[entry.name] = entry
    for folder in extra:
        for entry in read_manifest(folder / MANIFEST_NAME):
            merged[entry.name] = entry
    return list(merged.values())


def chat_entries(entries: Sequence[ModelEntry]) -> list[ModelEntry]:
    """Chat models, best first."""
    return sorted((e for e in entries if e.kind == "chat"), key=lambda e: -e.quality)


def find_entry(entries: Sequence[ModelEntry], name: str) -> ModelEntry | None:
    return next((e for e in entries if e.name == name or e.file == name), None)
