"""The terminal tutor's commands: /help, /new, /subject and /quit are
commands, never questions to the model; they are listed at the start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tutor_desktop.core.subjects import subjects_for_grade


def _chat(data_dir: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor_desktop", "--data-dir", str(data_dir),
                           "chat", "--class", "7A", "--student", "Анужин", "--max-tokens", "4"],
                          capture_output=True, text=True, input=stdin, timeout=300,
                          encoding="utf-8")


def test_commands_are_listed_and_never_sent_to_the_model(services, school) -> None:
    data_dir = services.paths.data_dir
    biology = 1 + [s.id for s in subjects_for_grade(7)].index("biology")
    services.close()
    result = _chat(data_dir, f"1234\n/help\n/хэлп\n/subject\n{biology}\n/subject химийн\n"
                             "/subject physics\nХүч гэж юу вэ?\n/quit\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("Тушаалууд: /help энэ жагсаалт") == 2   # at the start and on /help
    assert "Хичээл: бүх хичээл. Өөр хичээл сонгох бол /subject" in out
    assert '"/хэлп" гэсэн тушаал байхгүй.' in out
    assert "Хичээлээ сонгоно уу" in out and f"  {biology}. Биологи" in out
    assert "Хичээл: Биологи. Шинэ яриа эхэллээ." in out
    assert '"химийн" гэсэн хичээл байхгүй.' in out
    assert "Хичээл: Физик. Шинэ яриа эхэллээ." in out
    assert "Баяртай!" in out

    from tutor_desktop.composition import build_services

    again = build_services(data_dir)
    try:
        student = again.accounts.sign_in_student(school.anu.id, "1234")
        [conversation] = again.conversations.list_for(student)
        assert conversation.subject == "physics", "the question went to the chosen subject"
        asked = [m.content for m in again.conversations.messages(student, conversation.id)
                 if m.role == "user"]
        assert asked == ["Хүч гэж юу вэ?"], "no command reached the model as a question"
    finally:
        again.close()
