"""Identifiers and timestamps for rows that sync: UUIDs and UTC ISO-8601 strings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def new_id() -> str:
    """A random UUID: rows created offline on many PCs never collide when synced."""
    return str(uuid.uuid4())


def utc_now() -> str:
    """Now in UTC, ISO-8601 with milliseconds; sorts as text."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")
