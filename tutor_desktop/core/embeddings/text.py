"""Text normalisation shared by PDF extraction, chunking and the embedder.

llama.cpp cannot read the sentencepiece normalisation table that e5's
tokenizer was trained with, so we apply NFKC ourselves (measured: vectors then
match the reference engine at cosine >= 0.9999). The same normalisation on
stored chunks keeps full-text search and the embedder seeing identical text.
"""

from __future__ import annotations

import re
import unicodedata

# U+FFFE (emitted by some TeX fonts at hyphenation points) and the soft hyphen mark a
# break inside a word: removed, never turned into a space (core/grounding/text.py).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b-\u200d\ufeff\ufffe]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{2,}")


def normalize_text(text: str) -> str:
    """NFKC, no control or zero-width characters, single spaces, no blank-line runs.

    Newlines are kept (chunking uses them as paragraph hints).
    """
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()


def normalize_for_embedding(text: str) -> str:
    """One line of normalised text, as the embedder expects it."""
    return " ".join(normalize_text(text).split())
