"""Builds the safety guard for the composition root (one call, no heavy work here)."""

from __future__ import annotations

import os
from pathlib import Path

from tutor_desktop.core.accounts import AccountService
from tutor_desktop.core.embeddings.base import Embedder
from tutor_desktop.core.safety.classifier import SafetyClassifier
from tutor_desktop.core.safety.events import SafetyEventStore
from tutor_desktop.core.safety.fair_use import FairUse
from tutor_desktop.core.safety.guard import SafetyGuard
from tutor_desktop.core.storage import Database

# "0" runs the check on patterns only (a PC too weak for the embedder; `tutor doctor` warns).
ENV_EMBEDDINGS = "TUTOR_SAFETY_EMBEDDINGS"


def safety_guard(data_dir: Path, db: Database, accounts: AccountService,
                 embedder: Embedder | None) -> SafetyGuard:
    """The classifier (example vectors cached in ``<data>/safety``), events and fair use."""
    off_reason = ""
    if os.environ.get(ENV_EMBEDDINGS, "1").strip() == "0":
        embedder, off_reason = None, f"turned off ({ENV_EMBEDDINGS}=0)"
    classifier = SafetyClassifier(embedder, cache_dir=Path(data_dir) / "safety",
                                  off_reason=off_reason)
    return SafetyGuard(classifier, events=SafetyEventStore(db, accounts),
                       fair_use=FairUse(db, accounts))
