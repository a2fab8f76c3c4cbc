"""``tutor transcribe``: run a WAV through speech recognition (filled by the voice issue)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("transcribe", help="transcribe a WAV file")
    parser.add_argument("file")
    parser.set_defaults(handler=handler)


def handler(args: argparse.Namespace) -> int:
    print("Speech recognition is not installed yet.", file=sys.stderr)
    return 1
