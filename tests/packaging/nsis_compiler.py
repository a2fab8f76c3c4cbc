"""NSIS's compiler for the Windows installer tests (makensis runs on Linux too)."""

from __future__ import annotations

import shutil

import pytest


def makensis() -> str:
    """The ``makensis`` program: required where Debian's packages are (installers/apt-deps.sh
    installs it), skipped on a machine without dpkg (a developer's Mac)."""
    found = shutil.which("makensis")
    if found is None:
        if shutil.which("dpkg"):
            pytest.fail("makensis is missing: run installers/apt-deps.sh (Debian package nsis)")
        pytest.skip("makensis (NSIS) is not installed")
    return found
