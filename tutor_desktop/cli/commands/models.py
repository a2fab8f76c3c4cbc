"""``tutor models``: install and list model files (filled by the tutor issue)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("models", help="list and install model files")
    parser.set_defaults(handler=handler)


def handler(args: argparse.Namespace) -> int:
    print("Model management is not installed yet.", file=sys.stderr)
    return 1
