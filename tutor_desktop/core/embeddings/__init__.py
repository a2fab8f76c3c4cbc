"""Text embeddings for textbook search, behind the small :class:`Embedder` protocol."""

from tutor_desktop.core.embeddings.base import Embedder, Vector, l2_normalize
from tutor_desktop.core.embeddings.discovery import find_embedder_model, open_default_embedder
from tutor_desktop.core.embeddings.e5_convert import (
    DEFAULT_EMBEDDER_FILE,
    ConversionError,
    ensure_default_embedder,
)
from tutor_desktop.core.embeddings.llama_embedder import LazyEmbedder, LlamaEmbedder
from tutor_desktop.core.embeddings.text import normalize_for_embedding, normalize_text

__all__ = [
    "DEFAULT_EMBEDDER_FILE",
    "ConversionError",
    "Embedder",
    "LazyEmbedder",
    "LlamaEmbedder",
    "Vector",
    "ensure_default_embedder",
    "find_embedder_model",
    "l2_normalize",
    "normalize_for_embedding",
    "normalize_text",
    "open_default_embedder",
]
