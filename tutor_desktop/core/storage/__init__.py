"""The one local SQLite database: connections, migrations, serialised writes."""

from tutor_desktop.core.storage.connection import VecUnavailableError, open_connection
from tutor_desktop.core.storage.database import Database, StorageFullError
from tutor_desktop.core.storage.ids import new_id, utc_now
from tutor_desktop.core.storage.migrations import SCHEMA_VERSION, DatabaseTooNewError

__all__ = [
    "SCHEMA_VERSION",
    "Database",
    "DatabaseTooNewError",
    "StorageFullError",
    "VecUnavailableError",
    "new_id",
    "open_connection",
    "utc_now",
]
