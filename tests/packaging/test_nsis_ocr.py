"""The Windows installer carries Tesseract with Mongolian and English data when the bundle
has a tesseract folder at build time (real makensis, the real script and its OCR include)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from nsis_compiler import makensis

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "installers" / "windows" / "tutor.nsi"


def _bundle(folder: Path, *, tesseract: bool, languages: tuple[str, ...] = ("mon", "eng")) -> Path:
    """The bundle layout (as tests/packaging/test_nsis_installer.py), optionally with OCR."""
    (folder / "_internal" / "resources").mkdir(parents=True)
    (folder / "tutor.exe").write_bytes(b"MZ" + b"\0" * 1022)
    (folder / "_internal" / "python311.dll").write_bytes(b"MZ" + b"\0" * 510)
    (folder / "models").mkdir()
    shutil.copy2(ROOT / "models" / "manifest.toml", folder / "models" / "manifest.toml")
    (folder / "build_info.json").write_text('{"version": "0.1.0"}\n')
    if tesseract:
        data = folder / "tesseract" / "tessdata"
        data.mkdir(parents=True)
        (folder / "tesseract" / "tesseract.exe").write_bytes(b"MZ" + b"\0" * 2046)
        (folder / "tesseract" / "libtesseract-5.dll").write_bytes(b"MZ" + b"\0" * 1022)
        for code in languages:
            # Real trained data where this PC has it (Debian's tesseract-ocr-mon/-eng).
            system = Path("/usr/share/tesseract-ocr/5/tessdata") / f"{code}.traineddata"
            if system.is_file():
                shutil.copy2(system, data / system.name)
            else:
                (data / f"{code}.traineddata").write_bytes(b"\0" * 4096)
    return folder


def _compile(bundle: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([makensis(), "-V4", "-DVERSION=0.1.0", f"-DBUNDLE={bundle}",
                           f"-DOUTFILE={out}", str(SCRIPT)],
                          capture_output=True, text=True, timeout=300)


def test_the_installer_carries_tesseract_and_both_languages_when_the_bundle_has_them(
        tmp_path: Path) -> None:
    plain = _compile(_bundle(tmp_path / "plain", tesseract=False), tmp_path / "plain.exe")
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "carries no Tesseract" in plain.stdout

    with_ocr = _compile(_bundle(tmp_path / "ocr", tesseract=True), tmp_path / "ocr.exe")
    log = with_ocr.stdout + with_ocr.stderr
    assert with_ocr.returncode == 0, log
    for name in ("tesseract.exe", "libtesseract-5.dll", "mon.traineddata", "eng.traineddata"):
        assert f'File: "{name}"' in log, name
    assert 'SetOutPath: "$INSTDIR\\tesseract"' in log
    # Uninstalling removes it before the main section's last RMDir of the install folder.
    assert log.index('RMDir: /r "$INSTDIR\\tesseract"') < log.index('RMDir: "$INSTDIR"\n')
    # The files are in the installer: it grew by at least the Mongolian data.
    mon = tmp_path / "ocr" / "tesseract" / "tessdata" / "mon.traineddata"
    grown = (tmp_path / "ocr.exe").stat().st_size - (tmp_path / "plain.exe").stat().st_size
    assert grown > 0.3 * mon.stat().st_size


def test_a_tesseract_without_mongolian_data_is_refused_at_build_time(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path / "tutor", tesseract=True, languages=("eng",))
    result = _compile(bundle, tmp_path / "setup.exe")
    assert result.returncode != 0
    assert "mon.traineddata is missing" in result.stdout + result.stderr
