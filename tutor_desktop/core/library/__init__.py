"""The textbook library: PDF import, chunking, resumable embedding, page look-up."""

from tutor_desktop.core.library.errors import ImportCancelled, LibraryError
from tutor_desktop.core.library.metadata import BookMeta, plan_imports, validate_meta
from tutor_desktop.core.library.service import (
    Book,
    ImportGrant,
    ImportProgress,
    ImportResult,
    Library,
    PageInfo,
    RenderedPage,
)
from tutor_desktop.core.subjects import canonical_subject

__all__ = [
    "Book",
    "BookMeta",
    "ImportCancelled",
    "ImportGrant",
    "ImportProgress",
    "ImportResult",
    "Library",
    "LibraryError",
    "PageInfo",
    "RenderedPage",
    "canonical_subject",
    "plan_imports",
    "validate_meta",
]
