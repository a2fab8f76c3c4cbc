"""Errors a teacher or IT person reads when an import cannot go ahead."""

from __future__ import annotations

from typing import Any

from tutor_desktop.core.i18n import TutorError


class LibraryError(TutorError):
    """A translated library error; ``file`` names the book when there is one."""

    def __init__(self, message_id: str, **params: Any) -> None:
        super().__init__(message_id, **params)


class ImportCancelled(LibraryError):
    """The user cancelled; everything the import had written is gone again."""

    def __init__(self, file: str = "") -> None:
        super().__init__("library_import_cancelled", file=file)


class ImportSuspended(LibraryError):
    """The app is closing: the import stopped between batches and resumes next time."""

    def __init__(self, file: str = "") -> None:
        super().__init__("library_import_paused", file=file)
