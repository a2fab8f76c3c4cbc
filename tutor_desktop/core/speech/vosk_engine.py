"""Offline recognition with Vosk: find a model folder for a language, load it once.

IT staff unpack a model (e.g. ``vosk-model-small-en-us-0.15``) into one of the
models folders; the folder name says the language (``vosk-<lang>…`` or
``vosk-model-[small-]<lang>…``). Loading takes 2-3 s and ~650 MB for a small
model, so it happens on a background thread, once per process, and every
utterance gets a cheap recogniser on the shared model.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tutor_desktop.core.errors import SpeechGrammarEmpty
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.speech.audio import BYTES_PER_SECOND, SAMPLE_RATE

# Folder-name language codes that differ from ours (Vosk's Kazakh models say "kz").
_ALIASES = {"kk": ("kk", "kz"), "en": ("en",), "mn": ("mn",)}
PARTIAL_EVERY_SECONDS = 0.2


def model_root(folder: Path) -> Path | None:
    """The folder Vosk should load: ``folder`` itself or its ``model/`` child."""
    for candidate in (folder, folder / "model"):
        if (candidate / "am" / "final.mdl").is_file() and (candidate / "conf").is_dir():
            return candidate
    return None


def _matches(name: str, language: str) -> bool:
    codes = "|".join(re.escape(c) for c in _ALIASES.get(language, (language,)))
    pattern = rf"^vosk[-_](?:model[-_])?(?:small[-_])?(?:{codes})(?:[-_.].*)?$"
    return re.match(pattern, name.lower()) is not None


def listed_folders(search_dirs: Sequence[Path], language: str) -> list[str]:
    """Folder names of ``kind = "stt"`` manifest entries for ``language``."""
    from tutor_desktop.core.llm.manifest import ManifestError, load_manifest

    try:
        entries = load_manifest(extra=search_dirs)
    except (ManifestError, OSError):
        return []  # `tutor doctor` reports a broken manifest; speech still finds named folders
    return [e.file for e in entries if e.kind == "stt" and language in e.languages]


def find_vosk_models(search_dirs: Sequence[Path], language: str,
                     listed: Iterable[str] = ()) -> list[Path]:
    """Loadable model folders for ``language``, best first.

    Folders named in the manifest (``listed``) come first, then folders whose
    name says the language; earlier search dirs win.
    """
    names = list(listed)
    found: list[Path] = []
    for directory in search_dirs:
        for name in names:
            root = model_root(directory / name)
            if root is not None and root not in found:
                found.append(root)
    for directory in search_dirs:
        try:
            entries = sorted((e for e in directory.iterdir() if e.is_dir()),
                             key=lambda e: e.name, reverse=True)  # newest version first
        except OSError:
            continue
        for entry in entries:
            root = model_root(entry) if _matches(entry.name, language) else None
            if root is not None and root not in found:
                found.append(root)
    return found


def model_label(root: Path) -> str:
    """A readable name: the unpacked folder, not its ``model/`` child."""
    return root.parent.name if root.name == "model" else root.name


class _SharedModel:
    """One Vosk model, loaded on a daemon thread the first time someone needs it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._started = False
        self._model: Any = None
        self._error: str = ""

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._load, name=f"vosk-load-{self.path.name}",
                         daemon=True).start()

    def _load(self) -> None:
        try:
            import vosk

            vosk.SetLogLevel(-1)  # Kaldi's LOG lines would drown the CLI's output
            self._model = vosk.Model(str(self.path))
        except Exception as exc:  # a missing file or a wrong format: tell IT staff
            self._error = str(exc) or type(exc).__name__
        finally:
            self._done.set()

    @property
    def state(self) -> str:
        """``idle``, ``loading``, ``ready`` or ``failed``."""
        if not self._started:
            return "idle"
        if not self._done.is_set():
            return "loading"
        return "failed" if self._error else "ready"

    def get(self, timeout: float | None = None) -> Any:
        self.start()
        if not self._done.wait(timeout):
            raise TutorError("speech_model_loading")
        if self._error:
            raise TutorError("speech_model_load_failed", path=str(self.path), reason=self._error)
        return self._model


_MODELS: dict[Path, _SharedModel] = {}
_MODELS_LOCK = threading.Lock()


def shared_model(path: Path) -> _SharedModel:
    """The process-wide handle for a model folder (a model is never loaded twice)."""
    key = path.resolve()
    with _MODELS_LOCK:
        if key not in _MODELS:
            _MODELS[key] = _SharedModel(key)
        return _MODELS[key]


class VoskRecognizer:
    """One utterance on a shared model; partial text is refreshed every 0.2 s of audio."""

    def __init__(self, model: Any, name: str, language: str,
                 grammar: Sequence[str] | None = None, partials: bool = True) -> None:
        import vosk

        self._name = name
        self._language = language
        if grammar:
            self._rec = vosk.KaldiRecognizer(model, SAMPLE_RATE,
                                             json.dumps(list(grammar), ensure_ascii=False))
        else:
            self._rec = vosk.KaldiRecognizer(model, SAMPLE_RATE)
        self._partial_bytes = int(PARTIAL_EVERY_SECONDS * BYTES_PER_SECOND) if partials else 0
        self._since_partial = 0
        self._segments: list[str] = []
        self._partial = ""

    @property
    def name(self) -> str:
        return self._name

    @property
    def language(self) -> str:
        return self._language

    def _text(self) -> str:
        words = " ".join((*self._segments, self._partial)).split()
        # Markers such as [unk], [noise] or [25] are not words for the student to read.
        return " ".join(w for w in words if not (w.startswith("[") and w.endswith("]")))

    def accept(self, pcm: bytes) -> str:
        if not pcm or self._rec is None:
            return self._text()
        if self._rec.AcceptWaveform(pcm):  # Vosk found the end of a phrase (a pause)
            segment = str(json.loads(self._rec.Result()).get("text", ""))
            if segment:
                self._segments.append(segment)
            self._partial = ""
            self._since_partial = 0
        elif self._partial_bytes:
            self._since_partial += len(pcm)
            if self._since_partial >= self._partial_bytes:
                self._since_partial = 0
                self._partial = str(json.loads(self._rec.PartialResult()).get("partial", ""))
        return self._text()

    def final(self) -> str:
        if self._rec is None:
            return self._text()
        segment = str(json.loads(self._rec.FinalResult()).get("text", ""))
        self._partial = ""
        if segment:
            self._segments.append(segment)
        # Freeing a decoder after a long utterance takes ~0.1 s: not while the student waits.
        _free_later(self._rec)
        self._rec = None
        return self._text()


FREE_AFTER_SECONDS = 1.0


def _free_later(obj: Any) -> None:
    """Drop the last reference to ``obj`` a second from now, on a timer thread.

    Freeing a decoder right away (even on another thread) was measured to hold
    up the final transcript by 50-100 ms; a second later the student is reading.
    """
    timer = threading.Timer(FREE_AFTER_SECONDS, lambda *_: None, args=(obj,))
    timer.name = "vosk-free"
    timer.daemon = True
    timer.start()


class VoskEngine:
    """A Vosk model folder for one language; recognisers share the loaded model."""

    local = True

    def __init__(self, path: Path, language: str) -> None:
        self._shared = shared_model(path)
        self._language = language
        self._name = f"vosk:{model_label(path)}"

    @property
    def name(self) -> str:
        return self._name

    @property
    def language(self) -> str:
        return self._language

    @property
    def path(self) -> Path:
        return self._shared.path

    @property
    def state(self) -> str:
        return self._shared.state

    def prepare(self) -> None:
        self._shared.start()

    def model(self, timeout: float | None = None) -> Any:
        """The loaded ``vosk.Model`` (blocks while it loads)."""
        return self._shared.get(timeout)

    def known_words(self, phrases: Sequence[str]) -> list[str]:
        """The phrases whose every word the model knows (Vosk would drop the rest noisily)."""
        model = self.model()
        kept = [p for p in phrases
                if p.split() and all(model.vosk_model_find_word(w) >= 0 for w in p.split())]
        if kept and model.vosk_model_find_word("[unk]") >= 0:
            kept.append("[unk]")  # lets other speech fall outside the list
        return kept

    def recognizer(self, grammar: Sequence[str] | None = None,
                   partials: bool = True) -> VoskRecognizer:
        model = self.model()
        words: list[str] | None = None
        if grammar:
            words = self.known_words(grammar)
            if not words:
                raise SpeechGrammarEmpty(words=" ".join(grammar)[:80])
        return VoskRecognizer(model, self._name, self._language, words, partials)
