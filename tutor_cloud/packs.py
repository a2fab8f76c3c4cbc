"""Textbook packs on the hub's (or the cloud's) shelf, for lab PCs to fetch.

A school's library is embedded once, on the teacher's PC; every lab PC then takes
the result over the school network instead of spending ~45 minutes embedding it
again (Kolibri's content channels do the same from a peer). The shelf is a folder
of pack folders as `tutor library export` writes them (``manifest.json`` plus the
files it lists with their sha256). Only those files can be read through it: a
request names a pack and a path, and a path the manifest does not list is unknown,
so nothing else on the serving PC is reachable.

Textbooks are not private; the endpoints still ask for a device token so that only
the school's enrolled PCs spend the hub's bandwidth.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
_PACK_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")


class PackShelf:
    """The packs under ``folder`` (one sub-folder each); re-read on every request so a
    pack exported while the hub runs is offered at once."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _manifest(self, name: str) -> dict[str, Any] | None:
        if not _PACK_NAME.fullmatch(name) or name.endswith(".part"):
            return None
        path = self.folder / name / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # half-written or not a pack: not offered
        return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None

    def packs(self) -> list[dict[str, Any]]:
        """``[{"name": folder, "manifest": {...}}]`` for every complete pack."""
        if not self.folder.is_dir():
            return []
        found = []
        for child in sorted(self.folder.iterdir()):
            manifest = self._manifest(child.name) if child.is_dir() else None
            if manifest is not None:
                found.append({"name": child.name, "manifest": manifest})
        return found

    def file(self, name: str, relative: str) -> Path | None:
        """The file ``relative`` of pack ``name`` if its manifest lists it, else None."""
        manifest = self._manifest(name)
        if manifest is None:
            return None
        if relative != MANIFEST and relative not in manifest["files"]:
            return None
        path = (self.folder / name / relative).resolve()
        root = (self.folder / name).resolve()
        if root not in path.parents or not path.is_file():
            return None
        return path
