"""The Windows installer script compiles, against a stub of the bundle's layout.

PyInstaller cannot build a Windows bundle on Linux, but makensis (Debian `nsis`)
compiles the real installer script here: every File line must find its file, so
a renamed folder in the bundle breaks this test, not a lab PC. The Windows
workflow builds and runs the real installer; this test checks it names the
same steps.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from nsis_compiler import makensis

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "installers" / "windows" / "tutor.nsi"
WORKFLOW = ROOT / ".github" / "workflows" / "windows.yml"
STEPS = ["Install the app and PyInstaller", "Build the one-folder bundle", "Check the bundle",
         "Put Tesseract with Mongolian and English data in the bundle", "Install NSIS",
         "Build the installer", "Install silently with the IT file",
         "Check the service runs and owns its data",
         "Uninstall silently and keep students' data"]


def _stub_bundle(folder: Path) -> Path:
    """What the spec builds on Windows: tutor.exe, _internal/, models/, build_info.json."""
    (folder / "_internal" / "resources" / "translations").mkdir(parents=True)
    (folder / "tutor.exe").write_bytes(b"MZ" + b"\0" * 1022)
    (folder / "_internal" / "python311.dll").write_bytes(b"MZ" + b"\0" * 510)
    (folder / "_internal" / "resources" / "translations" / "messages.toml").write_text("")
    (folder / "models").mkdir()
    shutil.copy2(ROOT / "models" / "manifest.toml", folder / "models" / "manifest.toml")
    (folder / "models" / "README.md").write_text("models\n")
    (folder / "build_info.json").write_text('{"version": "0.1.0"}\n')
    return folder


def _compile(bundle: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([makensis(), "-V2", "-DVERSION=0.1.0", f"-DBUNDLE={bundle}",
                           f"-DOUTFILE={out}", str(SCRIPT)],
                          capture_output=True, text=True, timeout=300)


def test_installer_compiles_against_the_bundle_layout(tmp_path: Path) -> None:
    bundle = _stub_bundle(tmp_path / "tutor")
    setup = tmp_path / "tutor-desktop-0.1.0-setup.exe"
    result = _compile(bundle, setup)
    assert result.returncode == 0, result.stdout + result.stderr
    assert setup.read_bytes()[:2] == b"MZ"  # a Windows executable

    # A bundle without the app fails the build, with the missing file named.
    (bundle / "tutor.exe").unlink()
    broken = _compile(bundle, tmp_path / "broken.exe")
    assert broken.returncode != 0 and "tutor.exe" in broken.stdout + broken.stderr


def test_installer_is_per_machine_silent_configurable_and_keeps_student_data() -> None:
    text = SCRIPT.read_text("utf-8")
    assert "RequestExecutionLevel admin" in text
    assert 'InstallDir "$PROGRAMFILES64\\${APP}"' in text
    assert "SetShellVarContext all" in text  # Start-menu entry for every user
    assert 'CreateShortcut "$SMPROGRAMS\\${APP}.lnk"' in text
    assert '${GetOptions} $R0 "/CONFIG=" $R1' in text
    assert 'CopyFiles /SILENT "$ConfigFile" "$INSTDIR\\${IT_FILE}"' in text
    uninstall = text[text.index('Section "Uninstall"'):]
    assert "APPDATA" not in uninstall and "PROFILE" not in uninstall
    assert 'RMDir /r "$INSTDIR"' not in uninstall  # only the app's own files go


def test_windows_workflow_names_the_same_steps() -> None:
    workflow = WORKFLOW.read_text("utf-8")
    names = re.findall(r"^\s*- name: (.+)$", workflow, flags=re.MULTILINE)
    assert names == STEPS
    assert "runs-on: windows-" in workflow
    assert "pyinstaller installers/tutor.spec" in workflow
    assert "installers\\windows\\tutor.nsi" in workflow
    for define in ("/DVERSION=", "/DBUNDLE=", "/DOUTFILE="):
        assert define in workflow
    for switch in ('"/S"', "/CONFIG=", "/D=C:\\TutorTest"):
        assert switch in workflow
