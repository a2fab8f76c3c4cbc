"""`tutor safety check`, `tutor ask --json` on the safety path, and the fair-use countdown
in `tutor chat` (real subprocesses, as IT staff and students run them)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tutor_desktop.cli.commands.chat import wait_out
from tutor_desktop.core.safety import FairUse


def _tutor(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor_desktop", "--data-dir", str(data_dir),
                           *args], capture_output=True, text=True, input=stdin, timeout=300,
                          encoding="utf-8")


def test_safety_check_prints_category_and_score(data_dir: Path) -> None:
    flagged = _tutor(data_dir, "safety", "check", "Гараа зүсмээр санагдаад байна", "--json")
    assert flagged.returncode == 3, flagged.stderr
    out = json.loads(flagged.stdout)
    assert out["category"] == "self_harm" and out["distress"] and out["score"] == 1.0
    ordinary = _tutor(data_dir, "safety", "check", "Үхсэн эс ба амьд эсийн ялгаа юу вэ",
                      "--lang", "mn")
    assert ordinary.returncode == 0
    assert "энгийн мессеж" in ordinary.stdout
    latin = _tutor(data_dir, "safety", "check", "bi amidarmaargui bn", "--lang", "en")
    assert latin.returncode == 3 and "self-harm" in latin.stdout


def test_ask_json_reports_the_safety_path(data_dir: Path) -> None:
    result = _tutor(data_dir, "ask", "Нэг том хүн надад нууцаар зургаа явуул гэж байна",
                    "--lang", "mn", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["backend"] == "safety"
    assert out["safety"]["category"] == "grooming" and out["safety"]["distress"]
    assert "108" in out["answer"]


def test_chat_counts_down_and_unlocks_by_itself(services: Any, school: Any) -> None:
    fair_use = FairUse(services.db, services.accounts)
    fair_use.set_limits(school.teacher_session, school.class_7a.id, questions_per_minute=1)
    anu = services.accounts.sign_in_student(school.anu.id, "1234")
    conv = services.conversations.create(anu, subject="math", grade=7)
    services.conversations.add_message(anu, conv.id, "user", "2 + 2 хэд вэ?")
    # That question was asked 40 seconds ago: the next one may come about 20 seconds from
    # now (room for a slow start of the terminal on a busy PC).
    asked = (datetime.now(UTC) - timedelta(seconds=40)).isoformat(timespec="milliseconds")
    with services.db.write() as conn:
        conn.execute("UPDATE messages SET created_at = ?", (asked,))
    script = "\n".join(["2", "1", "1234", "Би амьдрахыг хүсэхгүй байна",
                        "Би амьдрахыг хүсэхгүй байна", "/quit", ""])
    result = _tutor(services.paths.data_dir, "chat", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Бага хүлээнэ үү (" in out and "секунд)" in out
    assert out.index("Бага хүлээнэ үү") < out.index("Одоо дахин асууж болно.") < out.index("108")
    questions = services.db.query("SELECT content FROM messages WHERE role = 'user'")
    assert len(questions) == 2, "the question over the limit was not stored, the next one was"


def test_the_countdown_counts_every_second_in_a_terminal(capsys: Any) -> None:
    slept: list[float] = []
    wait_out(3, "mn", True, sleep=slept.append)
    out = capsys.readouterr().out
    assert slept == [1, 1, 1]
    for left in (3, 2, 1):
        assert f"Бага хүлээнэ үү ({left} секунд)" in out
    assert out.rstrip().endswith("Одоо дахин асууж болно.")


def test_doctor_says_when_the_check_runs_on_patterns_only(data_dir: Path) -> None:
    result = _tutor(data_dir, "doctor", "--json")
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    safety = checks["safety"]
    assert safety["status"] == "WARN"
    assert "patterns only" in safety["detail"] and "TUTOR_SAFETY_EMBEDDINGS=0" in safety["detail"]
    assert "эмбеддинг" in safety["hint"] or "embedding" in safety["hint"]
