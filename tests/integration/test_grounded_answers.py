"""Grounded answers end to end through the terminal, as IT staff and scripts use them:
the default model pack, the sample library, and `tutor ask --json` citing the right page."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tutor_desktop.core.embeddings import DEFAULT_EMBEDDER_FILE
from tutor_desktop.core.library.evaluation import load_questions
from tutor_desktop.core.library.samples import sample_books

E5_SHA256 = "916072b55e94abb42c32bedbe41312c1e8a5cf0deada30ac4af2a5de603bd05a"


def _tutor(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor_desktop", "--data-dir", str(data_dir),
                           *args], capture_output=True, text=True, timeout=300,
                          encoding="utf-8")


def test_ask_json_cites_the_textbook_page_that_answers(models_installed: Path,
                                                       data_dir: Path) -> None:
    imported = _tutor(data_dir, "library", "import-samples")
    assert imported.returncode == 0, imported.stderr
    question = next(q for q in load_questions() if q.text == "Фотосинтез гэж юу вэ?")
    book = next(b for b in sample_books() if b.file == question.book)

    result = _tutor(data_dir, "ask", question.text, "--grade", "7", "--subject", "biology",
                    "--lang", "mn", "--json", "--max-tokens", "16")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    citations = out["citations"]
    assert citations, "the sample biology book answers this question"
    for citation in citations:
        assert set(citation) == {"book", "page", "label", "chunk_id", "score"}
        assert citation["label"] == str(citation["page"])  # the samples print PDF numbers
        assert citation["book"] == book.title == "Биологи 7"
        assert isinstance(citation["page"], int) and isinstance(citation["chunk_id"], str)
    assert citations[0]["page"] == question.page, "the defining passage ranks first"
    scores = [c["score"] for c in citations]
    assert scores == sorted(scores, reverse=True)
    assert out["tokens"]["completion"] <= 16

    # Without --json the terminal prints the sources under the answer.
    plain = _tutor(data_dir, "ask", question.text, "--grade", "7", "--subject", "biology",
                   "--lang", "mn", "--max-tokens", "8")
    assert plain.returncode == 0, plain.stderr
    assert f"Эх сурвалж: Биологи 7, х. {question.page}" in plain.stdout

    # each chunk id leads back to its book and page (what a click in the window opens)
    from tutor_desktop.composition import build_services

    services = build_services(data_dir)
    try:
        library = services.library
        [stored] = [b for b in library.books() if b.title == book.title]
        for citation in citations:
            assert library.locate_chunk(citation["chunk_id"]) == (stored.id, citation["page"])
    finally:
        services.close()


def test_ask_without_textbooks_says_it_has_no_source(models_installed: Path,
                                                         data_dir: Path) -> None:
    result = _tutor(data_dir, "ask", "Фотосинтез гэж юу вэ?", "--grade", "7", "--subject",
                    "biology", "--lang", "mn", "--max-tokens", "8", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["citations"] == [], "no invented source"
    # The student is told plainly, in Mongolian, that no textbook of theirs has it.
    assert "сурах бичгүүдээс чинь олдсонгүй" in out["answer"]


def _manager(folder: Path, tmp_path: Path):
    """The model manager over ``folder`` only (the app also looks next to itself, where
    `make run` installs the pack; that copy would shadow the one under test)."""
    from tutor_desktop.core.llm.manager import ModelManager
    from tutor_desktop.core.llm.manifest import load_manifest

    return ModelManager(load_manifest(), [folder], checksum_cache=tmp_path / "sums.json")


def test_install_default_writes_the_whole_pack_and_verify_checks_the_embedder(
        tmp_path: Path, data_dir: Path, chat_gguf: Path, e5_gguf: Path, capsys) -> None:
    from tutor_desktop.cli.commands.models import list_models, verify

    # The pack as set-up leaves it (linked from the test cache: no second conversion).
    folder = tmp_path / "app-models"
    folder.mkdir()
    (folder / chat_gguf.name).hardlink_to(chat_gguf)
    (folder / DEFAULT_EMBEDDER_FILE).hardlink_to(e5_gguf)
    again = _tutor(data_dir, "models", "install-default", "--to", str(folder))
    assert again.returncode == 0, again.stderr
    assert "already installed" in again.stdout and DEFAULT_EMBEDDER_FILE in again.stdout

    manager = _manager(folder, tmp_path)
    capsys.readouterr()
    assert list_models(manager, as_json=True) == 0
    listing = json.loads(capsys.readouterr().out)
    embedders = [m for m in listing["models"] if m["kind"] == "embedding"]
    assert [(m["name"], m["status"]) for m in embedders] == [("multilingual-e5-small", "ok")]
    assert embedders[0]["expected_sha256"] == E5_SHA256
    assert listing["chosen"] == "gemma3-270m", "an embedding model is never the chat model"
    assert [f.name for f in manager.candidates()] == ["gemma3-270m"]

    assert verify(manager) == 0
    assert E5_SHA256 in capsys.readouterr().out

    # A damaged copy (one flipped byte, same size) is caught by name and checksum ...
    damaged = folder / DEFAULT_EMBEDDER_FILE
    damaged.unlink()
    data = bytearray(e5_gguf.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    assert verify(manager) == 1
    err = capsys.readouterr().err
    assert DEFAULT_EMBEDDER_FILE in err and E5_SHA256 in err

    # ... and install-default converts it again (deterministic: the manifest's checksum).
    repaired = _tutor(data_dir, "models", "install-default", "--to", str(folder))
    assert repaired.returncode == 0, repaired.stderr
    assert "Installed the textbook search model" in repaired.stdout
    assert verify(manager) == 0
