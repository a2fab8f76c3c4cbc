"""Lab PCs take the school's textbook packs from the hub (or the cloud) by themselves.

The teacher's PC imports and embeds the school's books once; its hub offers them
as packs (``tutor_cloud/packs.py``). After each sync round a lab PC asks which
packs are offered, downloads only the files of books it does not have yet (each
checked against the manifest's sha256, kept between attempts so a fetch cut off
by a closed laptop lid continues with the next file), and installs them with the
same installer as a USB pack: one transaction per book, never re-embedding when
the embedding model matches, a damaged book named and skipped.

A pack whose vectors come from another embedding model is not downloaded at all
(hundreds of megabytes for nothing): its books are reported with the same message
as a USB pack of another model, and the teacher decides (`--re-embed` from a USB).
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tutor_desktop.core.accounts.session import SYSTEM, Actor, require_staff
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.library.packs import (
    MANIFEST,
    PackBookResult,
    PackInstaller,
    PackProgressCallback,
    TextbookPackError,
    import_pack,
    read_manifest,
)
from tutor_desktop.core.library.service import Library

log = logging.getLogger(__name__)


class PackSource(Protocol):
    """Where packs come from: the sync client (hub or cloud), or a test's fake."""

    def list_packs(self) -> list[dict[str, Any]]: ...

    def download(self, path: str, target: Path, sha256: str) -> int: ...


@dataclass
class FetchReport:
    """What one fetch did: per-book results of each installed pack, bytes downloaded,
    and the packs that could not be used (with the translated reason)."""

    books: list[PackBookResult] = field(default_factory=list)
    downloaded_bytes: int = 0
    refused: list[TutorError] = field(default_factory=list)

    @property
    def installed(self) -> list[str]:
        return [b.title for b in self.books if b.outcome in ("installed", "replaced")]


class PackFetcher:
    """Fetches and installs the offered packs; one run at a time."""

    def __init__(self, source: PackSource, library: Library, work_dir: Path) -> None:
        self.source = source
        self.library = library
        self.work_dir = Path(work_dir)
        self._lock = threading.Lock()

    def missing_books(self, manifest: dict[str, Any]) -> list[dict[str, Any]]:
        """Books of ``manifest`` whose edition (sha256) is not searchable here yet."""
        have = {b.sha256 for b in self.library.books() if b.status == "ready"}
        books = manifest.get("books")
        return [b for b in books if isinstance(b, dict) and b.get("sha256") not in have] \
            if isinstance(books, list) else []

    def run_once(self, actor: Actor | None,
                 progress: PackProgressCallback | None = None) -> FetchReport:
        """Fetch and install every offered pack that has books this PC lacks. Staff only
        (``NotAllowed``, checked before anything is downloaded); the sync worker's hook
        runs it as ``SYSTEM`` (:func:`fetch_after_sync`)."""
        actor = require_staff(actor)
        report = FetchReport()
        if not self._lock.acquire(blocking=False):
            return report  # the background worker and the command never run together
        try:
            for offered in self.source.list_packs():
                self._fetch_one(actor, offered, report, progress)
        finally:
            self._lock.release()
        return report

    def _fetch_one(self, actor: Actor, offered: dict[str, Any], report: FetchReport,
                   progress: PackProgressCallback | None) -> None:
        name, manifest = str(offered.get("name", "")), offered.get("manifest")
        if not name or not isinstance(manifest, dict):
            return
        missing = self.missing_books(manifest)
        if not missing:
            return
        folder = self.work_dir / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # The manifest as offered, written here and parsed by the installer's own
            # checks; then the model is checked before any book is downloaded.
            (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False),
                                           encoding="utf-8")
            PackInstaller(self.library).check_model(read_manifest(folder), re_embed=False)
            files: dict[str, str] = {str(k): str(v) for k, v in manifest["files"].items()}
            for book in missing:
                for key in ("pdf", "passages_file", "vectors", "extras"):
                    relative = str(book.get(key, ""))
                    if relative not in files or not _safe(relative):
                        break  # the installer names the book as damaged and skips it
                    try:
                        report.downloaded_bytes += self.source.download(
                            f"/v1/packs/{name}/{relative}", folder / relative,
                            files[relative])
                    except TutorError as error:
                        if error.message_id != "sync_file_damaged":
                            raise  # out of reach: the next round continues from here
                        break  # this book only: the installer names it and skips it
            installed = import_pack(actor, self.library, folder, progress=progress)
            report.books.extend(installed.books)
        except TextbookPackError as error:
            report.refused.append(error)
            return
        shutil.rmtree(folder, ignore_errors=True)  # the library has its own copy now


def _safe(relative: str) -> bool:
    """A manifest path that stays inside the pack folder (no absolute path, no '..')."""
    parts = Path(relative).parts
    return bool(parts) and not Path(relative).is_absolute() and ".." not in parts


def fetch_after_sync(fetcher: PackFetcher) -> Callable[[], None]:
    """The sync worker's after-round hook: fetch packs, log (never raise) failures, so a
    hub without packs or out of reach never stops the sync itself.

    Runs as ``SYSTEM``: the school's hub offers the books its staff put there, and an
    enrolled PC takes them after a sync in the background, with nobody signed in."""

    def run() -> None:
        try:
            result = fetcher.run_once(SYSTEM)
        except TutorError as error:
            log.info("textbook packs not fetched: %s", error.message("en"))
            return
        except Exception:  # a full disk, say: logged, and the sync goes on
            log.exception("textbook packs not fetched")
            return
        if result.installed:
            log.info("textbook packs: installed %s", ", ".join(result.installed))

    return run
