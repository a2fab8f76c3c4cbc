"""Closing the app while the chat model is still loading (a student quits during start-up).

The loader thread must not outlive the manager: it would report "ready" into a closed
window and keep a freshly loaded model (hundreds of MB) that nobody frees.
"""

from __future__ import annotations

import threading
from pathlib import Path

from model_files import link_into

from tutor_desktop.core.llm.discovery import ModelFile
from tutor_desktop.core.llm.local import LocalBackend
from tutor_desktop.core.llm.manager import ModelManager, ModelState, ModelStatus
from tutor_desktop.core.llm.manifest import load_manifest


class GatedBackend(LocalBackend):
    """The real engine, whose load waits until the test lets it go."""

    def __init__(self, path: Path, *, loading: threading.Event, gate: threading.Event,
                 **kwargs: object) -> None:
        super().__init__(path, **kwargs)  # type: ignore[arg-type]
        self.loading, self.gate = loading, gate

    def load(self) -> None:
        self.loading.set()
        assert self.gate.wait(60)
        super().load()


def test_close_during_a_load_waits_for_the_loader_then_frees_the_model(
        tmp_path: Path, gguf_path: Path) -> None:
    folder = tmp_path / "models"
    link_into(gguf_path, folder)
    loading, gate = threading.Event(), threading.Event()
    made: list[GatedBackend] = []

    def factory(file: ModelFile, n_ctx: int) -> LocalBackend:
        backend = GatedBackend(file.path, loading=loading, gate=gate, model_name=file.name,
                               chat_format=file.entry.chat_format, n_ctx=512)
        made.append(backend)
        return backend

    manager = ModelManager(load_manifest(), [folder], factory=factory,
                           checksum_cache=tmp_path / "checksums.json")
    reported: list[ModelStatus] = []
    manager.subscribe(reported.append)
    manager.start()
    assert loading.wait(120), "the loader reached the model load"

    closer = threading.Thread(target=manager.close)
    closer.start()
    closer.join(0.5)
    assert closer.is_alive(), "close() waits while the model is still loading"
    seen_before_close = list(reported)
    gate.set()
    closer.join(120)
    assert not closer.is_alive()

    assert manager.local is None and not made[0].loaded  # loaded after close, then freed
    assert reported == seen_before_close  # nothing was reported after close
    assert ModelState.READY not in {status.state for status in reported}


def test_close_without_a_load_returns_at_once(tmp_path: Path) -> None:
    manager = ModelManager(load_manifest(), [tmp_path])
    manager.close()
    assert manager.local is None
