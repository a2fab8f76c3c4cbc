"""A Tesseract carried next to the app (the Windows installer's ``tesseract\\`` folder) is
found and used with its own language data; ``tutor doctor`` reports it per language."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tutor_desktop.core import paths
from tutor_desktop.core.config import LANGUAGES
from tutor_desktop.core.ocr.doctor_checks import ocr_checks
from tutor_desktop.core.ocr.engine import TesseractEngine, find_tesseract

SYSTEM_DATA = Path("/usr/share/tesseract-ocr/5/tessdata")


def test_a_tesseract_next_to_the_app_is_used_with_its_own_data(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    system = shutil.which("tesseract")
    if system is None or not (SYSTEM_DATA / "mon.traineddata").is_file():
        pytest.fail("Tesseract with Mongolian data is missing: run installers/apt-deps.sh")
    app = tmp_path / "Tutor Desktop"
    carried = app / "tesseract"
    (carried / "tessdata").mkdir(parents=True)
    (carried / "tesseract").symlink_to(system)
    shutil.copy2(SYSTEM_DATA / "mon.traineddata", carried / "tessdata")   # Mongolian only
    monkeypatch.setattr(paths, "install_dir", lambda: app)
    monkeypatch.delenv("TUTOR_TESSERACT", raising=False)
    monkeypatch.delenv("TESSDATA_PREFIX", raising=False)

    assert find_tesseract() == carried / "tesseract"
    engine = TesseractEngine()
    assert engine.installed_languages() == {"mon"}       # its own data, not the system's
    lines = {c.name: c for c in ocr_checks(engine)}
    assert lines["ocr:mn"].status.value == "OK" and "mon" in lines["ocr:mn"].detail
    if "en" in LANGUAGES:
        assert lines["ocr:en"].status.value == "WARN"
        assert "eng" in lines["ocr:en"].detail
