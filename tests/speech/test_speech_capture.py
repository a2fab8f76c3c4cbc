"""Capture without a model: WAV import, too short / silent, the 60 s cap, microphone probes."""

from __future__ import annotations

import wave
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from speech_audio import HELLO, MakeService, fixed_probe, quiet_noise, silence, speak, tone, trim

from tutor_desktop.core.i18n import TutorError, tr
from tutor_desktop.core.speech import (
    MicStatus,
    PcmInputStream,
    Recorder,
    load_wav,
    probe_microphone,
)


def _pcm(path: Path) -> bytes:
    with wave.open(str(path)) as wav:
        return wav.readframes(wav.getnframes())


def _dominant_hz(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.argmax(spectrum) * 16000 / samples.size)


# --- WAV import -------------------------------------------------------------------------

@pytest.mark.parametrize(("rate", "channels", "encoding", "bits"), [
    (44100, 2, "signed-integer", 16),
    (48000, 1, "floating-point", 32),
    (22050, 2, "signed-integer", 24),
    (8000, 1, "unsigned-integer", 8),
    (16000, 1, "signed-integer", 32),
    (96000, 2, "floating-point", 64),
])
def test_any_pcm_or_float_wav_becomes_16k_mono_with_the_same_sound(
        rate: int, channels: int, encoding: str, bits: int) -> None:
    path = tone(1.5, rate=rate, channels=channels, encoding=encoding, bits=bits, freq=440)
    pcm, info = load_wav(path)
    assert (info.sample_rate, info.channels) == (rate, channels)
    assert len(pcm) / 32000 == pytest.approx(1.5, abs=0.002)
    assert _dominant_hz(pcm) == pytest.approx(440, abs=2)
    peak = np.abs(np.frombuffer(pcm, dtype="<i2")).max() / 32768
    assert peak == pytest.approx(0.5, abs=0.05)  # level kept through resampling


def test_espeak_wav_at_22k_is_imported_like_sox_would_resample_it() -> None:
    ours, info = load_wav(speak(HELLO, raw=True))
    theirs = _pcm(speak(HELLO))
    assert info.sample_rate == 22050
    assert abs(len(ours) - len(theirs)) <= 4
    a = np.frombuffer(ours, dtype="<i2").astype(np.float64)
    b = np.frombuffer(theirs, dtype="<i2").astype(np.float64)[: a.size]
    assert np.corrcoef(a[: b.size], b)[0, 1] > 0.95


def test_unsupported_files_are_rejected_with_a_clear_message(tmp_path: Path) -> None:
    alaw = tone(0.5, rate=8000, channels=1, encoding="a-law", bits=8)
    with pytest.raises(TutorError) as info:
        load_wav(alaw)
    assert info.value.message_id == "speech_wav_unsupported"
    assert "A-law" in info.value.message("en")
    assert "WAV" in info.value.message("mn")

    mp3ish = tmp_path / "question.wav"
    mp3ish.write_bytes(b"ID3\x04\x00" + bytes(500))
    with pytest.raises(TutorError) as info:
        load_wav(mp3ish)
    assert "not a WAV" in info.value.message("en")

    with pytest.raises(TutorError) as info:
        load_wav(tmp_path / "missing.wav")
    assert info.value.message_id == "speech_file_missing"


# --- too short, silent, 60 s ------------------------------------------------------------

def _record(pcm: bytes, **kwargs: object) -> Recorder:
    stream = PcmInputStream(pcm)
    recorder = Recorder(lambda: stream, **kwargs)  # type: ignore[arg-type]
    recorder.start()
    assert stream.exhausted.wait(10)
    return recorder


def test_a_press_shorter_than_half_a_second_is_rejected_with_a_hint() -> None:
    short = _pcm(trim(speak(HELLO), 0.3))
    recorder = Recorder(lambda: PcmInputStream(short))
    recorder.start()
    recorder.request_stop()  # let go at once: only what was captured counts
    with pytest.raises(TutorError) as info:
        recorder.result()
    assert info.value.message_id == "speech_too_short"
    assert "Hold the button" in info.value.message("en")


@pytest.mark.parametrize("source", ["digital zero", "room noise"])
def test_silence_is_rejected_with_a_hint(source: str) -> None:
    path = silence(2.0) if source == "digital zero" else quiet_noise(2.0)
    recorder = _record(_pcm(path))
    with pytest.raises(TutorError) as info:
        recorder.stop()
    assert info.value.message_id == "speech_silent"
    assert info.value.message("mn").startswith("Юу ч сонсогдсонгүй")


def test_speech_passes_the_checks_and_the_meter_moves() -> None:
    speech = _pcm(speak(HELLO))
    stream = PcmInputStream(speech, realtime=True)
    recorder = Recorder(lambda: stream)
    recorder.start()
    levels = []
    while not stream.exhausted.is_set():
        levels.append(recorder.level)
        stream.exhausted.wait(0.05)
    recording = recorder.stop()
    assert recording.seconds >= len(speech) / 32000
    assert max(levels) > 0.05  # the meter showed the student's voice
    assert recorder.level == 0.0  # and drops when recording ends


def test_recording_stops_by_itself_at_60_seconds() -> None:
    long_speech = _pcm(speak(HELLO)) * 14  # ~70 s
    limits: list[bool] = []
    stream = PcmInputStream(long_speech)
    recorder = Recorder(lambda: stream, on_limit=lambda: limits.append(True))
    recorder.start()
    assert recorder.wait(10), "the recorder must stop without being told"
    recording = recorder.result()
    assert recording.capped and limits == [True]
    assert recording.seconds == pytest.approx(60.0)
    assert not stream.exhausted.is_set()


# --- microphone probe -------------------------------------------------------------------

def test_probe_without_portaudio_reports_it_in_both_languages() -> None:
    def no_portaudio():  # what `import sounddevice` does without libportaudio2
        raise OSError("PortAudio library not found")

    status = probe_microphone(no_portaudio)
    assert status == MicStatus("no_portaudio", "PortAudio library not found")
    assert "PortAudio" in tr(status.message_id, "en")
    assert "PortAudio" in tr(status.message_id, "mn")


def test_probe_without_an_input_device_reports_no_microphone() -> None:
    class PortAudioError(Exception):
        pass

    def query_devices(kind: str) -> dict[str, object]:
        raise PortAudioError("Error querying device -1")

    fake = SimpleNamespace(PortAudioError=PortAudioError, query_devices=query_devices)
    status = probe_microphone(lambda: fake)  # type: ignore[arg-type, return-value]
    assert status.state == "no_device" and not status.ok
    assert tr(status.message_id, "mn") == (
        "Микрофон олдсонгүй. Микрофон залгах эсвэл текстээр бичнэ үү.")


def test_microphone_checks_from_several_threads_never_restart_portaudio_at_once() -> None:
    """Two windows (or a check beside a rescan) each probe on a thread of their own;
    PortAudio restarted under itself crashed the whole process in Pa_Initialize."""
    import threading
    import time

    inside = 0
    most = 0
    count = threading.Lock()

    def in_portaudio(*_args: object, **_kwargs: object) -> dict[str, object]:
        nonlocal inside, most
        with count:
            inside += 1
            most = max(most, inside)
        time.sleep(0.02)
        with count:
            inside -= 1
        return {"name": "mic", "max_input_channels": 1}

    fake = SimpleNamespace(_terminate=in_portaudio, _initialize=in_portaudio,
                           query_devices=in_portaudio, check_input_settings=in_portaudio)
    states: list[str] = []
    threads = [threading.Thread(target=lambda: states.append(
        probe_microphone(lambda: fake, rescan=True).state))  # type: ignore[arg-type, return-value]
        for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert states == ["ok"] * 4
    assert most == 1


def test_probe_on_this_machine_never_raises_and_recording_fails_cleanly() -> None:
    status = probe_microphone()
    assert status.state in ("ok", "no_portaudio", "no_device", "error")
    if status.ok:
        pytest.skip("this computer has a microphone")
    recorder = Recorder()
    with pytest.raises(TutorError) as info:
        recorder.start()  # the real default input: PortAudioError or OSError, translated
    assert info.value.message_id == "speech_mic_error"


def test_unusable_microphone_disables_voice_but_not_file_import(
        make_service: MakeService) -> None:
    for state, message_id in (("no_portaudio", "speech_no_portaudio"),
                              ("no_device", "speech_no_microphone")):
        service = make_service(probe=fixed_probe(state, "simulated"))
        available, reason = service.availability("ko")
        assert (available, reason) == (False, message_id)
        assert service.recognition_availability("ko").available  # WAV import still works
    assert make_service(probe=fixed_probe("ok")).availability("ko").available


def test_doctor_says_which_languages_have_a_speech_model(tmp_path: Path,
                                                         ko_model_dir: Path) -> None:
    from tutor_desktop.core.config import Config
    from tutor_desktop.core.doctor import Status
    from tutor_desktop.core.paths import AppPaths
    from tutor_desktop.core.speech import SpeechService
    from tutor_desktop.core.speech.doctor_checks import speech_checks

    paths = AppPaths(data_dir=tmp_path, config_dir=tmp_path)
    paths.user_models_dir.mkdir()
    # Stand-in for an English model IT staff unzipped (structure is what doctor checks).
    (paths.user_models_dir / "vosk-model-small-en-us-0.15").symlink_to(ko_model_dir)
    speech = SpeechService(Config(), [paths.user_models_dir])
    checks = {c.name: c for c in speech_checks(speech, Config())}
    assert checks["speech:en"].status is Status.OK
    assert checks["speech:mn"].status is Status.WARN
    assert "remote_stt_url" in checks["speech:mn"].hint
    bad = speech_checks(speech, Config(remote_stt_url="http://stt.example.org"))
    assert [c.status for c in bad if c.name == "speech:remote"] == [Status.FAIL]
