"""Hybrid (vector + full-text) retrieval over imported textbooks."""

from tutor_desktop.core.retrieval.types import Hit, Retriever

__all__ = ["Hit", "Retriever"]
