"""Voice questions: capture, offline (Vosk) and online recognition, availability.

GUI-free; the Qt layer (``ui/voice_input.py``) only presents. Importing this
package loads neither Vosk nor PortAudio: both are imported when first used,
so a PC without them still starts.
"""

from tutor_desktop.core.speech.audio import (
    MAX_SECONDS,
    MIN_SECONDS,
    SAMPLE_RATE,
    check_recording,
    load_wav,
    rms_level,
    wav_to_pcm,
)
from tutor_desktop.core.speech.capture import (
    InputStream,
    MicStatus,
    PcmInputStream,
    Recorder,
    Recording,
    probe_microphone,
)
from tutor_desktop.core.speech.remote import REMOTE_KEY_NAME, RemoteEngine
from tutor_desktop.core.speech.service import (
    Availability,
    LiveTranscription,
    SpeechService,
)
from tutor_desktop.core.speech.types import SpeechEngine, SpeechRecognizer, Transcription
from tutor_desktop.core.speech.vosk_engine import VoskEngine, find_vosk_models

__all__ = [
    "MAX_SECONDS",
    "MIN_SECONDS",
    "REMOTE_KEY_NAME",
    "SAMPLE_RATE",
    "Availability",
    "InputStream",
    "LiveTranscription",
    "MicStatus",
    "PcmInputStream",
    "Recorder",
    "Recording",
    "RemoteEngine",
    "SpeechEngine",
    "SpeechRecognizer",
    "SpeechService",
    "Transcription",
    "VoskEngine",
    "check_recording",
    "find_vosk_models",
    "load_wav",
    "probe_microphone",
    "rms_level",
    "wav_to_pcm",
]
