"""Real test audio: espeak-ng speaks, sox converts (apt: espeak-ng sox).

Files are written once into ``tests/.cache/speech`` (gitignored) and reused.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tutor_desktop.core.speech import MicStatus, SpeechService

MakeService = Callable[..., SpeechService]  # the make_service fixture

HELLO = "안녕하세요 선생님 오늘 날씨 좋아요"
SENTENCES = (
    HELLO,
    "하나 둘 셋 넷 다섯",
    "학생 학교 수학 공부 합니다",
    "고양이 강아지 나무 꽃 하늘",
    "어머니 아버지 친구 사람 사랑",
    "김치 밥 음식 물 감사합니다",
)

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "speech"

# espeak-ng settings measured to suit the PyPI Korean Vosk model best (slow, word gaps).
ESPEAK_ARGS = ("-s", "130", "-g", "8")


def _tools() -> None:
    missing = [t for t in ("espeak-ng", "sox") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"speech tests need {', '.join(missing)} (apt-get install espeak-ng sox)")


def _cached(key: str, suffix: str = ".wav") -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    return CACHE / (hashlib.sha1(key.encode()).hexdigest()[:16] + suffix)


def _partial(target: Path) -> Path:
    """A temporary name of this process's own: pytest-xdist workers may build the same file."""
    return target.with_suffix(f".{os.getpid()}.tmp.wav")


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


def speak(text: str, lang: str = "ko", raw: bool = False) -> Path:
    """``text`` spoken by espeak-ng; 16 kHz mono PCM16 unless ``raw`` (espeak's 22.05 kHz)."""
    _tools()
    source = _cached(f"espeak|{lang}|{ESPEAK_ARGS}|{text}", ".raw.wav")
    if not source.exists():
        tmp = _partial(source)
        _run("espeak-ng", "-v", lang, *ESPEAK_ARGS, "-w", str(tmp), text)
        tmp.replace(source)
    if raw:
        return source
    return sox(source, f"16k|{source.name}", "-r", "16000", "-c", "1", "-b", "16")


def sox(source: Path | None, key: str, *output_args: str, effects: tuple[str, ...] = ()) -> Path:
    """Run sox on ``source`` (or generate with ``-n``) into a cached WAV."""
    _tools()
    target = _cached(f"sox|{key}|{output_args}|{effects}")
    if not target.exists():
        src = ["-n"] if source is None else [str(source)]
        tmp = _partial(target)
        _run("sox", *src, *output_args, str(tmp), *effects)
        tmp.replace(target)
    return target


def silence(seconds: float) -> Path:
    """Digital silence (a muted input)."""
    return sox(None, f"silence{seconds}", "-r", "16000", "-c", "1", "-b", "16",
               effects=("trim", "0", str(seconds)))


def quiet_noise(seconds: float, volume: float = 0.001) -> Path:
    """A room's noise floor with nobody speaking (about -60 dBFS)."""
    return sox(None, f"noise{seconds}|{volume}", "-r", "16000", "-c", "1", "-b", "16",
               effects=("synth", str(seconds), "whitenoise", "vol", str(volume)))


def tone(seconds: float, rate: int = 44100, channels: int = 2, encoding: str = "signed-integer",
         bits: int = 16, freq: int = 440) -> Path:
    """A sine tone in any WAV format sox can write (for the import tests)."""
    return sox(None, f"tone{seconds}|{rate}|{channels}|{encoding}|{bits}|{freq}",
               "-r", str(rate), "-c", str(channels), "-e", encoding, "-b", str(bits),
               effects=("synth", str(seconds), "sine", str(freq), "vol", "0.5"))


def concat(paths: list[Path], key: str) -> Path:
    """Join 16 kHz mono WAVs into one (a long utterance)."""
    _tools()
    target = _cached(f"concat|{key}|{[p.name for p in paths]}")
    if not target.exists():
        tmp = _partial(target)
        _run("sox", *[str(p) for p in paths], str(tmp))
        tmp.replace(target)
    return target


def trim(source: Path, seconds: float) -> Path:
    """The first ``seconds`` of a recording (a press that was too short)."""
    return sox(source, f"trim{seconds}|{source.name}", "-r", "16000", "-c", "1", "-b", "16",
               effects=("trim", "0", str(seconds)))


def word_overlap(reference: str, hypothesis: str) -> float:
    """Share of the reference's words found in the hypothesis (order ignored)."""
    ref = reference.split()
    hyp = hypothesis.split()
    found = 0
    for word in ref:
        if word in hyp:
            hyp.remove(word)
            found += 1
    return found / len(ref)


def fixed_probe(state: str, reason: str = "") -> Callable[[], MicStatus]:
    """A probe that reports ``state`` (the PC's microphone situation)."""
    return lambda: MicStatus(state, reason, "test mic" if state == "ok" else "")  # type: ignore[arg-type]
