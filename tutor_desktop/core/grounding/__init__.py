"""Grounding: choosing, quoting and teaching from textbook passages (no model needed).

One implementation for the window, the terminal and ``tutor ask``, so all
three quote the same words for the same question.
"""

from tutor_desktop.core.grounding.passages import (
    RELEVANCE_FLOOR,
    Passage,
    Selection,
    best_sentences,
    clip,
    deduplicate,
    definition_term,
    excerpt,
    is_definition,
    mentions,
    relevance,
    select_passages,
)
from tutor_desktop.core.grounding.text import (
    answer_matches,
    clean_text,
    content_stems,
    normalise_answer,
    script_language,
    split_sentences,
    stem,
)
from tutor_desktop.core.grounding.tutor import (
    BACKEND,
    TextbookAnswer,
    TextbookTutor,
    is_maths_question,
)

__all__ = [
    "BACKEND", "RELEVANCE_FLOOR", "Passage", "Selection", "TextbookAnswer", "TextbookTutor",
    "answer_matches", "best_sentences", "clean_text", "clip", "content_stems", "deduplicate",
    "definition_term", "excerpt", "is_definition", "is_maths_question", "mentions",
    "normalise_answer", "relevance", "script_language", "select_passages", "split_sentences",
    "stem",
]
