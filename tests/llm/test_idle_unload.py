"""The chat model on a shared lab PC: unloaded when nobody asks, back for the next question.

What a student notices: after a break the first answer says "Loading…" for a moment and
then is the same answer as before the break; an answer being written is never cut off by
the unload. What the PC notices: the model's memory is returned while idle.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from model_files import link_into

from tutor_desktop.core.llm.backend import ChatMessage
from tutor_desktop.core.llm.discovery import ModelFile
from tutor_desktop.core.llm.local import LocalBackend
from tutor_desktop.core.llm.manager import ModelManager, ModelState, ModelStatus
from tutor_desktop.core.llm.manifest import load_manifest

ROOT = Path(__file__).resolve().parents[2]
QUESTION = [ChatMessage("system", "Be a kind tutor."),
            ChatMessage("user", "What is 2 + 3?")]


def _answer(backend: object) -> str:
    stream = backend.stream(QUESTION, max_tokens=24, temperature=0.0)  # type: ignore[attr-defined]
    return "".join(d.text for d in stream)


def _manager(tmp_path: Path, gguf_path: Path, idle_s: float) -> ModelManager:
    folder = tmp_path / "models"
    link_into(gguf_path, folder)

    def factory(file: ModelFile, n_ctx: int) -> LocalBackend:
        return LocalBackend(file.path, model_name=file.name, chat_format=file.entry.chat_format,
                            n_ctx=512)

    return ModelManager(load_manifest(), [folder], factory=factory, idle_unload_s=idle_s,
                        checksum_cache=tmp_path / "checksums.json")


def _wait_for(condition: object, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_after_a_break_the_model_comes_back_and_answers_the_same(tmp_path: Path,
                                                                 gguf_path: Path) -> None:
    manager = _manager(tmp_path, gguf_path, idle_s=0.5)
    seen: list[ModelStatus] = []
    manager.subscribe(seen.append)
    try:
        backend = manager.backend()
        assert isinstance(backend, LocalBackend)
        before = _answer(backend)
        assert before.strip()
        assert _wait_for(lambda: not backend.loaded), "unloaded after the idle time"
        assert manager.status.state is ModelState.READY  # still the app's model, just asleep
        seen.clear()
        again = manager.backend()
        assert again is backend  # never a second copy
        after = _answer(again)
        assert after == before
        assert backend.reloads == 1 and backend.load_s > 0
        # the status said "Loading…" while it came back, then ready again
        assert [s.state for s in seen] == [ModelState.LOADING, ModelState.READY]
        print(f"\nreload after idle took {backend.load_s:.2f} s")
    finally:
        manager.close()


def test_an_answer_being_written_is_never_unloaded(tmp_path: Path, gguf_path: Path) -> None:
    manager = _manager(tmp_path, gguf_path, idle_s=0.2)
    try:
        backend = manager.backend()
        assert isinstance(backend, LocalBackend)
        pieces: list[str] = []
        first_piece = threading.Event()
        release = threading.Event()

        def slow_reader() -> None:
            for delta in backend.stream(QUESTION, max_tokens=24, temperature=0.0):
                pieces.append(delta.text)
                first_piece.set()
                release.wait(5)  # a slow window: the student's answer is still streaming

        reader = threading.Thread(target=slow_reader)
        reader.start()
        assert first_piece.wait(60)
        time.sleep(1.0)  # five idle periods pass while the answer is on screen
        assert backend.loaded, "unloaded in the middle of an answer"
        assert backend.unload_if_idle(0.0) is False
        release.set()
        reader.join(60)
        assert "".join(pieces).strip()
        assert backend.reloads == 0
        assert _wait_for(lambda: not backend.loaded), "unloaded once the answer was done"
    finally:
        manager.close()


_RSS_CHILD = """
import json, sys, time
from pathlib import Path
from tutor_desktop.core.llm.local import LocalBackend
from tutor_desktop.core.llm.backend import ChatMessage

def rss():
    line = [l for l in Path('/proc/self/status').read_text().splitlines()
            if l.startswith('VmRSS:')][0]
    return int(line.split()[1]) / 1024

b = LocalBackend(Path(sys.argv[1]), model_name='g', chat_format='gemma', n_ctx=1024)
b.load()
msgs = [ChatMessage('user', 'What is 2 + 3?')]
''.join(d.text for d in b.stream(msgs, max_tokens=8, temperature=0.0))
loaded = rss()
time.sleep(0.3)
assert b.unload_if_idle(0.2)
print(json.dumps({'loaded': loaded, 'unloaded': rss()}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="RSS is read from /proc")
def test_an_unloaded_model_gives_its_memory_back(gguf_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", _RSS_CHILD, str(gguf_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"\nchat model RSS: loaded {out['loaded']:.0f} MB, unloaded {out['unloaded']:.0f} MB")
    # the 253 MB file's pages and llama.cpp's buffers are gone
    assert out["loaded"] - out["unloaded"] >= 250, out


def test_the_context_window_is_what_a_grounded_question_needs(tmp_path: Path) -> None:
    """Not 4096 tokens by default when less leaves the tutor the prompt it needs: the
    prompt budget the tutor computes from the window still holds a grounded question."""
    from tutor_desktop.core.config import Config
    from tutor_desktop.core.llm.manager import PROMPT_TOKENS_NEEDED, context_for, model_manager_for
    from tutor_desktop.core.paths import resolve_paths
    from tutor_desktop.core.storage import Database
    from tutor_desktop.core.tutor.context import prompt_budget

    for answer in (16, 256, 512, 1024, 2048, 8192):
        window = context_for(answer)
        assert prompt_budget(window, answer) >= PROMPT_TOKENS_NEEDED, answer
        assert prompt_budget(window - 256, answer) < PROMPT_TOKENS_NEEDED, answer  # smallest
    paths = resolve_paths(tmp_path)
    config = Config()  # the defaults a school gets
    db = Database(tmp_path / "tutor.sqlite3")
    try:
        manager = model_manager_for(paths, config, db)
        assert manager.n_ctx == context_for(config.max_new_tokens) < 4096
        assert manager.idle_unload_s == config.model_idle_minutes * 60 > 0
    finally:
        db.close()


_GROUNDED_PEAK = """
import json, sys
from pathlib import Path
from tutor_desktop.core.llm.backend import ChatMessage
from tutor_desktop.core.llm.local import LocalBackend

n_ctx, n_batch = int(sys.argv[2]), int(sys.argv[3])
kwargs = {'n_batch': n_batch} if n_batch else {}
b = LocalBackend(Path(sys.argv[1]), model_name='g', chat_format='gemma', n_ctx=n_ctx, **kwargs)
b.load()
book = Path('resources/sample_library/biology7_photosynthesis_mn.txt').read_text(encoding='utf-8')
msgs = [ChatMessage('system', 'Use these textbook passages:\\n' + ' '.join(book.split())[:3000]),
        ChatMessage('user', 'Фотосинтез гэж юу вэ?')]
''.join(d.text for d in b.stream(msgs, max_tokens=2, temperature=0.0))
hwm = [l for l in Path('/proc/self/status').read_text().splitlines() if l.startswith('VmHWM:')]
print(json.dumps({'hwm': int(hwm[0].split()[1]) / 1024, 'prompt': b.last_timings.prompt_tokens}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="RSS is read from /proc")
def test_a_grounded_question_peaks_lower_with_the_apps_window_and_batch(gguf_path: Path) -> None:
    """The app's window (sized to need) and prompt batch hold less memory through a long
    grounded prompt than the old 4096-token window with 512-token batches."""
    from tutor_desktop.core.config import Config
    from tutor_desktop.core.llm.manager import context_for

    app_ctx = context_for(Config().max_new_tokens)
    peaks = {}
    for label, n_ctx, n_batch in (("before", 4096, 512), ("app", app_ctx, 0)):
        result = subprocess.run([sys.executable, "-c", _GROUNDED_PEAK, str(gguf_path),
                                 str(n_ctx), str(n_batch)], cwd=ROOT, capture_output=True,
                                text=True, timeout=600, check=False)
        assert result.returncode == 0, result.stderr[-3000:]
        peaks[label] = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"\ngrounded prompt of {peaks['app']['prompt']} tokens: peak "
          f"{peaks['before']['hwm']:.0f} MB before, {peaks['app']['hwm']:.0f} MB now")
    assert peaks["app"]["prompt"] > 1000
    assert peaks["app"]["hwm"] <= peaks["before"]["hwm"] - 20, peaks  # measured 30 MB
