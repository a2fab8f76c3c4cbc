"""`tutor doctor` and `tutor chat` speak the PC's language, or the one --lang names.

The default is the language the window's sign-in starts in on this PC (the
admin's choice, else the installation's). Every line is checked: a line in the
chosen Mongolian has Cyrillic in it, unless it is only names, numbers and
versions ("SQLite 3.50.4, sqlite-vec v0.1.9"); English prose ("no input device")
is two Latin words in a row, outside commands and paths.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CYRILLIC = re.compile(r"[А-Яа-яЁёӨөҮү]")


def _tutor(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tutor_desktop", "--data-dir", str(data_dir),
                           *args], capture_output=True, text=True, input=stdin, timeout=300,
                          encoding="utf-8")


def _english_prose(text: str) -> bool:
    """Two Latin words in a row, once commands (`…`, after "sudo"/"pip"/"tutor") and
    paths are taken out."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\b(sudo|pip|tutor)\b.*?(?=[;(.]|$)", " ", text)
    text = re.sub(r"\S*[/\\]\S*", " ", text)
    return re.search(r"\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\b", text) is not None


def _doctor_texts(stdout: str) -> list[str]:
    """The detail of every check line and every hint (not the status and name columns)."""
    texts = []
    for line in stdout.splitlines():
        if line.startswith("      -> "):
            texts.append(line.removeprefix("      -> "))
        elif line[:4].strip() in ("OK", "WARN", "FAIL"):
            texts.append(line[20:])
        elif line.strip():
            texts.append(line)
    return texts


def test_doctor_prints_every_line_in_mongolian_by_default(services, school) -> None:
    data_dir = services.paths.data_dir
    services.close()   # the school was set up in Mongolian
    result = _tutor(data_dir, "doctor")
    assert result.returncode in (0, 1, 2), result.stderr
    texts = _doctor_texts(result.stdout)
    assert len(texts) > 15
    english = [t for t in texts if _english_prose(t)]
    assert english == [], "\n".join(english)
    assert "микрофон" in result.stdout.lower() or "Микрофон" in result.stdout
    # the last line keeps the counts a script reads, in the same words
    assert re.search(r"\d+ OK, \d+ WARN, \d+ FAIL -> \w+ \(гарах код \d\)$", texts[-1])


def test_doctor_in_english_on_request_and_json_stays_english(services, school) -> None:
    import json

    data_dir = services.paths.data_dir
    services.close()
    english = _tutor(data_dir, "doctor", "--lang", "en")
    assert not [t for t in _doctor_texts(english.stdout)
                if CYRILLIC.search(t) and "vosk" not in t.lower()]
    assert english.stdout.strip().splitlines()[-1].endswith(f"(exit {english.returncode})")
    report = json.loads(_tutor(data_dir, "doctor", "--json", "--lang", "mn").stdout)
    assert not [c for c in report["checks"] if CYRILLIC.search(c["detail"] + c["hint"])]


def test_doctor_tells_it_how_to_add_a_school_mongolian_speech_model(services, school) -> None:
    data_dir = services.paths.data_dir
    services.close()
    out = _tutor(data_dir, "doctor", "--lang", "en").stdout
    hint = out.split("speech:mn", 1)[1].split("\n")[1]
    assert "vosk-model-mn" in hint and "Settings → Services" in hint
    assert str(Path(data_dir) / "models" / "vosk-model-mn") in hint or "models" in hint


def test_chat_prompts_follow_the_pc_language_then_lang(services, school) -> None:
    data_dir = services.paths.data_dir
    services.close()
    # The class and name menus, then the PIN, all asked in the PC's Mongolian.
    menu = _tutor(data_dir, "chat", "--max-tokens", "4", stdin="2\n1\n1234\n/help\n/quit\n")
    assert menu.returncode == 0, menu.stderr
    assert "Анги: " in menu.stdout and "Нэр: " in menu.stdout and "ПИН код: " in menu.stdout
    assert "Class" not in menu.stdout and "Name" not in menu.stdout
    # --lang en: a Mongolian student in a Mongolian school still gets English lines.
    english = _tutor(data_dir, "chat", "--lang", "en", "--max-tokens", "4",
                     stdin="2\n1\n1234\n/help\n/quit\n")
    assert english.returncode == 0, english.stderr
    assert "Class: " in english.stdout and "PIN: " in english.stdout
    lines = [line.replace("Анужин", "") for line in english.stdout.splitlines()
             if line.strip() and not re.match(r"\s+\d+\. ", line)]   # names stay names
    assert not [line for line in lines if CYRILLIC.search(line)], english.stdout
    assert "Commands: /help" in english.stdout
    assert not CYRILLIC.search(english.stderr), english.stderr
