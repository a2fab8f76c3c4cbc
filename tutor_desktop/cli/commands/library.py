"""``tutor library``: import and search textbooks (filled by the library issue)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("library", help="import, list and search textbooks")
    parser.set_defaults(handler=handler)


def handler(args: argparse.Namespace) -> int:
    print("The textbook library is not installed yet.", file=sys.stderr)
    return 1
