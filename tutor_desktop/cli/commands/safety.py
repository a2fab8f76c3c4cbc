"""``tutor safety check "TEXT" [--json]``: what the safety check makes of a message.

For IT staff and teachers trying the check on a lab PC: the category (or "ordinary
message"), the score (1.0 for a pattern; the embedding margin over its threshold
otherwise) and what decided it. Nothing is stored and no one is told. Exit code 0 for
an ordinary message, 3 for a flagged one (scripts can test it).
"""

from __future__ import annotations

import argparse
import json

from tutor_desktop.cli.common import cli_language, open_services
from tutor_desktop.core.i18n import tr


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("safety", help="try the child-safety check on a message")
    actions = parser.add_subparsers(dest="safety_command", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="print the category and score of a message")
    check.add_argument("text")
    check.add_argument("--lang", choices=("mn", "en"), help="output language (default: LANG)")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(handler=handler)


def handler(args: argparse.Namespace) -> int:
    language = args.lang or cli_language()
    services = open_services(args)
    try:
        classifier = services.safety.classifier
        result = classifier.check(args.text)
        if args.json:
            print(json.dumps({
                "category": result.category, "score": round(result.score, 4),
                "source": result.source, "distress": result.distress,
                "detail": result.detail, "degraded": classifier.degraded,
                "margins": result.margins}, ensure_ascii=False))
        else:
            name = tr(f"safety_category_{result.category or 'none'}", language)
            source = result.source or ("patterns" if classifier.degraded else "patterns + e5")
            print(tr("safety_check_result", language, category=name,
                     score=f"{result.score:.3f}", source=source))
            if result.detail:
                print(f"  {result.detail}")
            if classifier.degraded:
                print(tr("safety_degraded", language))
        return 3 if result.flagged else 0
    finally:
        services.close()
