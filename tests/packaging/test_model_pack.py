"""Model packs from a USB stick: only files that match the manifest are ever used.

IT staff carry models from PC to PC on sticks that get pulled out mid-copy and
files that rot. These tests use the real model files (tests/model_files.py) and
the real manifest checksums.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from model_files import e5_gguf, gemma_gguf, link_into

from tutor_desktop.core.llm.discovery import ChecksumCache, scan_models
from tutor_desktop.core.llm.manager import ModelManager
from tutor_desktop.core.llm.manifest import MANIFEST_NAME, load_manifest, read_manifest
from tutor_desktop.core.llm.model_pack import export_pack, import_pack

GEMMA = "gemma-3-270m-q4_k_m.gguf"
E5 = "multilingual-e5-small-q4_0.gguf"


def _sha(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@pytest.fixture
def mixed_pack(tmp_path: Path) -> Path:
    """One good file, one cut short (a stick pulled out), one nobody listed."""
    pack = tmp_path / "usb" / "tutor-models"
    link_into(gemma_gguf(), pack)
    with e5_gguf().open("rb") as source:
        (pack / E5).write_bytes(source.read(5 * 1024 * 1024))
    (pack / "homework-helper.gguf").write_bytes(b"GGUF" + os.urandom(4096))
    return pack


def test_only_the_good_file_is_copied_and_the_others_are_named(mixed_pack: Path,
                                                                tmp_path: Path) -> None:
    target = tmp_path / "lab-models"
    entries = load_manifest()
    manager = ModelManager(entries, [target], ram_bytes=8 * 1024**3)
    report = import_pack(mixed_pack, target, entries)

    outcomes = {item.name: item.outcome for item in report.items}
    assert outcomes == {GEMMA: "imported", E5: "truncated", "homework-helper.gguf": "unknown"}
    assert sorted(p.name for p in target.iterdir()) == [GEMMA]  # no .part, nothing else
    assert _sha(target / GEMMA) == next(e.sha256 for e in entries if e.file == GEMMA)
    messages = {item.name: item.message("en") for item in report.skipped}
    assert E5 in messages[E5] and "incomplete" in messages[E5]
    assert "not in models/manifest.toml" in messages["homework-helper.gguf"]
    assert "алгаслаа" in report.skipped[0].message("mn")
    # The PC now runs the imported model.
    assert [f.name for f in manager.candidates()] == ["gemma3-270m"]


def test_a_copy_cut_short_resumes_and_a_stale_part_is_replaced(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    link_into(gemma_gguf(), pack)
    target = tmp_path / "models"
    target.mkdir()
    half = 100 * 1024 * 1024
    with gemma_gguf().open("rb") as source:
        (target / (GEMMA + ".part")).write_bytes(source.read(half))
    # While the copy is half done the scanner sees no model at all.
    cache = ChecksumCache(None)
    assert scan_models(load_manifest(), [target], cache).usable() == []

    report = import_pack(pack, target, load_manifest())
    assert report.items[0].outcome == "imported"
    assert report.items[0].resumed_from == half
    assert _sha(target / GEMMA) == _sha(gemma_gguf())

    # A .part left from some other file: the checksum fails, the copy starts again.
    (target / GEMMA).unlink()
    (target / (GEMMA + ".part")).write_bytes(os.urandom(1024 * 1024))
    report = import_pack(pack, target, load_manifest())
    assert report.items[0].outcome == "imported"
    assert _sha(target / GEMMA) == _sha(gemma_gguf())
    assert not (target / (GEMMA + ".part")).exists()


def test_a_damaged_file_of_the_right_size_is_refused(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    data = bytearray(e5_gguf().read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte deep inside the weights
    (pack / E5).write_bytes(bytes(data))
    target = tmp_path / "models"
    report = import_pack(pack, target, load_manifest())
    item = report.items[0]
    assert item.outcome == "damaged"
    assert "damaged" in item.message("en") and item.params["actual"] in item.message("en")
    assert list(target.iterdir()) == []


def test_export_then_import_from_a_zip(tmp_path: Path) -> None:
    source_dir = tmp_path / "pc1"
    link_into(e5_gguf(), source_dir)
    entry = next(e for e in load_manifest() if e.file == E5)
    stick = tmp_path / "stick" / "tutor-models"
    export_pack([(source_dir / E5, entry)], stick)
    written = read_manifest(stick / MANIFEST_NAME)
    assert [(e.file, e.sha256) for e in written] == [(E5, entry.sha256)]

    archive = tmp_path / "models.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in stick.iterdir():
            bundle.write(path, f"tutor-models/{path.name}")
    target = tmp_path / "pc2"
    report = import_pack(archive, target, load_manifest())
    assert [(i.name, i.outcome) for i in report.items] == [(E5, "imported")]
    assert _sha(target / E5) == entry.sha256
    again = import_pack(archive, target, load_manifest())
    assert [(i.name, i.outcome) for i in again.items] == [(E5, "present")]


def test_cli_import_names_what_it_skipped_and_picks_the_model(mixed_pack: Path,
                                                              tmp_path: Path) -> None:
    lab_models = tmp_path / "lab-models"
    env = {**os.environ, "TUTOR_MODELS_DIR": str(lab_models), "TUTOR_LANGUAGE": "en"}
    data = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-m", "tutor_desktop", "--data-dir", str(data), "models", "import",
         str(mixed_pack)], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 1, result.stderr  # some files skipped
    assert f"{GEMMA}: checksum matches" in result.stdout
    assert "1 model(s) ready" in result.stdout
    assert "chat model gemma3-270m" in result.stdout
    assert f"{E5}: skipped" in result.stderr and "homework-helper.gguf: skipped" in result.stderr
    assert sorted(p.name for p in lab_models.iterdir()) == [GEMMA]
    # The hash was remembered: the next start does not re-read the file.
    cache = json.loads((data / "model_checksums.json").read_text())
    assert str((lab_models / GEMMA).resolve()) in cache


def _vosk_folder(root: Path, name: str = "vosk-model-small-en-us-0.15") -> Path:
    """The layout of an unpacked Vosk model (contents are not checked on import)."""
    folder = root / name
    for rel, size in (("am/final.mdl", 300_000), ("conf/model.conf", 200),
                      ("graph/HCLr.fst", 100_000)):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(os.urandom(size))
    return folder


def test_speech_model_folders_are_copied_whole_and_other_folders_named(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    source = _vosk_folder(pack)
    (pack / "holiday-photos").mkdir()
    (pack / "holiday-photos" / "a.jpg").write_bytes(b"jpeg")
    target = tmp_path / "models"
    # An earlier copy stopped after one file: it is kept and the rest copied.
    partial = target / "vosk-model-small-en-us-0.15.part" / "am"
    partial.mkdir(parents=True)
    (partial / "final.mdl").write_bytes((source / "am" / "final.mdl").read_bytes())
    report = import_pack(pack, target, load_manifest())
    outcomes = {item.name: (item.outcome, item.resumed_from) for item in report.items}
    assert outcomes == {"vosk-model-small-en-us-0.15": ("imported", 300_000),
                        "holiday-photos": ("unknown", 0)}
    assert sorted(p.name for p in target.iterdir()) == ["vosk-model-small-en-us-0.15"]
    for rel in ("am/final.mdl", "conf/model.conf", "graph/HCLr.fst"):
        assert (target / source.name / rel).read_bytes() == (source / rel).read_bytes()

    # A zip of just that folder: the folder is kept as it is, not flattened.
    archive = tmp_path / "vosk.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in source.rglob("*"):
            if path.is_file():
                bundle.write(path, path.relative_to(pack).as_posix())
    again = import_pack(archive, tmp_path / "pc2", load_manifest())
    assert [(i.name, i.outcome) for i in again.items] == [
        ("vosk-model-small-en-us-0.15", "imported")]
    assert (tmp_path / "pc2" / source.name / "am" / "final.mdl").is_file()
