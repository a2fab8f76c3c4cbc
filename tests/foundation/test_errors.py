"""Typed errors keep their message ids, every id exists in both languages, and the
window and the terminal report start-up problems with the same words."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import tutor_desktop
from tutor_desktop.core.errors import EmptyQuestion, LockedOut, NotAllowed, WrongPin
from tutor_desktop.core.i18n import TutorError, catalog

ROOT = Path(tutor_desktop.__file__).resolve().parent


def _all_error_classes() -> set[type[TutorError]]:
    for module in pkgutil.walk_packages(tutor_desktop.__path__, "tutor_desktop."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: set[type[TutorError]] = set()
    todo = [TutorError]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def test_every_message_id_used_in_the_code_exists_in_english_and_mongolian() -> None:
    """A message id typed in code but missing from the catalogues would reach a
    student as a bare id such as ``question_empty``."""
    names = {cls.__name__ for cls in _all_error_classes()}
    names |= {"TutorError", "tr", "core_message", "Notice"}
    call = re.compile(r'(?<![.\w])(' + "|".join(sorted(names)) +
                      r')\(\s*"([a-z][a-z0-9_]*)"\s*[,)]')
    attribute = re.compile(r'^\s+message_id = "([a-z][a-z0-9_]*)"', re.M)
    messages = catalog()
    used: set[tuple[str, str]] = set()
    for path in ROOT.rglob("*.py"):
        text = path.read_text("utf-8")
        where = str(path.relative_to(ROOT.parent))
        used |= {(where, m.group(2)) for m in call.finditer(text)}
        used |= {(where, m.group(1)) for m in attribute.finditer(text)}
    assert len(used) > 100, "the scan must find the message ids in the code"
    missing = sorted((where, mid) for where, mid in used
                     if not messages.get(mid, {}).get("en") or not messages.get(mid, {}).get("mn"))
    assert missing == []


def test_each_kind_of_error_keeps_its_message_id() -> None:
    for cls in _all_error_classes():
        if "message_id" in vars(cls):
            assert cls.message_id in catalog(), cls
    assert WrongPin(remaining=2).message_id == "wrong_pin"
    assert "2" in WrongPin(remaining=2).message("en")
    assert isinstance(LockedOut(until="10:30"), TutorError)


def test_an_empty_question_is_not_called_too_long_and_is_not_stored(
        services: Any, school: Any) -> None:
    student = services.accounts.sign_in_student(school.anu.id, "1234")
    conv = services.tutor.start_conversation(student, subject="math")
    with pytest.raises(EmptyQuestion) as info:
        services.tutor.ask(student, conv.id, "   \n ")
    assert info.value.message_id == "question_empty"
    assert info.value.message("mn") != info.value.message("en")
    assert services.conversations.messages(student, conv.id) == []


def test_a_wrong_pin_and_a_forbidden_action_are_told_apart_by_type(
        services: Any, school: Any) -> None:
    with pytest.raises(WrongPin):
        services.accounts.sign_in_student(school.anu.id, "0000")
    student = services.accounts.sign_in_student(school.anu.id, "1234")
    with pytest.raises(NotAllowed):
        services.accounts.create_class(student, "9B", 9)


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor_desktop.cli.main", *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.mark.parametrize("problem", ["config", "newer-database", "read-only"])
def test_window_and_terminal_report_a_start_up_problem_in_the_same_words(
        tmp_path: Path, problem: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    blocked = data
    if problem == "config":
        (data / "config.toml").write_text('routing_policy = "sometimes"\n', "utf-8")
        expected = "Тохиргоо буруу байна"
    elif problem == "newer-database":
        from tutor_desktop.core.storage import SCHEMA_VERSION
        from tutor_desktop.core.storage.connection import open_connection

        conn = open_connection(data / "tutor.sqlite3")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.close()
        expected = "шинэ хувилбараас"
    else:
        # Root writes to any folder: a file where the data folder should be blocks anyone.
        (data / "blocked").write_text("", "utf-8")
        blocked.chmod(0o500)
        data = data / "blocked" / "data"
        expected = "хавтас руу бичих боломжгүй"
    env = {**os.environ, "TUTOR_LANGUAGE": "mn", "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(ROOT.parent)}
    window = _run(["--data-dir", str(data), "gui", "--smoke"], env)
    terminal = _run(["--data-dir", str(data), "models", "list"], env)
    try:
        for result in (window, terminal):
            assert result.returncode == 3, result.stderr
            assert "Traceback" not in result.stderr
        assert expected in window.stderr
        assert window.stderr.strip().splitlines()[-1] == terminal.stderr.strip().splitlines()[-1]
    finally:
        blocked.chmod(0o700)
