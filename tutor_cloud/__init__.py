"""Tutor Desktop's sync service: the cloud (PostgreSQL) and the school hub (SQLite).

A separate top-level package with its own ``[server]`` extra: a lab PC never
needs FastAPI or psycopg. It shares one module with the desktop app, the sync
contract (``tutor_desktop.core.sync.contract``), so both sides merge by the
same rules. Run it with ``tutor-cloud serve --db postgresql://…``.
"""

__all__ = ["create_app"]

from tutor_cloud.app import create_app
