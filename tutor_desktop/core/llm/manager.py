"""Loads the chat model once, in the background, and keeps it loaded.

The window must be usable at once, so loading (seconds to a minute for a 2 GB
model on a lab PC) runs on a thread; the chat shows "loading model…" from the
status and a student's question simply waits for it on its worker thread.
If the chosen model cannot be loaded (typically out of memory), the next
smaller listed model is tried and the student is told which one is used.

On a shared lab PC the model is unloaded after ``idle_unload_s`` without a question
(config ``model_idle_minutes``) and loaded again by the next question, with the
status saying "Loading…" meanwhile; never two copies, never in the middle of an answer
(:meth:`LocalBackend.unload_if_idle`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from tutor_desktop.core.config import Config
from tutor_desktop.core.i18n import Notice, tr
from tutor_desktop.core.llm.backend import BackendUnavailable, ChatBackend
from tutor_desktop.core.llm.discovery import (
    ChecksumCache,
    ModelFile,
    Ranking,
    ScanResult,
    choose_models,
    model_dirs,
    scan_models,
    total_ram_bytes,
)
from tutor_desktop.core.llm.local import LocalBackend
from tutor_desktop.core.llm.manifest import ModelEntry, load_manifest
from tutor_desktop.core.paths import AppPaths
from tutor_desktop.core.storage import Database
from tutor_desktop.core.storage.settings import get_setting

log = logging.getLogger(__name__)


class ModelState(StrEnum):
    NOT_STARTED = "not_started"
    NOT_INSTALLED = "not_installed"
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


def corrupt_notice(file: ModelFile) -> Notice:
    return Notice(file.problem or "model_truncated",
                  {"file": str(file.path), "sha256": file.entry.sha256 or "-",
                   "actual": file.actual_sha256 or "-"})


@dataclass(frozen=True)
class ModelStatus:
    state: ModelState
    model: str = ""
    notices: tuple[Notice, ...] = ()

    def message(self, language: str = "en") -> str:
        """One line for a status bar: what the model is doing."""
        if self.state is ModelState.READY:
            return tr("model_ready", language, model=self.model)
        if self.state is ModelState.LOADING:
            if not self.model:
                return tr("model_checking", language)
            return tr("model_loading", language, model=self.model)
        if self.state is ModelState.NOT_INSTALLED:
            return tr("no_local_model", language)
        if self.state is ModelState.FAILED:
            return tr("model_load_failed", language, model=self.model, reason="")
        return ""


BackendFactory = Callable[[ModelFile, int], LocalBackend]

#: Prompt tokens a grounded question needs with room for some history: the system prompt,
#: three clipped textbook passages and the question measured ~1,000 tokens in English
#: (bench/memory_bench.py, "first grounded answer"), Mongolian Cyrillic ~1.4x that.
PROMPT_TOKENS_NEEDED = 2048


def context_for(max_new_tokens: int, prompt_tokens: int = PROMPT_TOKENS_NEEDED) -> int:
    """The smallest context window (a multiple of 256) that leaves ``prompt_tokens`` for
    the prompt after the answer's room, as the tutor's ``prompt_budget`` computes it
    (window - min(answer, window // 2) - 16). Every token of window costs KV cache and
    compute buffer: Gemma 3 270M holds ~36 MB less at 2048 than at 4096."""
    answer = max(max_new_tokens, 0)
    needed = max(2 * answer, prompt_tokens + answer + 16)   # the answer gets all it asks
    if answer > prompt_tokens + 16:
        needed = min(needed, 2 * (prompt_tokens + 16))      # the answer is held to half
    return -(-needed // 256) * 256


def _default_factory(file: ModelFile, n_ctx: int) -> LocalBackend:
    return LocalBackend(file.path, model_name=file.name, chat_format=file.entry.chat_format,
                        n_ctx=n_ctx)


class ModelManager:
    """Chooses, loads and holds the local chat model; a :class:`BackendProvider`."""

    def __init__(self, entries: Sequence[ModelEntry], folders: Sequence[Path], *,
                 checksum_cache: Path | None = None,
                 override: Callable[[], str] | str = "",
                 n_ctx: int = 4096, ram_bytes: int | None = None,
                 factory: BackendFactory = _default_factory,
                 load_wait_s: float = 600.0, idle_unload_s: float | None = None,
                 rank: Ranking | None = None) -> None:
        self.entries = list(entries)
        self.folders = list(folders)
        self.cache = ChecksumCache(checksum_cache)
        self._override = override
        self.n_ctx = n_ctx
        self.ram_bytes = ram_bytes or total_ram_bytes()
        self._factory = factory
        self.load_wait_s = load_wait_s
        self.rank = rank        # re-orders the models that fit (the exam's results)
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._status = ModelStatus(ModelState.NOT_STARTED)
        self._backend: LocalBackend | None = None
        self._listeners: list[Callable[[ModelStatus], None]] = []
        self._closed = False
        self.idle_unload_s = idle_unload_s if idle_unload_s and idle_unload_s > 0 else None
        self._stop_idle = threading.Event()
        self._idle_thread: threading.Thread | None = None

    # -- status --------------------------------------------------------------
    @property
    def status(self) -> ModelStatus:
        return self._status

    def subscribe(self, listener: Callable[[ModelStatus], None]) -> None:
        """Call ``listener(status)`` on every change (from the loader thread)."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[ModelStatus], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _set(self, status: ModelStatus) -> None:
        self._status = status
        if self._closed:
            return  # the app is shutting down: its listeners (windows) may be gone
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:  # a broken listener must not stop loading
                log.exception("model status listener failed")

    def override(self) -> str:
        value = self._override() if callable(self._override) else self._override
        return (value or "").strip()

    # -- discovery -----------------------------------------------------------
    def scan(self, *, force_hash: bool = False) -> ScanResult:
        return scan_models(self.entries, self.folders, self.cache, force_hash=force_hash)

    def candidates(self, scan: ScanResult | None = None) -> list[ModelFile]:
        scan = scan or self.scan()
        return choose_models(scan.files, self.ram_bytes, self.override(), self.rank)

    # -- loading -------------------------------------------------------------
    def start(self) -> None:
        """Begin loading in the background (idempotent)."""
        with self._lock:
            if self._thread is not None:
                return
            self._done.clear()
            self._set(ModelStatus(ModelState.LOADING))
            self._thread = threading.Thread(target=self._load, name="model-loader", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> ModelStatus:
        """Start if needed and block until loading has finished (never on the GUI thread)."""
        self.start()
        self._done.wait(timeout)
        return self._status

    def reload(self) -> None:
        """Drop the loaded model and choose again (after the admin changed ``chat_model``)."""
        self.wait()
        with self._lock:
            self._thread = None
            old, self._backend = self._backend, None
        if old is not None:
            old.close()
        self.start()

    def _load(self) -> None:
        notices: list[Notice] = []
        try:
            scan = self.scan()
            notices += [corrupt_notice(f) for f in scan.corrupt]
            candidates = self.candidates(scan)
            if not candidates:
                self._set(ModelStatus(ModelState.NOT_INSTALLED, notices=tuple(notices)))
                return
            failed: list[str] = []
            for file in candidates:
                n_ctx = min(self.n_ctx, file.entry.n_ctx or self.n_ctx)
                self._set(ModelStatus(ModelState.LOADING, file.name, tuple(notices)))
                backend = self._factory(file, n_ctx)
                try:
                    backend.load()
                except Exception as exc:  # llama.cpp: ValueError, MemoryError, RuntimeError
                    log.warning("could not load %s: %s", file.path, exc)
                    failed.append(file.name)
                    notices.append(Notice("model_load_failed",
                                          {"model": file.name, "reason": str(exc)}))
                    continue
                if self._closed:
                    backend.close()
                    return
                if failed:
                    notices.append(Notice("model_fallback",
                                          {"failed": ", ".join(failed), "model": file.name}))
                self._backend = backend
                ready = ModelStatus(ModelState.READY, file.name, tuple(notices))
                backend.on_reload = lambda loading, ready=ready: self._set(
                    ModelStatus(ModelState.LOADING, ready.model, ready.notices)
                    if loading else ready)
                self._set(ready)
                self._start_idle_watch()
                return
            self._set(ModelStatus(ModelState.FAILED, ", ".join(failed), tuple(notices)))
        except Exception as exc:
            log.exception("model discovery failed")
            notices.append(Notice("model_load_failed", {"model": "", "reason": str(exc)}))
            self._set(ModelStatus(ModelState.FAILED, "", tuple(notices)))
        finally:
            self._done.set()

    # -- idle unload ---------------------------------------------------------
    def _start_idle_watch(self) -> None:
        if self.idle_unload_s is None or self._idle_thread is not None:
            return
        self._idle_thread = threading.Thread(target=self._watch_idle, name="model-idle",
                                             daemon=True)
        self._idle_thread.start()

    def _watch_idle(self) -> None:
        assert self.idle_unload_s is not None
        poll = min(30.0, max(0.05, self.idle_unload_s / 4))
        while not self._stop_idle.wait(poll):
            backend = self._backend
            if backend is not None and backend.unload_if_idle(self.idle_unload_s):
                log.info("chat model %s unloaded after %.0f s idle", backend.model,
                         self.idle_unload_s)

    # -- BackendProvider -----------------------------------------------------
    def backend(self, prefer: str = "auto") -> ChatBackend:
        """The loaded local model, waiting for a load in progress (worker threads only).

        After an idle unload this is the same engine: it loads itself again on use."""
        if prefer == "remote":
            raise BackendUnavailable("remote_not_configured")
        status = self.wait(self.load_wait_s)
        if status.state in (ModelState.READY, ModelState.LOADING) and self._backend is not None:
            return self._backend  # LOADING here = reloading after idle: it waits for it
        if status.state is ModelState.LOADING:
            raise BackendUnavailable("model_loading", model=status.model)
        if status.state is ModelState.NOT_INSTALLED:
            raise BackendUnavailable("no_local_model")
        reason = "; ".join(n.message("en") for n in status.notices) or "unknown"
        raise BackendUnavailable("model_load_failed", model=status.model, reason=reason)

    @property
    def local(self) -> LocalBackend | None:
        """The loaded engine, if any (for diagnostics and the bench)."""
        return self._backend

    def close(self, timeout: float = 120.0) -> None:
        """Stop listening, wait for a load in progress, free the model.

        A load cannot be interrupted inside llama.cpp; waiting for it (rather than leaving
        the thread running) means it never reports into a closed window or frees a model
        the loader is still filling. ``timeout`` only guards against a hung load.
        """
        self._closed = True
        self._listeners.clear()
        self._stop_idle.set()
        if self._idle_thread is not None and self._idle_thread is not threading.current_thread():
            self._idle_thread.join(timeout)
        with self._lock:
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("model loader still running after %.0f s at close", timeout)
        backend, self._backend = self._backend, None
        if backend is not None:
            backend.close()


def model_manager_for(paths: AppPaths, config: Config, db: Database,
                      rank: Ranking | None = None) -> ModelManager:
    """The manager for one installation: model folders in priority order, the admin's
    ``chat_model`` setting (falling back to the config file), RAM of this PC, and how
    to rank the models that fit (the tutoring exam's results)."""
    folders = model_dirs(paths.model_dirs(config.models_dir))
    # The app's own manifest first; a folder's manifest overrides it, the most
    # specific folder last so that it wins.
    entries = load_manifest(extra=[f for f in reversed(folders)
                                   if f.resolve() != paths.install_models_dir.resolve()])

    def override() -> str:
        return str(get_setting(db, "chat_model", "") or config.chat_model)

    def factory(file: ModelFile, n_ctx: int) -> LocalBackend:
        backend = _default_factory(file, n_ctx)
        backend.echo_guard = config.echo_guard
        return backend

    # The window the tutor needs, unless IT set a smaller one (n_ctx in the config).
    n_ctx = min(config.n_ctx, context_for(config.max_new_tokens))
    return ModelManager(entries, folders, checksum_cache=paths.data_dir / "model_checksums.json",
                        override=override, n_ctx=n_ctx, factory=factory,
                        idle_unload_s=config.model_idle_minutes * 60.0, rank=rank)
