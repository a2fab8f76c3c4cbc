"""Book metadata (title, grade, subject, language) and the sidecar files that carry it.

IT staff import a whole curriculum unattended: a folder may hold a
``library.toml`` (``[defaults]`` plus ``[[book]]`` entries with ``file = ...``),
and any PDF may have a sidecar with the same stem (``book.toml`` or
``book.json``). For PDFs found in a folder the more specific source wins:
command-line values < folder defaults < the folder's entry for the file < the
file's own sidecar. For a PDF named explicitly on the command line, the values
typed with it win over its sidecars (the person typing meant them).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor_desktop.core.library.errors import LibraryError
from tutor_desktop.core.subjects import canonical_subject

LANGUAGES = ("mn", "en")
_FIELDS = ("title", "grade", "subject", "language")


@dataclass(frozen=True)
class BookMeta:
    title: str
    grade: int
    subject: str
    language: str


#: In a plan entry, the error that makes this one file fail (a broken sidecar):
#: :func:`validate_meta` raises it, so the importer reports it and goes on.
PLAN_ERROR = "__error__"


def validate_meta(values: dict[str, Any], file: Path) -> BookMeta:
    """Complete, checked metadata; the title defaults to the file name."""
    planned_error = values.get(PLAN_ERROR)
    if isinstance(planned_error, LibraryError):
        raise planned_error
    name = file.name
    grade_raw = values.get("grade")
    try:
        grade = int(grade_raw) if grade_raw is not None and str(grade_raw).strip() else 0
    except (TypeError, ValueError):
        grade = 0
    if not 1 <= grade <= 12:
        raise LibraryError("library_bad_grade", file=name, value=grade_raw if grade_raw else "")
    subject = canonical_subject(str(values.get("subject") or ""))
    if not subject:
        raise LibraryError("library_no_subject", file=name)
    language = str(values.get("language") or values.get("lang") or "").strip().lower()
    if language not in LANGUAGES:
        raise LibraryError("library_bad_language", file=name, value=language)
    title = " ".join(str(values.get("title") or "").split())
    if not title:
        title = file.stem.replace("_", " ").replace("-", " ").strip() or name
    return BookMeta(title=title, grade=grade, subject=subject, language=language)


#: Metadata is a handful of short fields; a bigger file is a mistake or an attack.
MAX_SIDECAR_BYTES = 256 * 1024


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_SIDECAR_BYTES:
            raise LibraryError("library_bad_metadata", file=path.name,
                               reason=f"larger than {MAX_SIDECAR_BYTES // 1024} KiB")
        if path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
        else:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
    except (OSError, ValueError) as exc:  # TOMLDecodeError and JSONDecodeError are ValueErrors
        raise LibraryError("library_bad_metadata", file=path.name, reason=str(exc)) from exc
    except RecursionError:  # e.g. 100,000 nested [[[...]]]: json gives up, and so do we
        raise LibraryError("library_bad_metadata", file=path.name,
                           reason="nested too deeply") from None
    if not isinstance(data, dict):
        raise LibraryError("library_bad_metadata", file=path.name, reason="not a table")
    return data


def _pick(values: dict[str, Any]) -> dict[str, Any]:
    out = {key: values[key] for key in _FIELDS if values.get(key) not in (None, "")}
    if "lang" in values and "language" not in out and values["lang"]:
        out["language"] = values["lang"]
    return out


def sidecar_for(pdf: Path) -> dict[str, Any]:
    """The PDF's own ``.toml``/``.json`` sidecar, if any."""
    for suffix in (".toml", ".json"):
        candidate = pdf.with_suffix(suffix)
        if candidate.is_file():
            return _pick(_read_mapping(candidate))
    return {}


def folder_metadata(folder: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(defaults, per-file entries) from ``folder/library.toml``."""
    manifest = folder / "library.toml"
    if not manifest.is_file():
        return {}, {}
    data = _read_mapping(manifest)
    defaults = _pick(data.get("defaults", {}) if isinstance(data.get("defaults"), dict) else {})
    entries: dict[str, dict[str, Any]] = {}
    for entry in data.get("book", []) or []:
        if isinstance(entry, dict) and entry.get("file"):
            entries[str(entry["file"])] = _pick(entry)
    return defaults, entries


def plan_imports(paths: list[Path], overrides: dict[str, Any]) -> list[tuple[Path, dict[str, Any]]]:
    """Every PDF to import with its merged (not yet validated) metadata.

    Folders are searched recursively; each folder's ``library.toml`` applies
    to the PDFs directly inside it.
    """
    base = _pick(overrides)
    plan: list[tuple[Path, dict[str, Any]]] = []
    for path in paths:
        if path.is_dir():
            for pdf in sorted(p for p in path.rglob("*") if p.suffix.lower() == ".pdf"):
                try:
                    defaults, entries = folder_metadata(pdf.parent)
                    merged = {**base, **defaults, **entries.get(pdf.name, {}),
                              **sidecar_for(pdf)}
                except LibraryError as error:  # this book fails; the batch goes on
                    merged = {PLAN_ERROR: error}
                plan.append((pdf, merged))
        else:
            merged = {**base}
            try:
                if path.parent.is_dir():
                    defaults, entries = folder_metadata(path.parent)
                    merged.update(defaults)
                    merged.update(entries.get(path.name, {}))
                if path.exists():
                    merged.update(sidecar_for(path))
                merged.update(base)
            except LibraryError as error:
                merged = {PLAN_ERROR: error}
            plan.append((path, merged))
    return plan
