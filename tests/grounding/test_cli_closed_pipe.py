"""`tutor … | head`: a reader that leaves early ends the command quietly, no traceback."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest


class ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        raise io.UnsupportedOperation("no file descriptor")


def test_a_closed_pipe_ends_any_command_quietly(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str],
                                                data_dir: Path) -> None:
    from tutor_desktop.cli.main import main

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["--data-dir", str(data_dir), "doctor", "--json"]) == 1
    assert capsys.readouterr().err == ""
