"""The one-line sync state for the status panel and ``tutor doctor``:
"synced 3 min ago · 2 waiting"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tutor_desktop.core.doctor import Check, Status
from tutor_desktop.core.i18n import tr

STALE_AFTER_HOURS = 24


def _ago(stamp: str, now: datetime) -> tuple[str, float]:
    then = datetime.fromisoformat(stamp)
    minutes = max(0.0, (now - then).total_seconds() / 60)
    if minutes < 90:
        return f"{round(minutes)} min", minutes
    if minutes < 48 * 60:
        return f"{round(minutes / 60)} h", minutes
    return f"{round(minutes / 1440)} d", minutes


def status_line(status: dict[str, Any], language: str = "en",
                now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    last = status.get("last_sync_at")
    if not last:
        return tr("sync_status_never", language, waiting=status.get("waiting", 0))
    ago, _ = _ago(str(last), now)
    return tr("sync_status_line", language, ago=ago, waiting=status.get("waiting", 0))


def doctor_check(status: dict[str, Any], now: datetime | None = None) -> Check:
    """OK when synced within a day; WARN when not enrolled, stale, or the last try failed."""
    now = now or datetime.now(UTC)
    line = status_line(status, "en", now)
    if not status.get("enrolled"):
        return Check("sync", Status.WARN, f"not enrolled · {status.get('waiting', 0)} waiting",
                     "tutor sync enroll --url URL --code CODE (or a USB stick: tutor sync "
                     "export/import)")
    detail = f"{line} · {status.get('server')}"
    if status.get("last_error"):
        return Check("sync", Status.WARN, f"{detail} · last try: {status['last_error']}",
                     "Changes wait on this PC; check the network or run: tutor sync now")
    last = status.get("last_sync_at")
    if not last or _ago(str(last), now)[1] > STALE_AFTER_HOURS * 60:
        return Check("sync", Status.WARN, detail, "Run: tutor sync now")
    return Check("sync", Status.OK, detail)


def notice_text(note: dict[str, Any], language: str = "en") -> str:
    """A notice of core/sync/merge.py (a ``row_merges`` row) in the reader's language."""
    detail = dict(note.get("detail") or {})
    kind, entity = str(note.get("kind")), str(note.get("entity"))
    if kind == "merged":
        message_id = f"sync_notice_merged_{entity}"
        return tr(message_id, language, name=detail.get("name", ""),
                  into=detail.get("into", ""))
    if kind == "renamed":
        return tr("sync_notice_renamed", language, name=detail.get("name", ""),
                  username=detail.get("username", ""),
                  new_username=detail.get("new_username", ""))
    return tr("sync_notice_duplicate", language, name=detail.get("name", ""))
