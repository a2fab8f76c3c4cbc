"""``tutor chat``: the terminal tutor for headless machines (filled by the tutor issue)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("chat", help="the tutor in a terminal")
    parser.add_argument("--class", dest="class_name", help="class name (skip the menu)")
    parser.add_argument("--student", help="student name (skip the menu)")
    parser.set_defaults(handler=handler)


def defaults(args: argparse.Namespace) -> argparse.Namespace:
    """Chat arguments for ``tutor gui`` falling back to the terminal."""
    return argparse.Namespace(data_dir=args.data_dir, class_name=None, student=None)


def handler(args: argparse.Namespace) -> int:
    print("The terminal tutor needs the local model engine, which is not installed yet.",
          file=sys.stderr)
    return 1
