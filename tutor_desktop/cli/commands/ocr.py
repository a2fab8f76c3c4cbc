"""``tutor ocr``: read the text of a picture or a scanned PDF with this PC's Tesseract.

For IT staff checking that OCR works, and for teachers who want the text of a
scan: the same engine and image checks as the chat's "Add a picture" and the
textbook import.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tutor_desktop.cli.common import fail, open_services, print_recognised
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.ocr.document import recognise_file


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "ocr", help="read the text of a picture or scanned PDF",
        description="Recognise printed text in a PNG/JPG picture or every page of a PDF "
                    "with Tesseract on this computer.")
    parser.add_argument("file", help="a .png, .jpg or .pdf file")
    parser.add_argument("--lang", choices=("mn", "en", "both"),
                        help="language of the text (default: the app language)")
    parser.add_argument("--json", action="store_true",
                        help='print {"text", "confidence", "pages", "seconds"}')
    parser.set_defaults(handler=handler)


def handler(args: argparse.Namespace) -> int:
    services = open_services(args)
    try:
        language = args.lang or services.config.language
        try:
            result = recognise_file(services.ocr, Path(args.file), language)
        except TutorError as error:
            return fail(error)
        return print_recognised(
            args.json, result.as_json(), "" if result.empty else result.text, "ocr_no_text",
            f"[{result.pages} page(s), confidence {result.confidence:.0%}, "
            f"{result.seconds:.1f} s]")
    finally:
        services.close()
