"""The Qt binding itself must survive a long lesson.

PySide6 6.12.0 on Python 3.11 drops a reference to ``True`` on every Python
``Signal.emit()``; after ~5,000 emits (a few minutes of streamed answers) the
interpreter aborts with "bool_dealloc". pyproject.toml excludes that release;
this test fails if an installed binding brings the bug back.
"""

from __future__ import annotations

import os
import subprocess
import sys

EMITTER = r"""
import sys
from PySide6.QtCore import QCoreApplication, QObject, Signal

app = QCoreApplication([])

class Source(QObject):
    changed = Signal(str)

source = Source()
received = []
source.changed.connect(received.append)
before = sys.getrefcount(True)
for _ in range(20_000):
    source.changed.emit("x")
assert len(received) == 20_000
print(before, sys.getrefcount(True))
"""


def test_twenty_thousand_signal_emits_do_not_corrupt_the_interpreter() -> None:
    result = subprocess.run([sys.executable, "-c", EMITTER], capture_output=True, text=True,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    before, after = map(int, result.stdout.split())
    assert abs(after - before) < 50
