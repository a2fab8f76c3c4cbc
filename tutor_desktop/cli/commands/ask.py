"""``tutor ask``: answer one question (filled by the tutor issue)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("ask", help="answer one question and exit")
    parser.add_argument("question")
    parser.set_defaults(handler=handler)


def handler(args: argparse.Namespace) -> int:
    print("Answering needs the local model engine, which is not installed yet.", file=sys.stderr)
    return 1
