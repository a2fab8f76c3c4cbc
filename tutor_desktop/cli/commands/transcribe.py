"""``tutor transcribe``: run a WAV file through the app's speech pipeline.

For IT staff checking that a speech model works, and for scripted checks:
the file goes through the same WAV import, checks and recogniser choice as
the window's "Import WAV…" action.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tutor_desktop.cli.common import fail, open_services, print_recognised
from tutor_desktop.core.i18n import TutorError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "transcribe", help="transcribe a WAV file",
        description="Recognise speech in a WAV file (any rate, mono or stereo) with the "
                    "installed speech model, or the online service when configured.")
    parser.add_argument("file", help="a WAV file")
    parser.add_argument("--lang", help="language code of the speech (default: the app "
                                       "language), e.g. mn, en, ko")
    parser.add_argument("--model", metavar="DIR",
                        help="use this Vosk model folder instead of the models folders")
    parser.add_argument("--grammar", metavar="WORDS",
                        help='only recognise these words: "one two three", or phrases '
                             'separated by commas: "good morning, thank you"')
    parser.add_argument("--json", action="store_true",
                        help='print {"text", "recognizer", "audio_seconds", '
                             '"processing_seconds"}')
    parser.set_defaults(handler=handler)


def parse_grammar(raw: str | None) -> list[str] | None:
    if not raw or not raw.strip():
        return None
    parts = raw.split(",") if "," in raw else raw.split()
    return [" ".join(p.split()) for p in parts if p.strip()]


def handler(args: argparse.Namespace) -> int:
    services = open_services(args)
    try:
        speech = services.speech
        language = args.lang or services.config.language
        model = Path(args.model) if args.model else None
        try:
            result = speech.transcribe_wav(args.file, language, parse_grammar(args.grammar),
                                           model)
        except TutorError as error:
            return fail(error)
        return print_recognised(
            args.json, result.as_json(), result.text, "speech_nothing_heard",
            f"[{result.recognizer}: {result.audio_seconds:.1f} s of audio in "
            f"{result.processing_seconds:.2f} s]")
    finally:
        services.close()
