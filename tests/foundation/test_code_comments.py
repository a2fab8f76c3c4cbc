"""Comments and docstrings say what the code does and why, not how it came to be written.

"(issue 5)", "the library engineer" or "found in review" mean nothing to the next reader
and go stale; the behaviour they refer to is named instead.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROCESS_WORDS = re.compile(r"\(issue \d+\)|\bissue \d+\b|\bengineer\b|found in review|"
                           r"review[ _]fix", re.IGNORECASE)


def test_no_process_words_in_the_code() -> None:
    offenders = []
    for folder in ("tutor_desktop", "tests", "bench", "installers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if ".cache" in path.parts or path == Path(__file__).resolve():
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if PROCESS_WORDS.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
