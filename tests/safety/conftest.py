"""Fixtures for the safety tests: the real multilingual e5 embedder and a classifier
calibrated on the tuning examples only (the held-out third is what the tests measure)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from model_files import CACHE_DIR, app_embedder
from safety_helpers import ISSUE_EXAMPLES, ScriptedBackend

from tutor_desktop.core.safety import SafetyClassifier, load_examples
from tutor_desktop.core.safety.examples import TUNING


@pytest.fixture(scope="session")
def e5_embedder() -> Iterator[Any]:
    with app_embedder() as embedder:
        yield embedder


@pytest.fixture(scope="session")
def tuned_classifier(e5_embedder: Any) -> SafetyClassifier:
    """Reference examples and thresholds from the tuning part only."""
    classifier = SafetyClassifier(e5_embedder, cache_dir=CACHE_DIR / "safety",
                                  examples=load_examples(split=TUNING))
    assert classifier.warm() is not None
    return classifier


@pytest.fixture
def scripted() -> ScriptedBackend:
    return ScriptedBackend("Фотосинтез бол ургамал нарны гэрлээр хоол хийх үйл явц юм.")


@pytest.fixture
def issue_examples() -> list[tuple[str, str]]:
    return list(ISSUE_EXAMPLES)


@pytest.fixture
def student(services, school):
    """Анужин of class 7A, signed in."""
    return services.accounts.sign_in_student(school.anu.id, "1234")
