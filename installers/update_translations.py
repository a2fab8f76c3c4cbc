"""Regenerate the Qt translation sources from the UI code and compile them.

    python installers/update_translations.py          # update .ts, compile .qm
    python installers/update_translations.py --check  # also exit 1 if a translation is missing

Runs ``pyside6-lupdate`` over every ``tutor_desktop/ui/**/*.py`` into
``resources/translations/tutor_<lang>.ts`` (existing translations are kept,
strings gone from the code are dropped) and ``pyside6-lrelease`` into
``tutor_<lang>.qm``, which the app loads at run time. ``qt_<lang>.ts`` (kept by
hand: Qt ships no Mongolian) translates the Qt widgets the app shows, such as the
file dialog and the standard buttons; it is compiled to ``qt_<lang>.qm`` too.

After adding ``self.tr("...")`` strings: run this, fill every
``<translation type="unfinished">`` in the .ts (by hand or with
``pyside6-linguist``), remove ``type="unfinished"``, and run it again.
``tests/ui/test_translations.py`` fails while any string lacks Mongolian.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI_DIR = ROOT / "tutor_desktop" / "ui"
TRANSLATIONS_DIR = ROOT / "resources" / "translations"
LANGUAGES = ("mn",)


def ui_sources() -> list[str]:
    """Every UI module, relative to the repository (no machine paths in the .ts)."""
    return [p.relative_to(ROOT).as_posix() for p in sorted(UI_DIR.rglob("*.py"))]


def tool(name: str) -> str:
    """A PySide6 tool from this interpreter's environment, else from PATH."""
    bin_dir = Path(sys.executable).parent
    for candidate in (bin_dir / name, bin_dir / f"{name}.exe"):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: install pyside6-essentials in this environment")
    return found


def ts_path(language: str) -> Path:
    return TRANSLATIONS_DIR / f"tutor_{language}.ts"


def qm_path(language: str) -> Path:
    return TRANSLATIONS_DIR / f"tutor_{language}.qm"


def qt_ts_path(language: str) -> Path:
    """Qt's own strings (file dialog, standard buttons), translated by hand."""
    return TRANSLATIONS_DIR / f"qt_{language}.ts"


def lupdate(ts: Path, language: str, sources: list[str] | None = None) -> None:
    subprocess.run(
        [tool("pyside6-lupdate"), *(sources or ui_sources()), "-ts", str(ts),
         "-locations", "none", "-no-obsolete", "-source-language", "en",
         "-target-language", language, "-silent"],
        cwd=ROOT, check=True)


def lrelease(ts: Path, qm: Path) -> str:
    """Compile ``ts`` to ``qm``; returns lrelease's report ("Generated N translation(s)...")."""
    done = subprocess.run([tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], cwd=ROOT,
                          check=True, capture_output=True, text=True)
    return (done.stdout + done.stderr).strip()


def missing_translations(ts: Path) -> list[str]:
    """``context: source`` of every message without a finished, non-empty translation."""
    missing = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            if (translation is None or translation.get("type") in ("unfinished", "vanished",
                                                                   "obsolete")
                    or not (translation.text or "").strip()):
                missing.append(f"{name}: {message.findtext('source', '')}")
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if any string has no translation")
    args = parser.parse_args(argv)
    status = 0
    for language in LANGUAGES:
        ts = ts_path(language)
        lupdate(ts, language)
        print(lrelease(ts, qm_path(language)))
        missing = missing_translations(ts)
        qt_ts = qt_ts_path(language)
        if qt_ts.is_file():
            print(lrelease(qt_ts, qt_ts.with_suffix(".qm")))
            missing += missing_translations(qt_ts)
        for item in missing:
            print(f"  missing [{language}] {item}")
        if missing and args.check:
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
