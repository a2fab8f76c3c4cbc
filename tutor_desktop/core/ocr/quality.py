"""Character accuracy of recognised text against the text that was printed.

The same measure for tests and ``bench/ocr_bench.py``: difflib's ratio after
collapsing whitespace (line breaks and hyphenation are layout, not reading).
"""

from __future__ import annotations

import difflib
import unicodedata


def _flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def char_accuracy(expected: str, recognised: str) -> float:
    """0..1: how much of the printed text came back, character by character."""
    a, b = _flat(expected), _flat(recognised)
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
