"""PCM helpers: the one audio format every recogniser gets, and WAV import.

Everything inside the speech pipeline is 16 kHz mono signed 16-bit little-endian
PCM (what Vosk models are trained on and what remote services accept). WAV files
come from phones, Audacity or teachers' recorders in any rate, channel count and
sample format, so :func:`load_wav` parses the RIFF container itself (the stdlib
``wave`` module rejects float and WAVE_FORMAT_EXTENSIBLE files, and ``audioop``
is gone in Python 3.13) and resamples with numpy.
"""

from __future__ import annotations

import io
import struct
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tutor_desktop.core.i18n import TutorError

SAMPLE_RATE = 16_000
BYTES_PER_SAMPLE = 2
BYTES_PER_SECOND = SAMPLE_RATE * BYTES_PER_SAMPLE

MIN_SECONDS = 0.5
MAX_SECONDS = 60.0
# A 30 ms frame louder than this (RMS, full scale = 1.0; about -46 dBFS) counts as sound.
# Speech into a classroom headset peaks around -30..-15 dBFS; a muted or unplugged
# input sits at digital zero or the noise floor well below -50 dBFS.
SILENCE_RMS = 0.005
_FRAME = int(SAMPLE_RATE * 0.03)

_FORMAT_PCM = 0x0001
_FORMAT_FLOAT = 0x0003
_FORMAT_EXTENSIBLE = 0xFFFE
_FORMAT_NAMES = {
    0x0002: "Microsoft ADPCM",
    0x0006: "A-law",
    0x0007: "µ-law",
    0x0011: "IMA ADPCM",
    0x0031: "GSM 6.10",
    0x0050: "MPEG",
    0x0055: "MP3",
}


def seconds(pcm: bytes) -> float:
    """Duration of 16 kHz mono PCM16 audio."""
    return len(pcm) / BYTES_PER_SECOND


def rms_level(pcm: bytes) -> float:
    """Loudness of a chunk for the level meter: RMS, 0.0 (silence) to 1.0 (full scale)."""
    if len(pcm) < BYTES_PER_SAMPLE:
        return 0.0
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.float32)
    return float(np.sqrt(np.mean(np.square(samples / 32768.0))))


def loudest_frame(pcm: bytes) -> float:
    """RMS of the loudest 30 ms frame: a click or a word is enough to count as sound."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.float32)
    if samples.size == 0:
        return 0.0
    usable = samples.size - samples.size % _FRAME
    if usable == 0:
        return rms_level(pcm)
    frames = (samples[:usable] / 32768.0).reshape(-1, _FRAME)
    return float(np.sqrt(np.mean(np.square(frames), axis=1)).max())


def check_recording(pcm: bytes, min_seconds: float = MIN_SECONDS,
                    silence_rms: float = SILENCE_RMS) -> None:
    """Reject what cannot hold a question, with a hint the student can act on."""
    duration = seconds(pcm)
    if duration < min_seconds:
        raise TutorError("speech_too_short", seconds=f"{duration:.1f}")
    if loudest_frame(pcm) < silence_rms:
        raise TutorError("speech_silent")


@dataclass(frozen=True)
class WavInfo:
    """What the file held before conversion (shown by ``tutor transcribe``)."""

    sample_rate: int
    channels: int
    bits: int
    encoding: str  # "pcm" or "float"


def _chunks(data: bytes) -> dict[bytes, tuple[int, int]]:
    """RIFF chunk id -> (offset, size) of the top-level chunks (first occurrence)."""
    found: dict[bytes, tuple[int, int]] = {}
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, offset)
        start = offset + 8
        if chunk_id == b"data" and (size == 0xFFFFFFFF or start + size > len(data)):
            size = len(data) - start  # streamed or truncated recording: take what is there
        found.setdefault(chunk_id, (start, size))
        offset = start + size + (size & 1)
    return found


def _unsupported(reason: str) -> TutorError:
    return TutorError("speech_wav_unsupported", reason=reason)


def decode_wav(data: bytes) -> tuple[npt.NDArray[np.float32], WavInfo]:
    """Samples as float32 in [-1, 1], shape (frames, channels), plus the source format."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        kind = "RF64" if data[:4] in (b"RF64", b"BW64") else "not a WAV (RIFF/WAVE) file"
        raise _unsupported(kind)
    chunks = _chunks(data)
    if b"fmt " not in chunks or b"data" not in chunks:
        raise _unsupported("no 'fmt ' or 'data' chunk")
    fmt_at, fmt_size = chunks[b"fmt "]
    if fmt_size < 16:
        raise _unsupported("damaged 'fmt ' chunk")
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack_from(
        "<HHIIHH", data, fmt_at)
    if tag == _FORMAT_EXTENSIBLE and fmt_size >= 40:
        tag = struct.unpack_from("<H", data, fmt_at + 24)[0]  # first bytes of SubFormat GUID
    if tag not in (_FORMAT_PCM, _FORMAT_FLOAT):
        name = _FORMAT_NAMES.get(tag, f"format code 0x{tag:04x}")
        raise _unsupported(f"{name} encoding")
    if channels < 1 or rate < 1000 or rate > 384_000:
        raise _unsupported(f"{channels} channels at {rate} Hz")
    width = block_align // channels if block_align else (bits + 7) // 8
    data_at, data_size = chunks[b"data"]
    raw = data[data_at: data_at + data_size - data_size % (width * channels)]
    if tag == _FORMAT_FLOAT:
        if width not in (4, 8):
            raise _unsupported(f"{bits}-bit float samples")
        samples = np.frombuffer(raw, dtype="<f4" if width == 4 else "<f8").astype(np.float32)
        encoding = "float"
    elif width == 1:
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
        encoding = "pcm"
    elif width == 2:
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
        encoding = "pcm"
    elif width == 3:
        triples = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        ints = np.where(ints & 0x800000, ints - 0x1000000, ints)
        samples = ints.astype(np.float32) / 8388608.0
        encoding = "pcm"
    elif width == 4:
        samples = (np.frombuffer(raw, dtype="<i4").astype(np.float64) / 2147483648.0).astype(
            np.float32)
        encoding = "pcm"
    else:
        raise _unsupported(f"{bits}-bit samples")
    frames = samples.reshape(-1, channels)
    return frames, WavInfo(sample_rate=rate, channels=channels, bits=bits, encoding=encoding)


def resample(mono: npt.NDArray[np.float32], rate: int,
             target: int = SAMPLE_RATE) -> npt.NDArray[np.float32]:
    """Band-limited resampling by the FFT (no scipy on lab PCs; exact for speech use)."""
    if rate == target or mono.size == 0:
        return mono
    out_len = max(1, round(mono.size * target / rate))
    spectrum = np.fft.rfft(mono.astype(np.float64))
    keep = out_len // 2 + 1
    if spectrum.size >= keep:
        spectrum = spectrum[:keep]
    else:
        spectrum = np.concatenate([spectrum, np.zeros(keep - spectrum.size, spectrum.dtype)])
    result = np.fft.irfft(spectrum, out_len) * (out_len / mono.size)
    return result.astype(np.float32)


def to_pcm16(mono: npt.NDArray[np.float32]) -> bytes:
    clipped = np.clip(np.round(mono * 32767.0), -32768, 32767).astype("<i2")
    return clipped.tobytes()


def wav_to_pcm(data: bytes) -> tuple[bytes, WavInfo]:
    """Any PCM or float WAV -> 16 kHz mono PCM16, with a clear error for anything else."""
    frames, info = decode_wav(data)
    if info.sample_rate == SAMPLE_RATE and info.channels == 1 and info.bits == 16 \
            and info.encoding == "pcm":
        _at, _size = _chunks(data)[b"data"]
        return data[_at: _at + frames.shape[0] * 2], info  # fast path: already right
    mono = frames.mean(axis=1, dtype=np.float32) if info.channels > 1 else frames[:, 0]
    return to_pcm16(resample(mono, info.sample_rate)), info


def load_wav(path: str | Path) -> tuple[bytes, WavInfo]:
    """Read a WAV file from disk (see :func:`wav_to_pcm`)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise TutorError("speech_file_missing", path=str(path)) from None
    except OSError as exc:
        raise TutorError("speech_file_unreadable", path=str(path), reason=exc.strerror) from exc
    return wav_to_pcm(data)


def pcm_to_wav(pcm: bytes) -> bytes:
    """Wrap 16 kHz mono PCM16 in a WAV container (for remote services and saved clips)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(BYTES_PER_SAMPLE)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm)
    return buffer.getvalue()
