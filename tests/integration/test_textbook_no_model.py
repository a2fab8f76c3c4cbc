"""A PC with no chat model still teaches: the window, `tutor ask` and `tutor chat` answer
from the textbook (excerpt, page, hint ladder) instead of an error. Only the embedder is
installed; the model folders are limited to the data folder's (IT's `models/` next to the
program may hold the default model on a developer's PC)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from grounded_helpers import import_samples
from model_files import link_into
from PySide6.QtCore import Qt

from tutor_desktop.core.i18n import tr

QUESTION = "Фотосинтез гэж юу вэ?"
QUOTE = "Энэ үйл явцыг фотосинтез гэнэ."


@pytest.fixture
def no_chat_model(data_dir: Path, e5_gguf: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Only the embedder, in the one folder the app may look in (``models_dir``)."""
    folder = data_dir / "models"
    link_into(e5_gguf, folder)
    monkeypatch.setenv("TUTOR_MODELS_DIR", str(folder))
    return folder


@pytest.fixture
def textbooks(no_chat_model: Path, services: Any, sample_pdfs: Any) -> Any:
    services.models.folders = [no_chat_model]      # not the program's own models/
    import_samples(services, sample_pdfs)
    return services


def _tutor(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    # The program's own models/ stays out of sight: an install folder without one.
    code = ("import sys, tutor_desktop.core.paths as p;"
            f"p.AppPaths.install_models_dir = property(lambda self: p.Path({str(data_dir)!r})"
            " / 'no-install-models');"
            "from tutor_desktop.cli.main import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, input=stdin, timeout=300,
                          encoding="utf-8")


def test_tutor_ask_without_a_chat_model_quotes_the_textbook(textbooks: Any) -> None:
    result = _tutor(textbooks.paths.data_dir, "ask", QUESTION, "--grade", "7", "--subject",
                    "biology", "--lang", "mn", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["backend"] == "textbook" and "error" not in out
    assert QUOTE in out["answer"] and "Биологи 7, х. 1" in out["answer"]
    assert [(c["book"], c["page"]) for c in out["citations"]] == [("Биологи 7", 1)]
    # Without --json the student (or IT) reads why the textbook answers.
    plain = _tutor(textbooks.paths.data_dir, "ask", QUESTION, "--grade", "7", "--subject",
                   "biology", "--lang", "mn")
    assert plain.returncode == 0 and QUOTE in plain.stdout
    assert tr("textbook_no_model", "mn") in plain.stderr


def test_tutor_chat_without_a_chat_model_answers_and_hints(textbooks: Any,
                                                          school: Any) -> None:
    result = _tutor(textbooks.paths.data_dir, "chat", "--subject", "biology",
                    stdin="\n".join(["2", "1", "1234", QUESTION, "/hint", "/quit", ""]))
    assert result.returncode == 0, result.stderr
    assert QUOTE in result.stdout and "Биологи 7, х. 1" in result.stdout
    assert "Сэжүүр 1" in result.stdout


def test_the_window_without_a_chat_model_answers_from_the_textbook(
        qtbot: Any, textbooks: Any, school: Any, student: Any) -> None:
    from tutor_desktop.ui.chat_view import make_chat_page

    textbooks.models.wait()
    view: Any = make_chat_page(textbooks, student, "biology", 7)
    qtbot.addWidget(view)
    view.show()
    view.input.setPlainText(QUESTION)
    qtbot.mouseClick(view.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.busy, timeout=120_000)
    answer = view.messages[-1]
    assert answer.backend == "textbook" and answer.status == "complete"
    assert QUOTE in answer.content and answer.citations[0]["page"] == 1
    assert QUOTE in " ".join(view.transcript.toPlainText().split())
    qtbot.mouseClick(view.hint_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.busy, timeout=120_000)
    assert view.messages[-1].model == "hint-1"
    view.shutdown()
