"""The response cache: common first questions answered instantly from earlier answers."""

from tutor_desktop.core.cache.response_cache import (
    CachedAnswer,
    CacheQuery,
    ResponseCache,
    normalise_question,
)

__all__ = ["CacheQuery", "CachedAnswer", "ResponseCache", "normalise_question"]
