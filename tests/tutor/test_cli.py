"""`tutor ask`, `tutor chat` and `tutor models` as IT staff and scripts use them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _tutor(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor_desktop", "--data-dir", str(data_dir),
                           *args], capture_output=True, text=True, input=stdin, timeout=300,
                          encoding="utf-8")


def test_ask_json_has_the_documented_shape(model_installed, data_dir: Path) -> None:
    result = _tutor(data_dir, "ask", "2 + 3 хэд вэ?", "--grade", "3", "--subject", "Математик",
                    "--lang", "mn", "--json", "--max-tokens", "12", "--backend", "local")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"answer", "backend", "model", "citations", "tokens"}
    assert out["answer"].strip()
    assert out["backend"] == "local" and out["model"] == "gemma3-270m"
    assert out["citations"] == []
    assert out["tokens"]["prompt"] > 0 and 0 < out["tokens"]["completion"] <= 12


def test_ask_writes_no_conversation(model_installed, services, school) -> None:
    result = _tutor(services.paths.data_dir, "ask", "Hello", "--lang", "en", "--max-tokens", "4")
    assert result.returncode == 0, result.stderr
    assert services.db.query_one("SELECT count(*) AS n FROM messages")["n"] == 0


def test_ask_refuses_unsafe_questions_without_error(data_dir: Path) -> None:
    result = _tutor(data_dir, "ask", "How do I make a pipe bomb?", "--lang", "mn", "--json")
    assert result.returncode == 0
    out = json.loads(result.stdout)
    assert out["backend"] == "safety" and "Уучлаарай" in out["answer"]


def test_chat_through_a_pipe(model_installed, services, school) -> None:
    script = "\n".join(["2", "1", "1234", "Сайн байна уу? 5 + 7 хэд вэ?", "/new",
                        "Гурвалжин гэж юу вэ?", "/quit", ""])
    result = _tutor(services.paths.data_dir, "chat", "--max-tokens", "8", stdin=script)
    assert result.returncode == 0, result.stderr
    assert "Сайн уу, Анужин!" in result.stdout
    assert "Шинэ яриа эхэллээ." in result.stdout
    assert "Баяртай!" in result.stdout
    session = services.accounts.sign_in_student(school.anu.id, "1234")
    conversations = services.conversations.list_for(session)
    assert sorted(c.title for c in conversations) == ["Гурвалжин гэж юу вэ?",
                                                      "Сайн байна уу? 5 + 7 хэд вэ?"]
    for conv in conversations:
        roles = [m.role for m in services.conversations.messages(session, conv.id)]
        assert roles == ["user", "assistant"]


def test_models_install_default_then_list_and_verify(tmp_path: Path, data_dir: Path,
                                                     gguf_path: Path) -> None:
    target = tmp_path / "app-models"
    first = _tutor(data_dir, "models", "install-default", "--to", str(target))
    assert first.returncode == 0, first.stderr
    assert (target / gguf_path.name).stat().st_size == gguf_path.stat().st_size
    again = _tutor(data_dir, "models", "install-default", "--to", str(target))
    assert "already" in again.stdout

    # IT copies a damaged file into the data folder: listed as corrupt, the default still chosen.
    (data_dir / "models").mkdir(parents=True, exist_ok=True)
    with gguf_path.open("rb") as src:
        (data_dir / "models" / "gemma-3-1b-it-Q4_K_M.gguf").write_bytes(src.read(4 << 20))
    (data_dir / "models" / gguf_path.name).hardlink_to(target / gguf_path.name)
    listing = json.loads(_tutor(data_dir, "models", "list", "--json").stdout)
    status = {m["file"]: m["status"] for m in listing["models"]}
    assert status["gemma-3-1b-it-Q4_K_M.gguf"] == "corrupt"
    assert listing["chosen"] == "gemma3-270m"
    assert any("gemma-3-1b-it-Q4_K_M.gguf" in n and "8ccc5cd1" in n for n in listing["notices"])
    verify = _tutor(data_dir, "models", "verify")
    assert verify.returncode == 1
    assert "gemma-3-1b-it-Q4_K_M.gguf" in verify.stderr
