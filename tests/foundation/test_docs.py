"""The docs stay true: the architecture's module tree lists every module of the app,
and the README's command table lists every ``tutor`` sub-command."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import tutor_desktop
from tutor_desktop.cli.main import build_parser

PACKAGE = Path(tutor_desktop.__file__).resolve().parent
ROOT = PACKAGE.parent
ENTRY = re.compile(r"^( *)([\w.]+(?:\.py|/))(?:\s{2,}\S.*)?$")


def _tree_block() -> list[str]:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text("utf-8")
    match = re.search(r"```\n(tutor_desktop/\n.*?)```", text, re.S)
    assert match, "docs/ARCHITECTURE.md has no module tree starting with tutor_desktop/"
    return [line for line in match.group(1).splitlines() if line.strip()]


def _documented_modules() -> set[str]:
    """Paths relative to the package ("core/llm/router.py", "core/llm/") from the tree."""
    lines = _tree_block()
    assert lines[0] == "tutor_desktop/"
    stack: list[str] = []
    found: set[str] = set()
    bad: list[str] = []
    for line in lines[1:]:
        if not line.startswith(" "):
            break  # another top-level package (its own team documents it)
        entry = ENTRY.match(line)
        if entry is None or len(entry.group(1)) % 2:
            bad.append(line)
            continue
        depth = len(entry.group(1)) // 2 - 1
        if depth > len(stack):
            bad.append(line)
            continue
        del stack[depth:]
        name = entry.group(2)
        found.add("".join(stack) + name)
        if name.endswith("/"):
            stack.append(name)
    assert bad == [], "lines of the tree must be `name.py  description` or `name/  ...`"
    return found


def _actual_modules() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if "__pycache__" in relative.parts:
            continue
        for depth in range(1, len(relative.parts)):
            found.add("/".join(relative.parts[:depth]) + "/")
        if path.name != "__init__.py":
            found.add(relative.as_posix())
    return found


def test_the_architecture_tree_lists_every_module_and_only_real_ones() -> None:
    documented, actual = _documented_modules(), _actual_modules()
    assert sorted(actual - documented) == [], "modules missing from docs/ARCHITECTURE.md"
    assert sorted(documented - actual) == [], "docs/ARCHITECTURE.md names modules that do not exist"


def _commands(parser: argparse.ArgumentParser,
              prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.add((*prefix, name))
                found |= _commands(sub, (*prefix, name))
    return found


def test_every_tutor_command_is_in_the_readme_command_table() -> None:
    rows = [line for line in (ROOT / "README.md").read_text("utf-8").splitlines()
            if line.startswith("| `tutor ")]
    assert rows, "README.md has no command table"
    commands = _commands(build_parser())
    assert ("library", "import-samples") in commands and ("library", "resume") in commands
    missing = []
    for command in sorted(commands):
        head = f"`tutor {command[0]}"
        ok = any(row.startswith(f"| {head} ") or row.startswith(f"| {head}`") for row in rows)
        if ok and len(command) > 1:
            ok = any(re.search(rf"(^|[\s|`]){re.escape(command[1])}($|[\s|`\\])", row)
                     for row in rows if row.startswith(f"| {head}"))
        if not ok:
            missing.append(" ".join(command))
    assert missing == [], "sub-commands missing from the README command table"


def test_every_command_module_is_imported_normally_and_nothing_is_hidden_from_the_packager(
) -> None:
    """A command module that is not imported by name would be missing from the
    PyInstaller bundle; a hand-kept hidden-import list goes stale (it already had)."""
    from tutor_desktop.cli import main

    modules = {path.stem for path in (PACKAGE / "cli" / "commands").glob("*.py")
               if path.stem != "__init__"}
    assert {command.__name__.rsplit(".", 1)[1] for command in main.COMMANDS} == modules
    spec = (ROOT / "installers" / "tutor.spec").read_text("utf-8")
    assert "tutor_desktop." not in spec.split("hiddenimports", 1)[-1].split("excludes")[0]
