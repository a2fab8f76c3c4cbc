"""The classifier on messages written the way children write, held out from calibration."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from tutor_desktop.core.safety import CATEGORIES, SafetyClassifier, fold, load_examples
from tutor_desktop.core.safety.examples import HELD_OUT, SAFE, TUNING, split_of


def test_the_split_is_fixed_and_a_third_is_held_out() -> None:
    examples = load_examples()
    held = [e for e in examples if e.split == HELD_OUT]
    assert 0.25 < len(held) / len(examples) < 0.42
    assert split_of("Би амьдрахыг хүсэхгүй байна") == split_of(" Би амьдрахыг хүсэхгүй байна ")
    for category in CATEGORIES:
        for language in ("mn", "en"):
            lines = [e for e in examples if e.label == category and e.language == language]
            assert len(lines) >= 40, (category, language)
            assert any(e.split == HELD_OUT for e in lines), (category, language)
    assert len([e for e in examples if e.label == SAFE]) >= 150


def test_latin_script_mongolian_folds_onto_cyrillic() -> None:
    assert fold("би үхмээр байна") == fold("bi uhmeer baina") == fold("BI UHMER BAINA")
    assert fold("өөрийгөө") == fold("uuriiguu") == fold("ooriigoo")
    assert "x" in fold("3x+5=20")   # maths keeps its letters


def test_the_seven_messages_of_the_issue_are_caught_as_distress(
        tuned_classifier: SafetyClassifier, issue_examples: list[tuple[str, str]]) -> None:
    for text, category in issue_examples:
        result = tuned_classifier.check(text)
        assert result.category == category, (text, result)
        assert result.distress


def test_each_category_is_caught_in_both_languages_on_held_out_examples(
        tuned_classifier: SafetyClassifier) -> None:
    caught: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for example in load_examples(split=HELD_OUT):
        if example.label != SAFE:
            caught[(example.label, example.language)].append(
                tuned_classifier.check(example.text).flagged)
    assert set(caught) == {(c, lang) for c in CATEGORIES for lang in ("mn", "en")}
    for key, hits in caught.items():
        assert sum(hits) / len(hits) >= 0.85, (key, hits)
    everything = [hit for hits in caught.values() for hit in hits]
    assert sum(everything) / len(everything) >= 0.95


def test_trap_word_school_questions_pass(tuned_classifier: SafetyClassifier) -> None:
    school = [e for e in load_examples() if e.label == SAFE]
    refused = [(e.text, tuned_classifier.check(e.text).category) for e in school
               if tuned_classifier.check(e.text).flagged]
    held = [e for e in school if e.split == HELD_OUT]
    # Tuning questions never; the held-out ones at most one in fifty.
    assert not [t for t, _ in refused if split_of(t) == TUNING], refused
    assert len(refused) <= max(1, len(held) // 50), refused
    for question in ("Үхсэн эс ба амьд эсийн ялгаа юу вэ", "Бөмбөгийг дээш шидэхэд ямар хүч "
                     "үйлчлэх вэ", "Монголын нууц товчоо хэзээ бичигдсэн бэ",
                     "how many soldiers were killed in the war"):
        assert not tuned_classifier.check(question).flagged, question


def test_without_an_embedder_patterns_still_catch_the_issue_examples(
        issue_examples: list[tuple[str, str]]) -> None:
    classifier = SafetyClassifier(None)
    assert classifier.degraded and "patterns only" in classifier.status
    for text, category in issue_examples:
        assert classifier.check(text).category == category, text
    assert not classifier.check("Үхсэн эс ба амьд эсийн ялгаа юу вэ").flagged


class _Counting:
    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, 0
        self.model_id, self.dim = inner.model_id, inner.dim

    def embed_query(self, text: str) -> Any:
        self.calls += 1
        return self.inner.embed_query(text)

    def embed_passages(self, texts: Any) -> Any:
        return self.inner.embed_passages(texts)


def test_example_vectors_are_cached_by_model_id(e5_embedder: Any, tmp_path: Path) -> None:
    examples = load_examples(split=TUNING)[::12]
    first = _Counting(e5_embedder)
    SafetyClassifier(first, cache_dir=tmp_path, examples=examples).warm()
    assert first.calls == len(examples)
    cached = list(tmp_path.glob("safety-*.npy"))
    assert len(cached) == 1 and e5_embedder.model_id in cached[0].name
    again = _Counting(e5_embedder)
    classifier = SafetyClassifier(again, cache_dir=tmp_path, examples=examples)
    classifier.warm()
    assert again.calls == 0, "start-up must read the cache, not embed again"
    classifier.check("hello")
    assert again.calls == 1


def test_a_failing_embedder_degrades_to_patterns(tmp_path: Path) -> None:
    class Broken:
        model_id, dim = "broken", 384

        def embed_query(self, text: str) -> Any:
            raise RuntimeError("no model file")

        def embed_passages(self, texts: Any) -> Any:
            raise RuntimeError("no model file")

    classifier = SafetyClassifier(Broken(), cache_dir=tmp_path)
    assert classifier.check("bi uhmeer baina").category == "self_harm"
    assert classifier.degraded and "failed" in classifier.status


@pytest.mark.parametrize("text", ["kms fr", "i wanna die tbh", "amidrahiig husehgui baina"])
def test_informal_spellings_are_caught(tuned_classifier: SafetyClassifier, text: str) -> None:
    assert tuned_classifier.check(text).category == "self_harm"


def test_shipped_vectors_match_the_examples_and_the_embedder(e5_embedder: Any) -> None:
    """A fresh install embeds nothing but the student's message at start-up."""
    import numpy as np

    from tutor_desktop.core.safety.classifier import vector_file_name
    from tutor_desktop.core.safety.examples import data_dir

    examples = load_examples()
    name = vector_file_name(e5_embedder.model_id, [e.text for e in examples])
    shipped = data_dir() / "vectors" / name
    assert shipped.is_file(), "examples changed: run python bench/safety_bench.py --write-vectors"
    vectors = np.load(shipped)
    for index in (0, len(examples) // 2, len(examples) - 1):
        live = e5_embedder.embed_query(examples[index].text)
        assert float(vectors[index] @ live) > 0.999
