"""Tutor Desktop: an offline-first AI tutor for school lab computers."""

__version__ = "0.1.0"
