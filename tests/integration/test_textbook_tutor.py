"""The textbook tutor on the embedded model (Gemma 3 270M base, which may not write
answers): the issue's four examples, the hint ladder in both languages, and the maths
question that must never see a biology page. Real models, real sample library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from grounded_helpers import MANUAL_FIRST_PAGE, import_manual, import_samples

from tutor_desktop.core.grounding.service_hooks import passage_of
from tutor_desktop.core.i18n import tr

HELPLINE = "108"


def _tutor(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor_desktop", "--data-dir", str(data_dir),
                           *args], capture_output=True, text=True, input=stdin, timeout=300,
                          encoding="utf-8")


def _clean(text: str) -> None:
    """No recited prompt or safety text, no repeated line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert len(lines) == len(set(lines)), text
    assert HELPLINE not in text and "Сурагч:" not in text and "Student:" not in text, text


@pytest.fixture
def library_ready(services: Any, models_installed: Path, sample_pdfs: Any,
                  tmp_path: Path) -> Any:
    import_samples(services, sample_pdfs)
    import_manual(services, tmp_path / "manual")
    return services


def test_what_is_electric_current_is_not_found_not_a_manual_page(library_ready: Any) -> None:
    result = _tutor(library_ready.paths.data_dir, "ask", "What is electric current?",
                    "--grade", "8", "--subject", "physics", "--lang", "en", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["backend"] == "textbook"
    assert out["answer"] == tr("textbook_not_found", "en")
    assert out["citations"] == []       # not the LaTeX manual, not the forces chapter
    _clean(out["answer"])


def test_a_maths_question_in_mathematics_never_sees_biology(library_ready: Any, school: Any,
                                                           student: Any) -> None:
    tutor = library_ready.tutor
    conv = tutor.start_conversation(student, subject="math", grade=7, language="mn")
    shown: list[list[dict[str, Any]]] = []
    reply = tutor.ask(student, conv.id, "x^2 - 5x + 6 = 0 тэгшитгэлийг бод",
                      on_sources=shown.append)
    assert reply.backend == "textbook" and reply.status == "complete"
    assert reply.text == tr("textbook_not_found", "mn")
    assert reply.citations == [] and shown == [[]]
    _clean(reply.text)
    stored = library_ready.conversations.messages(student, conv.id)
    assert [(m.role, m.backend) for m in stored] == [("user", ""), ("assistant", "textbook")]


def test_footnote_question_quotes_its_page(library_ready: Any) -> None:
    result = _tutor(library_ready.paths.data_dir, "ask",
                    "Хуудасны доод хэсэгт зүүлт хэрхэн үүсгэх вэ?", "--lang", "mn", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["backend"] == "textbook"
    assert "\\footnote{тайлбар}" in out["answer"]
    # The page printed in the book is cited; the PDF's page opens in the viewer.
    assert "LaTeX гарын авлага, х. 3" in out["answer"]
    assert [(c["book"], c["page"], c["label"]) for c in out["citations"]] == [
        ("LaTeX гарын авлага", MANUAL_FIRST_PAGE + 2, "3")]
    _clean(out["answer"])


def test_what_is_photosynthesis_gives_the_definition_with_its_page(library_ready: Any) -> None:
    result = _tutor(library_ready.paths.data_dir, "ask", "Фотосинтез гэж юу вэ?", "--grade",
                    "7", "--subject", "biology", "--lang", "mn", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["backend"] == "textbook" and out["answer"]
    assert "Энэ үйл явцыг фотосинтез гэнэ." in out["answer"]
    assert "Биологи 7, х. 1" in out["answer"]
    assert [(c["book"], c["page"]) for c in out["citations"]] == [("Биологи 7", 1)]
    _clean(out["answer"])


@pytest.mark.parametrize(("language", "subject", "question", "attempt_wrong"), [
    ("mn", "biology", "Фотосинтез гэж юу вэ?", "ус"),
    ("en", "physics", "What is a force?", "table"),
])
def test_hint_ladder_three_steps_with_attempts(library_ready: Any, school: Any, student: Any,
                                               language: str, subject: str, question: str,
                                               attempt_wrong: str) -> None:
    tutor = library_ready.tutor
    grade = 7 if subject == "biology" else 8
    conv = tutor.start_conversation(student, subject=subject, grade=grade, language=language)
    tutor.ask(student, conv.id, question)
    first = tutor.hint(student, conv.id)
    assert first.backend == "textbook" and first.model == "hint-1"
    assert first.text.startswith(tr("textbook_hint_1", language, where="", question="")[:6])
    assert first.citations and first.text.rstrip().endswith("?")
    # A wrong answer: told so, and given step 2 (the key sentence with a blank).
    second = tutor.ask(student, conv.id, attempt_wrong)
    assert second.model == "hint-2"
    assert second.text.startswith(tr("textbook_attempt_wrong", language))
    assert "_____" in second.text
    # The button again: step 3 shows the whole sentence, the blank filled.
    third = tutor.hint(student, conv.id)
    assert third.model == "hint-3" and "_____" not in third.text
    blanked = next(line for line in second.text.splitlines() if "_____" in line)
    before, after = blanked.lstrip("> ").split("_____", 1)
    full = next(line for line in third.text.splitlines() if line.startswith(">"))
    assert full.lstrip("> ").startswith(before) and full.endswith(after)
    # No more steps after three.
    assert tutor.hint(student, conv.id).text == tr("textbook_no_more_hints", language)
    for reply in (first, second, third):
        _clean(reply.text)


def test_a_right_answer_to_a_hint_is_praised_and_completed(library_ready: Any, school: Any,
                                                         student: Any) -> None:
    tutor = library_ready.tutor
    conv = tutor.start_conversation(student, subject="biology", grade=7, language="mn")
    tutor.ask(student, conv.id, "Хлоропласт гэж юу вэ?")
    tutor.hint(student, conv.id)
    second = tutor.hint(student, conv.id)
    term = second.text.split("«", 1)[1][0]      # the missing word's first letter
    hits = tutor.retriever.search("Хлоропласт гэж юу вэ?", grade=7, subject="biology",
                                  language="mn", k=8)
    point = tutor.textbook.key_point("Хлоропласт гэж юу вэ?", [passage_of(h) for h in hits],
                                     "biology")
    assert point is not None and point.term[0].upper() == term
    # Typed in Latin look-alikes and without ө/ү: still right.
    typed = point.term.translate(str.maketrans({"о": "o", "а": "a", "ө": "о", "ү": "у"}))
    reply = tutor.ask(student, conv.id, typed)
    assert reply.text.startswith(tr("textbook_attempt_right", "mn", term=point.term))
    assert reply.model == "hint-3"
