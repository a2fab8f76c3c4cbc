"""Every string a user can see exists in Mongolian, and the compiled .qm matches its source.

Covers the Qt strings (``resources/translations/tutor_mn.ts``, from ``self.tr()`` in
``tutor_desktop/ui``) and the core's messages (``resources/translations/messages.toml``).
To fix a failure: ``python installers/update_translations.py``, translate what it lists.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtGui import QRawFont

from tutor_desktop.core.paths import install_dir, resources_dir
from tutor_desktop.core.subjects import SUBJECTS, subjects_for_grade

TRANSLATIONS = resources_dir() / "translations"
TS = TRANSLATIONS / "tutor_mn.ts"
QM = TRANSLATIONS / "tutor_mn.qm"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\d")


def _tool_module() -> ModuleType:
    path = install_dir() / "installers" / "update_translations.py"
    spec = importlib.util.spec_from_file_location("update_translations", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _messages(ts: Path) -> list[tuple[str, str, ET.Element | None]]:
    found = []
    for context in ET.parse(ts).getroot().iter("context"):
        for message in context.iter("message"):
            found.append((context.findtext("name", ""), message.findtext("source", ""),
                          message.find("translation")))
    return found


def _mongolian_texts() -> list[str]:
    texts = [t.text or "" for _, _, t in _messages(TS) if t is not None]
    texts += [entry.get("mn", "") for entry in _catalog().values()]
    texts += [s.mn for s in SUBJECTS]
    return texts


def _catalog() -> dict[str, dict[str, str]]:
    """Every catalogue file, read independently of the app's loader."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(TRANSLATIONS.glob("messages*.toml")):
        with path.open("rb") as handle:
            part = tomllib.load(handle)
        assert not set(part) & set(merged), f"{path.name} repeats message ids"
        merged.update(part)
    return merged


def test_every_qt_string_has_a_finished_mongolian_translation() -> None:
    messages = _messages(TS)
    assert len(messages) > 50
    missing = [f"{ctx}: {src}" for ctx, src, tr in messages
               if tr is None or tr.get("type") in ("unfinished", "vanished", "obsolete")
               or not (tr.text or "").strip()]
    assert missing == [], "untranslated (run installers/update_translations.py):\n" + "\n".join(
        missing)


def test_placeholders_survive_translation() -> None:
    wrong = [f"{ctx}: {src!r} -> {tr.text!r}" for ctx, src, tr in _messages(TS)
             if tr is not None and sorted(PLACEHOLDER.findall(src))
             != sorted(PLACEHOLDER.findall(tr.text or ""))]
    assert wrong == []


def test_ts_is_up_to_date_with_the_ui_sources(tmp_path: Path) -> None:
    """A new ``self.tr()`` string without a Mongolian translation fails here."""
    tool = _tool_module()
    fresh = tmp_path / "tutor_mn.ts"
    shutil.copy(TS, fresh)
    tool.lupdate(fresh, "mn")
    committed = {(ctx, src) for ctx, src, _ in _messages(TS)}
    current = {(ctx, src) for ctx, src, _ in _messages(fresh)}
    assert sorted(current - committed) == [], "strings in the code but not in tutor_mn.ts"
    assert sorted(committed - current) == [], "tutor_mn.ts has strings the code no longer uses"
    assert tool.missing_translations(fresh) == []


def test_qm_is_compiled_from_the_current_ts(tmp_path: Path) -> None:
    tool = _tool_module()
    fresh = tmp_path / "tutor_mn.qm"
    report = tool.lrelease(TS, fresh)
    finished = len(_messages(TS))
    assert f"Generated {finished} translation(s) ({finished} finished and 0 unfinished)" in report
    assert fresh.read_bytes() == QM.read_bytes(), "run installers/update_translations.py"
    assert QM.stat().st_size < 100_000


def test_the_qm_translates_at_run_time(qapp) -> None:
    translator = QTranslator()
    assert translator.load(str(QM))
    assert translator.translate("SignInPage", "Sign in") == "Нэвтрэх"
    assert translator.translate("TeacherPage", "Students") == "Сурагчид"
    assert translator.translate("MainWindow", "Sign out") == "Гарах"
    QCoreApplication.installTranslator(translator)
    try:
        assert QCoreApplication.translate("SettingsPage", "Language") == "Хэл"
    finally:
        QCoreApplication.removeTranslator(translator)


def test_every_core_message_has_english_and_mongolian() -> None:
    catalog = _catalog()
    assert catalog
    problems = []
    for message_id, entry in catalog.items():
        en, mn = entry.get("en", "").strip(), entry.get("mn", "").strip()
        if not en or not mn:
            problems.append(f"{message_id}: missing {'en' if not en else 'mn'}")
        elif sorted(PLACEHOLDER.findall(en)) != sorted(PLACEHOLDER.findall(mn)):
            problems.append(f"{message_id}: placeholders differ")
    assert problems == []


def test_subjects_have_both_names_for_every_grade() -> None:
    assert len({s.id for s in SUBJECTS}) == len(SUBJECTS)
    for subject in SUBJECTS:
        assert subject.en.strip() and subject.mn.strip()
    for grade in range(1, 13):
        assert len(subjects_for_grade(grade)) >= 3
    assert {"math", "physics", "chemistry", "biology", "history", "geography"} <= {
        s.id for s in subjects_for_grade(9)}


@pytest.mark.parametrize("font_file", ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"])
def test_bundled_font_draws_every_mongolian_letter(qapp, font_file: str) -> None:
    """No box glyphs: the fonts we ship cover every character of every translation."""
    font = QRawFont(str(resources_dir() / "fonts" / font_file), 16.0)
    assert font.isValid()
    chars = {c for text in _mongolian_texts() for c in text if not c.isspace()}
    assert {"Ө", "ө", "Ү", "ү"} <= chars
    missing = sorted(c for c in chars if not font.supportsCharacter(ord(c)))
    assert missing == []
