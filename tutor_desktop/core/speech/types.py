"""The contract between capture, recognisers and the UI.

A :class:`SpeechRecognizer` is one utterance: the capture loop feeds it 16 kHz
mono PCM16 chunks as they arrive and shows the partial text it returns, then
asks for the final text once the student lets go of the button. An
:class:`SpeechEngine` makes recognisers (a loaded Vosk model, a remote service),
so an expensive model is loaded once and shared by every utterance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@runtime_checkable
class SpeechRecognizer(Protocol):
    """One utterance being recognised; used from one thread at a time."""

    @property
    def name(self) -> str:
        """Shown to IT staff and stored with the transcript, e.g. ``vosk:vosk-model-small-en``."""
        ...

    @property
    def language(self) -> str: ...

    def accept(self, pcm: bytes) -> str:
        """Feed a chunk; return the text heard so far (may be "" or lag behind)."""
        ...

    def final(self) -> str:
        """End the utterance and return the whole transcript (may be "")."""
        ...


class SpeechEngine(Protocol):
    """Makes recognisers for one language; ``prepare`` starts any slow loading early."""

    @property
    def name(self) -> str: ...

    @property
    def language(self) -> str: ...

    @property
    def local(self) -> bool:
        """True when no audio leaves the computer."""
        ...

    def prepare(self) -> None:
        """Start loading in the background; returns at once."""
        ...

    def recognizer(self, grammar: Sequence[str] | None = None,
                   partials: bool = True) -> SpeechRecognizer:
        """A fresh recogniser; may block until the model is loaded (call off the GUI thread).

        ``grammar`` restricts recognition to these words or phrases (young students
        answering with numbers, scripted checks). ``partials=False`` skips live text.
        """
        ...


@dataclass(frozen=True)
class Transcription:
    """The result of one recording or file; ``text`` is for the student to correct."""

    text: str
    recognizer: str
    language: str
    audio_seconds: float
    processing_seconds: float
    capped: bool = False  # the 60 s limit cut the recording

    def as_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "recognizer": self.recognizer,
            "audio_seconds": round(self.audio_seconds, 3),
            "processing_seconds": round(self.processing_seconds, 3),
        }
