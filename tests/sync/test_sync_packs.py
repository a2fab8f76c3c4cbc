"""Textbook packs through the school hub: the teacher's PC embeds the books once, every
enrolled lab PC installs them after a sync, without loading its embedder.

Real parts: the hub's service (FastAPI under uvicorn on loopback, SQLite store),
the real e5 embedder on the teacher's PC, real PDFs from the sample library.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from model_files import e5_gguf, link_into
from staff import as_teacher
from sync_cloud import start_service
from sync_helpers import set_up_school

from tutor_desktop.core.library import BookMeta
from tutor_desktop.core.library.packs import refresh_offered_pack
from tutor_desktop.core.library.samples import generate_samples
from tutor_desktop.core.sync.client import wait_for


@pytest.fixture
def school_hub(lab: Any, tmp_path: Path) -> Any:
    """A teacher's PC with two books imported, its hub offering them as a pack."""
    from tutor_cloud.hub import Hub
    from tutor_cloud.packs import PackShelf

    for name in ("teacher", "lab-1"):
        link_into(e5_gguf(), tmp_path / name / "models")
    teacher = lab("teacher")
    set_up_school(teacher)
    written = generate_samples(tmp_path / "samples")
    for path, book in written[:2]:
        teacher.library.import_file(as_teacher(),
            path, BookMeta(book.title, book.grade, book.subject,
                                                   book.language))
    shelf = tmp_path / "hub-packs"
    assert refresh_offered_pack(teacher.library, shelf / "school")
    assert not refresh_offered_pack(teacher.library, shelf / "school"), "unchanged: kept"
    hub = Hub(tmp_path / "hub.sqlite3", teacher.accounts.school_id(),
              teacher.accounts.school_name(), None)
    service = start_service(f"sqlite:///{tmp_path / 'hub.sqlite3'}", enrol_rate=100.0,
                            packs=PackShelf(shelf))
    teacher.sync.enroll(service.url, hub.code)
    teacher.sync.sync_now()
    yield teacher, service, hub, shelf, [book for _path, book in written[:2]]
    service.stop()
    hub.close()


def test_a_lab_pc_installs_the_schools_books_from_the_hub_without_embedding(
        school_hub: Any, lab: Any) -> None:
    teacher, service, hub, _shelf, books = school_hub
    pc = lab("lab-1")
    pc.sync.enroll(service.url, hub.code)
    pc.sync.sync_now()
    assert pc.library.books() == []

    report = pc.packs.run_once(as_teacher())
    assert sorted(report.installed) == sorted(b.title for b in books)
    assert report.downloaded_bytes > 0 and not report.refused
    assert pc.embedder is not None and not pc.embedder.loaded, "vectors came with the pack"
    here = {b.sha256: b for b in pc.library.books()}
    there = {b.sha256: b for b in teacher.library.books()}
    assert set(here) == set(there)
    assert all(b.status == "ready" and b.embedded_count == b.chunk_count for b in here.values())
    # The same question finds the same passage on both PCs.
    question = "Фотосинтез гэж юу вэ?"
    grade = next(b.grade for b in books if b.language == "mn") if any(
        b.language == "mn" for b in books) else books[0].grade
    ours = pc.retriever.search(question, grade=grade, k=3)
    theirs = teacher.retriever.search(question, grade=grade, k=3)
    assert [h.chunk_id for h in ours] == [h.chunk_id for h in theirs]

    again = pc.packs.run_once(as_teacher())
    assert again.downloaded_bytes == 0 and again.books == [], "nothing fetched twice"
    assert not any((pc.paths.data_dir / "pack-downloads").glob("*/*")), "downloads cleaned up"


def test_the_background_sync_brings_the_books_by_itself(school_hub: Any, lab: Any) -> None:
    _teacher, service, hub, _shelf, books = school_hub
    pc = lab("lab-1")
    pc.sync.enroll(service.url, hub.code)
    pc.sync_worker.start()
    assert wait_for(lambda: len(pc.library.books()) == len(books), 120), \
        "the lab PC got the books after its first sync round"


def test_a_damaged_file_on_the_hub_skips_that_book_only(school_hub: Any, lab: Any) -> None:
    _teacher, service, hub, shelf, books = school_hub
    manifest_books = __import__("json").loads(
        (shelf / "school" / "manifest.json").read_text(encoding="utf-8"))["books"]
    damaged = manifest_books[0]
    vectors = shelf / "school" / damaged["vectors"]
    vectors.write_bytes(vectors.read_bytes()[:-64] + bytes(64))
    pc = lab("lab-1")
    pc.sync.enroll(service.url, hub.code)
    pc.sync.sync_now()
    report = pc.packs.run_once(as_teacher())
    outcome = {b.title: b.outcome for b in report.books}
    assert outcome[damaged["title"]] == "skipped"
    assert outcome[manifest_books[1]["title"]] == "installed"
    assert [b.title for b in pc.library.books()] == [manifest_books[1]["title"]]
    assert len(books) == 2


def test_only_enrolled_pcs_and_only_the_packs_files(school_hub: Any) -> None:
    teacher, service, _hub, shelf, _books = school_hub
    assert httpx.get(f"{service.url}/v1/packs").status_code == 401
    token = teacher.secrets.get("sync_device_token")
    headers = {"Authorization": f"Bearer {token}"}
    listed = httpx.get(f"{service.url}/v1/packs", headers=headers).json()["packs"]
    assert [p["name"] for p in listed] == ["school"]
    (shelf / "school" / "notes.txt").write_text("not in the manifest")
    for path in ("school/notes.txt", "school/../../hub.sqlite3", "school/%2e%2e/hub.sqlite3",
                 "other/manifest.json"):
        answer = httpx.get(f"{service.url}/v1/packs/{path}", headers=headers)
        assert answer.status_code == 404, path
    some_file = next(iter(listed[0]["manifest"]["files"]))
    started = time.monotonic()
    answer = httpx.get(f"{service.url}/v1/packs/school/{some_file}", headers=headers)
    assert answer.status_code == 200 and answer.content
    assert time.monotonic() - started < 60
