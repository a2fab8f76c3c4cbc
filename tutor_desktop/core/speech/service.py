"""The speech service the UI and CLI share: what is available, and recognising.

Choice of recogniser for a language: a local Vosk model from the models
folders first (free, private, works offline), then the remote service when it
is configured and answers. If the local model fails to load, or the remote
service fails mid-utterance, the next one gets the same audio. When nothing can
recognise the language, or there is no microphone, :meth:`availability` says
why with a message id the UI shows in the student's language.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor_desktop.core.errors import NotAllowed, SessionExpired, SpeechGrammarEmpty
from tutor_desktop.core.i18n import TutorError, tr
from tutor_desktop.core.speech.audio import MAX_SECONDS, check_recording, load_wav, seconds
from tutor_desktop.core.speech.capture import (
    InputStream,
    MicStatus,
    Recorder,
    open_default_input,
    probe_microphone,
)
from tutor_desktop.core.speech.remote import REMOTE_KEY_NAME, RemoteEngine, check_remote_url
from tutor_desktop.core.speech.types import SpeechEngine, SpeechRecognizer, Transcription
from tutor_desktop.core.speech.vosk_engine import (
    VoskEngine,
    find_vosk_models,
    listed_folders,
    model_root,
)

# The online speech service an admin sets in Settings → Services (kept with the key in
# this PC's secret store); the machine-wide tutor.toml's remote_stt_url wins over it.
REMOTE_URL_NAME = "remote_stt_url"

if TYPE_CHECKING:
    from tutor_desktop.core.config import Config
    from tutor_desktop.core.secrets_store import SecretStore

REMOTE_UP_FOR_S = 30.0  # trust a successful probe this long before asking again


@dataclass(frozen=True)
class Availability:
    """Can the student use voice now? ``reason`` is a message id for the tooltip.

    Unpacks as ``available, reason = service.availability(lang)``.
    """

    available: bool
    reason: str
    detail: str = ""
    recognizer: str = ""

    def __iter__(self) -> Any:
        return iter((self.available, self.reason))

    def message(self, language: str) -> str:
        return tr(self.reason, language, reason=self.detail)


class SpeechService:
    """Probing, choosing and running recognisers; one per app, safe to share between threads."""

    def __init__(self, config: Config, model_dirs: Sequence[Path],
                 secrets: SecretStore | None = None,
                 probe: Callable[[], MicStatus] | None = None,
                 open_stream: Callable[[], InputStream] = open_default_input,
                 remote_timeout_s: float = 20.0, remote_probe_timeout_s: float = 3.0,
                 remote_retry_after_s: float = 60.0) -> None:
        self.config = config
        self.model_dirs = list(model_dirs)
        self._secrets = secrets
        self._probe = probe or self._probe_default_input
        self._open_stream = open_stream
        self._remote_timeouts = (remote_timeout_s, remote_probe_timeout_s, remote_retry_after_s)
        self._lock = threading.Lock()
        self._mic: MicStatus | None = None
        self._remotes: dict[str, RemoteEngine | None] = {}
        self._remote_up_until: dict[str, float] = {}

    # --- microphone -------------------------------------------------------------------

    def _probe_default_input(self) -> MicStatus:
        # Probing again (on demand) re-reads the device list: a headset may be new.
        return probe_microphone(rescan=self._mic is not None)

    def microphone(self, refresh: bool = False) -> MicStatus:
        """The microphone probe, run once and again on demand (``refresh``)."""
        with self._lock:
            if self._mic is None or refresh:
                self._mic = self._probe()
            return self._mic

    # --- engines ----------------------------------------------------------------------

    def local_engine(self, language: str, model_dir: Path | None = None) -> VoskEngine | None:
        """The Vosk model for ``language`` (or the given folder), if one is installed."""
        if model_dir is not None:
            root = model_root(model_dir)
            if root is None:
                raise TutorError("speech_model_dir_invalid", path=str(model_dir))
            return VoskEngine(root, language)
        found = [VoskEngine(path, language) for path in self.vosk_models(language)]
        working = [engine for engine in found if engine.state != "failed"]
        chosen = working or found  # all broken: still return one, so availability says so
        return chosen[0] if chosen else None

    def vosk_models(self, language: str) -> list[Path]:
        """Installed Vosk model folders for ``language``, preferred first."""
        return find_vosk_models(self.model_dirs, language,
                                listed_folders(self.model_dirs, language))

    def remote_url(self) -> str:
        """The online speech service: IT's config file first, else the admin's setting."""
        url = self.config.remote_stt_url.strip()
        if url or self._secrets is None:
            return url
        try:
            return (self._secrets.get(REMOTE_URL_NAME) or "").strip()
        except Exception:  # an unreadable store must not stop local speech
            return ""

    @property
    def remote_url_locked(self) -> bool:
        """Set by IT in the config file: shown in the settings, not changed there."""
        return bool(self.config.remote_stt_url.strip())

    def configure_remote(self, session: Any, url: str, key: str | None = None) -> None:
        """Admins only: the online speech service's address and (when given) its key,
        for languages with no speech model on this PC. ``url`` "" turns it off. An
        address that would send children's voices in the clear is refused."""
        if session.expired:
            raise SessionExpired()
        if not session.is_admin:
            raise NotAllowed()
        if self._secrets is None or self.remote_url_locked:
            raise NotAllowed()
        url = url.strip()
        if url:
            check_remote_url(url)
        self._secrets.set(REMOTE_URL_NAME, url)
        if key is not None:
            self._secrets.set(REMOTE_KEY_NAME, key.strip())
        with self._lock:   # the next check and recording use the new service
            self._remotes.clear()
            self._remote_up_until.clear()

    def remote_status(self, language: str) -> tuple[bool, str]:
        """Is the online service for ``language`` reachable now, and if not, why? (The
        window of a PC with ``tutor service`` asks here: the key is on this side.)"""
        engine = self.remote_engine(language)
        if engine is None:
            return False, "not configured"
        ok = not engine.known_down and engine.probe()
        return ok, engine.last_error

    def transcribe_remote(self, session: Any, pcm: bytes, language: str) -> str:
        """A signed-in student's recording, made in a window connected to ``tutor
        service``, recognised by the online service with the school's key, which stays
        here. As long as the window's own recordings may be (60 s)."""
        if session.expired:
            raise SessionExpired()
        if seconds(pcm) > MAX_SECONDS + 1:
            raise TutorError("speech_file_too_long", seconds=f"{MAX_SECONDS:.0f}")
        engine = self.remote_engine(language)
        if engine is None:
            raise TutorError("speech_unavailable")
        return engine.transcribe(pcm)

    def remote_engine(self, language: str) -> RemoteEngine | None:
        """The configured online service, or None (not configured or an unsafe URL)."""
        url = self.remote_url()
        if not url:
            return None
        with self._lock:
            if language not in self._remotes:
                key = None
                if self._secrets is not None:
                    try:
                        key = self._secrets.get(REMOTE_KEY_NAME)
                    except Exception:  # an unreadable store must not stop local speech
                        key = None
                timeout, probe_timeout, retry = self._remote_timeouts
                try:
                    engine: RemoteEngine | None = RemoteEngine(
                        url, language, key, timeout_s=timeout, probe_timeout_s=probe_timeout,
                        retry_after_s=retry)
                except TutorError:
                    engine = None
                self._remotes[language] = engine
            return self._remotes[language]

    def _remote_usable(self, engine: RemoteEngine, check: bool) -> bool:
        if engine.known_down:
            return False
        if not check or time.monotonic() < self._remote_up_until.get(engine.language, 0.0):
            return True
        if engine.probe():
            self._remote_up_until[engine.language] = time.monotonic() + REMOTE_UP_FOR_S
            return True
        return False

    def engines(self, language: str, model_dir: Path | None = None,
                check_remote: bool = False) -> list[SpeechEngine]:
        """Recognisers to try for ``language``, preferred first."""
        chosen: list[SpeechEngine] = []
        local = self.local_engine(language, model_dir)
        if local is not None and local.state != "failed":
            chosen.append(local)
        if model_dir is None:
            remote = self.remote_engine(language)
            # Probe the network only when nothing local can do it (the probe may take seconds).
            if remote is not None and self._remote_usable(remote, check_remote and not chosen):
                chosen.append(remote)
        return chosen

    # --- availability -----------------------------------------------------------------

    def recognition_availability(self, language: str, check_remote: bool = True) -> Availability:
        """Can anything recognise ``language``? (Enough for importing a WAV.)

        May make one short network request: call it off the GUI thread.
        """
        engines = self.engines(language, check_remote=check_remote)
        if engines:
            return Availability(True, "speech_ready", recognizer=engines[0].name)
        remote = self.remote_engine(language)
        if remote is not None:
            return Availability(False, "speech_remote_down", detail=remote.last_error)
        local = self.local_engine(language)
        if local is not None and local.state == "failed":
            return Availability(False, "speech_model_broken", detail=str(local.path))
        return Availability(False, "speech_unavailable")

    def availability(self, language: str, check_remote: bool = True) -> Availability:
        """Can the student talk to the mic button now? The first obstacle is the reason."""
        recognition = self.recognition_availability(language, check_remote)
        if not recognition.available:
            return recognition
        mic = self.microphone()
        if not mic.ok:
            return Availability(False, mic.message_id, detail=mic.reason)
        return recognition

    def preload(self, language: str) -> None:
        """Start loading the local model now, so the first question does not wait."""
        local = self.local_engine(language)
        if local is not None:
            local.prepare()

    # --- recognising ------------------------------------------------------------------

    def transcribe_pcm(self, pcm: bytes, language: str, grammar: Sequence[str] | None = None,
                       model_dir: Path | None = None,
                       engines: Sequence[SpeechEngine] | None = None) -> Transcription:
        """Recognise a whole utterance, falling back to the next recogniser on failure."""
        started = time.perf_counter()
        candidates = list(engines) if engines is not None else self.engines(language, model_dir)
        if not candidates:
            raise self._nothing_available(language)
        last_error: TutorError | None = None
        for engine in candidates:
            try:
                recognizer = engine.recognizer(grammar, partials=False)
                for start in range(0, len(pcm), 8000):  # 0.25 s, as if it streamed in
                    recognizer.accept(pcm[start: start + 8000])
                text = recognizer.final()
            except SpeechGrammarEmpty:
                raise
            except TutorError as error:
                last_error = error
                continue
            return Transcription(text=text, recognizer=recognizer.name, language=language,
                                 audio_seconds=seconds(pcm),
                                 processing_seconds=time.perf_counter() - started)
        assert last_error is not None
        raise last_error

    def transcribe_wav(self, path: str | Path, language: str,
                       grammar: Sequence[str] | None = None, model_dir: Path | None = None,
                       max_seconds: float | None = None, check: bool = True) -> Transcription:
        """Import path: any WAV, checked like a recording (too short, silent, too long)."""
        started = time.perf_counter()
        pcm, _info = load_wav(path)
        if max_seconds is not None and seconds(pcm) > max_seconds:
            raise TutorError("speech_file_too_long", seconds=f"{max_seconds:.0f}")
        if check:
            check_recording(pcm)
        result = self.transcribe_pcm(pcm, language, grammar, model_dir)
        return Transcription(text=result.text, recognizer=result.recognizer, language=language,
                             audio_seconds=result.audio_seconds,
                             processing_seconds=time.perf_counter() - started)

    def _nothing_available(self, language: str) -> TutorError:
        reason = self.recognition_availability(language, check_remote=False)
        return TutorError(reason.reason, reason=reason.detail)

    def recorder(self, on_limit: Callable[[], None] | None = None,
                 open_stream: Callable[[], InputStream] | None = None) -> Recorder:
        return Recorder(open_stream or self._open_stream, on_limit=on_limit)

    def live(self, language: str, grammar: Sequence[str] | None = None,
             on_partial: Callable[[str], None] | None = None,
             on_limit: Callable[[], None] | None = None,
             open_stream: Callable[[], InputStream] | None = None,
             model_dir: Path | None = None) -> LiveTranscription:
        """A push-to-talk recording recognised while the student speaks."""
        engines = self.engines(language, model_dir)
        if not engines:
            raise self._nothing_available(language)
        return LiveTranscription(self, self.recorder(on_limit, open_stream), engines, language,
                                 grammar, on_partial)

    # --- reporting --------------------------------------------------------------------

    def describe(self, languages: Sequence[str] = ("mn", "en")) -> dict[str, Any]:
        """For ``tutor doctor``: microphone, model folders per language, remote service."""
        mic = self.microphone(refresh=True)
        models = {lang: [str(p) for p in self.vosk_models(lang)] for lang in languages}
        return {
            "microphone": {"state": mic.state, "device": mic.device, "reason": mic.reason},
            "model_dirs": [str(d) for d in self.model_dirs],
            "vosk_models": models,
            "remote_stt_url": self.config.remote_stt_url,
        }

    def close(self) -> None:
        """Models are shared process-wide and freed at exit; nothing to release here."""


class LiveTranscription:
    """One push-to-talk recording, recognised while it is being spoken.

    :meth:`run` blocks (call it on a worker thread): it starts the microphone,
    feeds blocks to the recogniser as they arrive, and returns the transcript
    once :meth:`stop` is called from any thread (button released) or the 60 s
    limit is reached. Audio captured while the model is still loading is kept
    and recognised once it is ready.
    """

    def __init__(self, service: SpeechService, recorder: Recorder,
                 engines: Sequence[SpeechEngine], language: str,
                 grammar: Sequence[str] | None,
                 on_partial: Callable[[str], None] | None) -> None:
        self._service = service
        self.recorder = recorder
        self._engines = list(engines)
        self.language = language
        self._grammar = grammar
        self._on_partial = on_partial
        self.stop_requested_at: float | None = None

    @property
    def level(self) -> float:
        return self.recorder.level

    def stop(self) -> None:
        """The student let go: finish up (returns at once)."""
        if self.stop_requested_at is None:
            self.stop_requested_at = time.perf_counter()
        self.recorder.request_stop()

    def run(self) -> Transcription:
        self.recorder.start()
        try:
            return self._recognise()
        finally:
            self.recorder.request_stop()  # whatever happened, the microphone is released

    def _recognise(self) -> Transcription:
        started = time.perf_counter()
        recognizer: SpeechRecognizer | None = None
        try:
            recognizer = self._engines[0].recognizer(self._grammar,
                                                     partials=self._on_partial is not None)
        except TutorError as error:  # the local model failed to load: next one at the end
            if isinstance(error, SpeechGrammarEmpty) or len(self._engines) < 2:
                raise
        shown = ""
        while (chunk := self.recorder.chunks.get()) is not None:
            if recognizer is not None:
                text = recognizer.accept(chunk)
                if self._on_partial is not None and text != shown:
                    shown = text
                    self._on_partial(text)
        recording = self.recorder.result()  # too short, silent or a lost device -> TutorError
        if recognizer is not None:
            try:
                text = recognizer.final()
                return Transcription(text, recognizer.name, self.language, recording.seconds,
                                     time.perf_counter() - started, recording.capped)
            except TutorError:
                if len(self._engines) < 2:
                    raise
        result = self._service.transcribe_pcm(recording.pcm, self.language, self._grammar,
                                              engines=self._engines[1:])
        return Transcription(result.text, result.recognizer, self.language, recording.seconds,
                             time.perf_counter() - started, recording.capped)
