"""The local chat engine: one llama.cpp model kept in memory, streaming on the CPU.

Why it is built this way:

* **One ``Llama`` object, reused.** llama-cpp-python keeps the KV cache of the
  last prompt and re-evaluates only the tokens after the longest common prefix,
  so a follow-up question in the same conversation skips the whole history.
  This only pays off if the prompt of turn N+1 starts with exactly the tokens of
  turn N, which the tutor guarantees by keeping the system prompt stable.
* **Prompt formatted here, not by ``create_chat_completion``,** so we know the
  exact prompt token count (context fitting, stored token counts) and can fold
  the system prompt into the first user turn for formats that have no system
  role (the base Gemma format silently drops it otherwise).
* **Separate thread counts.** Generation is memory-bound and collapses when it
  competes for a core (measured: 2 threads → a few tok/s while another process
  is busy, 1 thread → ~70 tok/s on a 2-core PC); prompt processing is
  compute-bound and benefits from every core.
* **Unloaded when idle, reloaded on the next question.** On a shared lab PC the
  model's hundreds of MB go back to the OS after ``unload_if_idle``; the next call
  that needs it (counting tokens, streaming) loads it again and the answer is the
  same. An answer that is streaming holds the stream lock, so it is never unloaded
  mid-answer.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from tutor_desktop.core.cpu import prepare_openmp, return_freed_memory
from tutor_desktop.core.llm.backend import (
    BackendError,
    BackendKind,
    ChatMessage,
    Completion,
    ContextOverflow,
    Delta,
    FinishReason,
)
from tutor_desktop.core.llm.echo_guard import EchoGuard

_log = logging.getLogger("llama_cpp")
_log_callback: Any = None


def _quiet_llama_logs() -> None:
    """Send llama.cpp's C-level log lines to Python logging instead of stderr.

    llama-cpp-python prints some of them even with ``verbose=False``; in the
    terminal tutor and in ``tutor ask --json`` they would mix with the answer.
    """
    global _log_callback
    if _log_callback is not None:
        return
    import ctypes

    import llama_cpp

    @llama_cpp.llama_log_callback  # type: ignore[untyped-decorator,misc,unused-ignore]
    def forward(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        message = text.decode("utf-8", "replace").rstrip()
        if message:
            # ggml levels: 1 debug, 2 info, 3 warn, 4 error, 5 continuation
            _log.log(logging.WARNING if level == 4 else logging.DEBUG, "%s", message)

    _log_callback = forward  # keep a reference: C holds only a pointer
    llama_cpp.llama_log_set(forward, ctypes.c_void_p(0))


# Chat formats whose template has no system role: the system text goes into the first user turn.
_NO_SYSTEM_ROLE = frozenset({"gemma"})
_FORMATTER_NAMES = {"llama-2": "format_llama2", "llama-3": "format_llama3",
                    "mistral-instruct": "format_mistral_instruct", "baichuan-2": "format_baichuan2"}


def default_threads(cpu_count: int | None = None) -> tuple[int, int]:
    """(generation threads, prompt-processing threads) for this PC.

    Generation: half the cores (1 on a 2-core lab PC) so the GUI and other
    programs never steal the core the model is spinning on. Prompt: all cores.
    """
    cores = cpu_count or os.cpu_count() or 2
    return max(1, min(4, cores // 2)), max(1, min(8, cores))


# Prompt tokens per llama.cpp batch. The compute buffer grows with batch x window:
# measured for Gemma 3 270M at n_ctx 3328 with a 1,433-token grounded prompt, the peak
# was 442 MB at 512, 425 MB at 256, 417 MB at 128, for the same CPU time (9.7, 9.2, 8.9 s).
DEFAULT_BATCH = 256


@dataclass
class Timings:
    """Measured for the last answer (the bench and ``tutor ask --json`` report them)."""

    prompt_tokens: int = 0
    cached_tokens: int = 0          # prompt tokens reused from the KV cache
    first_token_s: float = 0.0
    total_s: float = 0.0
    completion_tokens: int = 0

    @property
    def generation_tps(self) -> float:
        gen_time = self.total_s - self.first_token_s
        return (self.completion_tokens - 1) / gen_time if gen_time > 0 else 0.0


def fold_system(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """Merge system messages into the first user turn (for templates without a system role)."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    rest = [m for m in messages if m.role != "system"]
    if not system:
        return rest
    if rest and rest[0].role == "user":
        return [ChatMessage("user", f"{system}\n\n{rest[0].content}"), *rest[1:]]
    return [ChatMessage("user", system), *rest]


class LocalBackend:
    """A GGUF model loaded with llama-cpp-python (see the module notes)."""

    def __init__(self, path: Path, *, model_name: str, chat_format: str = "", n_ctx: int = 4096,
                 n_threads: int | None = None, n_threads_batch: int | None = None,
                 n_batch: int = DEFAULT_BATCH, echo_guard: bool = True,
                 loop_guard: bool = True) -> None:
        self.path = path
        self.echo_guard = echo_guard
        # Stopping a line repeated three times. Only the benchmark turns it off, to compare
        # the streaming layer with raw llama.cpp on exactly the same tokens.
        self.loop_guard = loop_guard
        self._model = model_name
        self.chat_format = chat_format
        self.n_ctx = n_ctx
        gen, batch = default_threads()
        self.n_threads = n_threads or gen
        self.n_threads_batch = n_threads_batch or batch
        self.n_batch = n_batch
        self._llm: Any = None
        self._formatter: Callable[..., Any] | None = None
        self._control_stop: Callable[[Any, Any], bool] | None = None
        self._lock = threading.Lock()        # one stream at a time
        self._load_lock = threading.Lock()   # load / unload / reload, never two copies
        self._last_used = time.monotonic()
        self._idle_unloaded = False
        self.load_s = 0.0        # seconds the last load took (the bench and the status read it)
        self.reloads = 0         # loads after an idle unload
        #: Called with True before a reload after an idle unload and False after it, so the
        #: model manager can say "Loading…" meanwhile.
        self.on_reload: Callable[[bool], None] | None = None
        self.last_timings = Timings()

    # -- ChatBackend ---------------------------------------------------------
    @property
    def name(self) -> BackendKind:
        return "local"

    @property
    def model(self) -> str:
        return self._model

    @property
    def context_window(self) -> int:
        return self.n_ctx

    def count_tokens(self, text: str) -> int:
        llm = self._require()
        return len(llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    # -- loading -------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        """Whether the weights are in memory now (False after an idle unload)."""
        return self._llm is not None

    def load(self) -> None:
        """Load the model (seconds; call from a background thread).

        Raises whatever llama.cpp raises on failure (``ValueError`` for a file it
        cannot load, ``MemoryError``/``RuntimeError`` when memory runs out); the
        model manager turns that into a fall-back.
        """
        prepare_openmp()  # before llama.cpp's OpenMP library loads: prompt threads must not spin
        from llama_cpp import Llama

        _quiet_llama_logs()
        started = time.perf_counter()
        llm = Llama(model_path=str(self.path), n_ctx=self.n_ctx, n_threads=self.n_threads,
                    n_threads_batch=self.n_threads_batch, n_batch=self.n_batch,
                    chat_format=self.chat_format or None, verbose=False)
        self._formatter = self._make_formatter(llm)
        self._control_stop = _control_token_stop(llm)
        self._llm = llm
        self._idle_unloaded = False
        self._last_used = time.monotonic()
        self.load_s = time.perf_counter() - started

    def unload_if_idle(self, idle_s: float) -> bool:
        """Free the model if nothing used it for ``idle_s`` seconds; True when freed.

        Never while an answer streams (its lock is held) or a reload runs; the next
        question loads the model again (:meth:`_require`).
        """
        if not self._lock.acquire(blocking=False):
            return False  # an answer is streaming
        try:
            with self._load_lock:
                llm = self._llm
                if llm is None or time.monotonic() - self._last_used < idle_s:
                    return False
                self._llm = None
                self._idle_unloaded = True
                llm.close()
        finally:
            self._lock.release()
        return_freed_memory()
        return True

    def _make_formatter(self, llm: Any) -> Callable[..., Any]:
        from llama_cpp import llama_chat_format

        if self.chat_format:
            attr = _FORMATTER_NAMES.get(self.chat_format,
                                        "format_" + self.chat_format.replace("-", "_"))
            formatter = getattr(llama_chat_format, attr, None)
            if formatter is None:
                raise ValueError(f"unknown chat format {self.chat_format!r}")
            return cast("Callable[..., Any]", formatter)
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            self.chat_format = "chatml"
            return cast("Callable[..., Any]", llama_chat_format.format_chatml)
        eos_id, bos_id = llm.token_eos(), llm.token_bos()
        return llama_chat_format.Jinja2ChatFormatter(
            template=template,
            eos_token=llm._model.token_get_text(eos_id) if eos_id != -1 else "",
            bos_token=llm._model.token_get_text(bos_id) if bos_id != -1 else "",
            stop_token_ids=[eos_id])

    def close(self) -> None:
        with self._lock, self._load_lock:
            llm, self._llm = self._llm, None
            self._idle_unloaded = False  # closed for good: no reload
            if llm is not None:
                llm.close()

    def _require(self) -> Any:
        """The loaded model; after an idle unload, loaded again first (seconds)."""
        self._last_used = time.monotonic()
        llm = self._llm
        if llm is None and self._idle_unloaded:
            with self._load_lock:
                if self._llm is None and self._idle_unloaded:
                    self._notify_reload(True)
                    try:
                        self.load()
                        self.reloads += 1
                    except Exception as exc:  # llama.cpp: out of memory, file gone
                        raise BackendError("model_load_failed", retryable=False,
                                           model=self._model, reason=str(exc)) from exc
                    finally:
                        self._notify_reload(False)
                llm = self._llm
        if llm is None:
            raise BackendError("model_load_failed", retryable=False, model=self._model,
                               reason="not loaded")
        self._last_used = time.monotonic()
        return llm

    def _notify_reload(self, loading: bool) -> None:
        if self.on_reload is not None:
            try:
                self.on_reload(loading)
            except Exception:  # a status listener must not stop the answer
                logging.getLogger(__name__).exception("reload listener failed")

    # -- prompting -----------------------------------------------------------
    def prompt_tokens(self, messages: Sequence[ChatMessage]) -> tuple[list[int], Any, Any]:
        """Token ids of the formatted prompt, plus the format's stop strings and criteria."""
        llm = self._require()
        if self.chat_format in _NO_SYSTEM_ROLE:
            messages = fold_system(messages)
        assert self._formatter is not None
        result = self._formatter(messages=[m.as_dict() for m in messages])
        tokens = llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special,
                              special=True)
        criteria = result.stopping_criteria
        if self._control_stop is not None:
            from llama_cpp import StoppingCriteriaList

            criteria = StoppingCriteriaList([*(criteria or []), self._control_stop])
        return list(tokens), result.stop, criteria

    def count_prompt(self, messages: Sequence[ChatMessage]) -> int:
        return len(self.prompt_tokens(messages)[0])

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int,
               temperature: float = 0.2,
               stop_event: threading.Event | None = None) -> Iterator[Delta]:
        """Stream an answer; one stream at a time per model (others wait for the lock)."""
        with self._lock:
            yield from self._stream_locked(messages, max_tokens, temperature, stop_event)

    def _stream_locked(self, messages: Sequence[ChatMessage], max_tokens: int,
                       temperature: float, stop_event: threading.Event | None) -> Iterator[Delta]:
        llm = self._require()
        started = time.perf_counter()
        tokens, stop, criteria = self.prompt_tokens(messages)
        room = self.n_ctx - len(tokens)
        if room < 1:
            raise ContextOverflow(tokens=len(tokens), limit=self.n_ctx)
        cached = _common_prefix(llm, tokens)
        timings = Timings(prompt_tokens=len(tokens), cached_tokens=cached)
        self.last_timings = timings
        finish: FinishReason = "stop"
        pieces: list[str] = []
        # Without the echo guard the guard still stops loops but never holds text back.
        guard: EchoGuard | None = None
        if self.echo_guard or self.loop_guard:
            guard = EchoGuard(m.content for m in messages
                              if m.role == "system" and self.echo_guard)
        try:
            chunks = llm.create_completion(
                tokens, max_tokens=min(max_tokens, room), temperature=temperature,
                stop=stop, stopping_criteria=criteria, stream=True)
            try:
                for chunk in chunks:
                    choice = chunk["choices"][0]
                    text = choice.get("text") or ""
                    if guard is not None:
                        text = guard.feed(text)
                    if text:
                        if not pieces:
                            timings.first_token_s = time.perf_counter() - started
                        pieces.append(text)
                        yield Delta(text)
                    if guard is not None and guard.stopped_reason:
                        break  # recited instructions or a loop: end the answer here
                    if choice.get("finish_reason") == "length":
                        finish = "length"
                    if stop_event is not None and stop_event.is_set():
                        finish = "cancelled"
                        break
            finally:
                chunks.close()
        except (RuntimeError, ValueError) as exc:
            raise BackendError("model_failed", retryable=False, reason=str(exc)) from exc
        tail = guard.finish() if guard is not None else ""
        if tail:
            pieces.append(tail)
            yield Delta(tail)
        answer = "".join(pieces)
        timings.total_s = time.perf_counter() - started
        timings.completion_tokens = self.count_tokens(answer) if answer else 0
        yield Delta(completion=Completion(finish, len(tokens), timings.completion_tokens))


def _control_token_stop(llm: Any) -> Callable[[Any, Any], bool]:
    """A stopping criterion: end the answer at any control token (e.g. ``<start_of_turn>``).

    A base model without a chat template (the embedded Gemma 270M) does not
    know its turn ends with ``<end_of_turn>`` and starts a new turn instead;
    without this the answer runs on into an invented "user" turn.
    """
    import llama_cpp

    vocab = llama_cpp.llama_model_get_vocab(llm._model.model)
    known: dict[int, bool] = {}

    def stop(tokens: Any, logits: Any) -> bool:
        last = int(tokens[-1])
        if last not in known:
            known[last] = bool(llama_cpp.llama_vocab_is_control(vocab, last))
        return known[last]

    return stop


def _common_prefix(llm: Any, tokens: Sequence[int]) -> int:
    """How many leading prompt tokens are already in the KV cache."""
    cached = list(llm.input_ids[: llm.n_tokens])
    count = 0
    for old, new in zip(cached, tokens, strict=False):
        if old != new:
            break
        count += 1
    return count
