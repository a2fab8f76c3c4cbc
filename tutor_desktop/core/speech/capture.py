"""Microphone capture without Qt: probe, record, meter, limits.

``import sounddevice`` raises ``OSError`` when the PortAudio library is
missing, and PortAudio raises ``PortAudioError`` when the PC has no input
device. Lab PCs have both problems, so :func:`probe_microphone` turns them into
a status the UI can show, and nothing here lets them crash the app.

A :class:`Recorder` pulls 50 ms blocks from a ``sounddevice.RawInputStream``
(16 kHz mono int16) on its own thread, keeps the latest level for the meter,
hands each block to a queue for the recogniser and stops itself at 60 s.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal, Protocol

from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.speech.audio import (
    BYTES_PER_SAMPLE,
    BYTES_PER_SECOND,
    MAX_SECONDS,
    MIN_SECONDS,
    SAMPLE_RATE,
    SILENCE_RMS,
    check_recording,
    rms_level,
)

BLOCK_FRAMES = SAMPLE_RATE // 20  # 50 ms: the meter moves smoothly, release feels instant

MicState = Literal["ok", "no_portaudio", "no_device", "error"]

_MESSAGE_IDS: dict[str, str] = {
    "ok": "speech_ready",
    "no_portaudio": "speech_no_portaudio",
    "no_device": "speech_no_microphone",
    "error": "speech_mic_error",
}


@dataclass(frozen=True)
class MicStatus:
    """What the microphone probe found; ``reason`` is the technical detail for IT staff."""

    state: MicState
    reason: str = ""
    device: str = ""

    @property
    def ok(self) -> bool:
        return self.state == "ok"

    @property
    def message_id(self) -> str:
        return _MESSAGE_IDS[self.state]


def load_sounddevice() -> ModuleType:
    """Import sounddevice (raises OSError without PortAudio)."""
    import importlib

    return importlib.import_module("sounddevice")


#: PortAudio's initialise/terminate and its device queries are not thread-safe: two
#: microphone checks at once (two windows, or a check beside a rescan) restarted it under
#: each other and crashed the process inside ``Pa_Initialize``. Every probe holds this.
_PORTAUDIO_LOCK = threading.Lock()


def _rescan(sd: ModuleType) -> None:
    """PortAudio lists devices only when initialised: restart it to see a new headset."""
    terminate, initialize = getattr(sd, "_terminate", None), getattr(sd, "_initialize", None)
    if callable(terminate) and callable(initialize):
        with contextlib.suppress(Exception):
            terminate()
            initialize()


def probe_microphone(loader: Callable[[], ModuleType] = load_sounddevice,
                     rescan: bool = False) -> MicStatus:
    """Can we record 16 kHz mono from the default input? Never raises.

    ``rescan`` re-reads the device list (only while no recording is running).
    """
    try:
        sd = loader()
    except (OSError, ImportError) as exc:
        return MicStatus("no_portaudio", str(exc))
    with _PORTAUDIO_LOCK:
        return _probe(sd, rescan)


def _probe(sd: ModuleType, rescan: bool) -> MicStatus:
    if rescan:
        _rescan(sd)
    port_audio_error: type[BaseException] = getattr(sd, "PortAudioError", OSError)
    try:
        info: Any = sd.query_devices(kind="input")
    except (port_audio_error, ValueError) as exc:
        return MicStatus("no_device", str(exc))
    except Exception as exc:
        return MicStatus("error", str(exc) or type(exc).__name__)
    name = str(info.get("name", "")) if isinstance(info, dict) else ""
    if isinstance(info, dict) and int(info.get("max_input_channels", 0)) < 1:
        return MicStatus("no_device", f"{name} has no input channels", name)
    try:
        sd.check_input_settings(channels=1, dtype="int16", samplerate=SAMPLE_RATE)
    except Exception as exc:
        return MicStatus("error", str(exc) or type(exc).__name__, name)
    return MicStatus("ok", "", name)


class InputStream(Protocol):
    """The part of ``sounddevice.RawInputStream`` the recorder uses."""

    def start(self) -> None: ...
    def read(self, frames: int) -> tuple[Any, bool]: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


def open_default_input(loader: Callable[[], ModuleType] = load_sounddevice) -> InputStream:
    """The default microphone as 16 kHz mono int16 (raises if it cannot be opened)."""
    sd = loader()
    stream: InputStream = sd.RawInputStream(samplerate=SAMPLE_RATE, channels=1, dtype="int16",
                                            blocksize=BLOCK_FRAMES)
    return stream


class PcmInputStream:
    """Plays prepared 16 kHz PCM as if it came from a microphone.

    For the benchmark, scripted checks and tests on PCs without a microphone.
    With ``realtime`` it delivers blocks at the speed of speech, otherwise as
    fast as they are read. After the audio it returns silence like a quiet room,
    always at the speed of a real microphone, and sets :attr:`exhausted`.
    """

    def __init__(self, pcm: bytes, realtime: bool = False) -> None:
        self._pcm = pcm
        self._pos = 0
        self._realtime = realtime
        self._clock = 0.0
        self.exhausted = threading.Event()

    def start(self) -> None:
        self._clock = time.monotonic()

    def read(self, frames: int) -> tuple[bytes, bool]:
        size = frames * BYTES_PER_SAMPLE
        block = self._pcm[self._pos: self._pos + size]
        self._pos += size
        ended = len(block) < size
        if ended:
            block += bytes(size - len(block))
        if self._realtime or self.exhausted.is_set():
            self._clock += frames / SAMPLE_RATE
            delay = self._clock - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        if ended and not self.exhausted.is_set():
            self._clock = max(self._clock, time.monotonic())
            self.exhausted.set()  # the last of the audio is being delivered now
        return block, False

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class Recording:
    pcm: bytes
    seconds: float
    capped: bool


class Recorder:
    """Records from an input stream on a thread until :meth:`stop` or the 60 s limit.

    Blocks go to :attr:`chunks` (``None`` marks the end) for a recogniser to
    consume while the student speaks; :attr:`level` is the latest RMS for the meter.
    Stopping ends the recording at once: the block still being captured when
    the student lets go is dropped rather than waited for (up to 50 ms saved
    on every transcript).
    """

    def __init__(self, open_stream: Callable[[], InputStream] = open_default_input,
                 max_seconds: float = MAX_SECONDS, min_seconds: float = MIN_SECONDS,
                 silence_rms: float = SILENCE_RMS,
                 on_limit: Callable[[], None] | None = None) -> None:
        self._open_stream = open_stream
        self.max_seconds = max_seconds
        self.min_seconds = min_seconds
        self.silence_rms = silence_rms
        self.on_limit = on_limit
        self.chunks: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.level = 0.0
        self.capped = False
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._ended = False  # no more audio is accepted; None has been queued
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def seconds(self) -> float:
        return len(self._buffer) / BYTES_PER_SECOND

    @property
    def recording(self) -> bool:
        return self._thread is not None and not self._ended

    def start(self) -> None:
        """Open the microphone and start recording; raises ``speech_mic_error`` if it cannot."""
        if self._thread is not None:
            raise RuntimeError("a Recorder records once")
        try:
            stream = self._open_stream()
            stream.start()
        except Exception as exc:  # PortAudioError, OSError: unplugged since the probe
            raise TutorError("speech_mic_error", reason=str(exc) or type(exc).__name__) from exc
        self._thread = threading.Thread(target=self._run, args=(stream,), name="speech-capture",
                                        daemon=True)
        self._thread.start()

    def _end(self, error: BaseException | None = None) -> bool:
        """Close the recording (once); call with the lock held. True if this call ended it."""
        if self._ended:
            return False
        self._ended = True
        self._error = error
        self.level = 0.0
        self.chunks.put(None)
        return True

    def _run(self, stream: InputStream) -> None:
        limit = int(self.max_seconds * SAMPLE_RATE) * BYTES_PER_SAMPLE
        capped = False
        try:
            while not self._ended:
                data, _overflowed = stream.read(BLOCK_FRAMES)
                with self._lock:
                    if self._ended:
                        break  # let go while this block was being captured
                    block = bytes(data)[: limit - len(self._buffer)]
                    self._buffer += block
                    self.level = rms_level(block)
                    self.chunks.put(block)
                    if len(self._buffer) >= limit:
                        self.capped = capped = self._end()
            if capped and self.on_limit is not None:
                self.on_limit()
        except Exception as exc:  # the device vanished mid-recording
            with self._lock:
                self._end(exc)
        finally:
            for step in (stream.stop, stream.close):
                with contextlib.suppress(Exception):
                    step()
            with self._lock:
                self._end()

    def request_stop(self) -> None:
        """End the recording now (safe from any thread, returns at once)."""
        with self._lock:
            self._end()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the capture thread has closed the stream; True if it has."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def result(self) -> Recording:
        """The recording, checked: raises ``speech_too_short`` / ``speech_silent`` / mic errors.

        Call after the end (``None`` taken from :attr:`chunks`, or :meth:`request_stop`).
        """
        with self._lock:
            if not self._ended:
                raise RuntimeError("the recording has not ended")
            pcm = bytes(self._buffer)
        if self._error is not None:
            raise TutorError("speech_mic_error", reason=str(self._error)) from self._error
        check_recording(pcm, self.min_seconds, self.silence_rms)
        return Recording(pcm=pcm, seconds=len(pcm) / BYTES_PER_SECOND, capped=self.capped)

    def stop(self) -> Recording:
        """Stop and return the checked recording."""
        self.request_stop()
        return self.result()
