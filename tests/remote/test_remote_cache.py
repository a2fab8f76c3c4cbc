"""The response cache in the real SQLite database: threshold, expiry, size bound, refusals."""

from __future__ import annotations

from typing import Any

from remote_helpers import FakeClock

from tutor_desktop.core.cache import CacheQuery, ResponseCache, normalise_question

Q = CacheQuery("What is photosynthesis?", grade=7, subject="biology", language="en")


def cache_for(services: Any, **kwargs: Any) -> tuple[ResponseCache, FakeClock]:
    clock = FakeClock()
    return ResponseCache(services.db, clock=clock, **kwargs), clock


def test_answer_is_served_only_after_the_threshold(services: Any) -> None:
    cache, _ = cache_for(services)
    for ask in (1, 2):
        assert cache.lookup(Q, ["m"]) is None
        assert cache.record(Q, "m", f"answer {ask}") is False
    assert cache.lookup(Q, ["m"]) is None
    assert cache.record(Q, "m", "answer 3") is True       # the 3rd asking stores it
    hit = cache.lookup(Q, ["m"])
    assert hit is not None and hit.answer == "answer 3" and hit.model == "m"
    # The same question asked slightly differently hits too.
    again = CacheQuery("  what is   PHOTOSYNTHESIS ", grade=7, subject="Biology", language="en")
    assert cache.lookup(again, ["m"]) is not None


def test_key_depends_on_grade_subject_language_mode_and_model(services: Any) -> None:
    cache, _ = cache_for(services, hit_threshold=1)
    assert cache.record(Q, "m", "seven")
    assert cache.lookup(Q, ["other-model"]) is None
    for other in (CacheQuery(Q.question, grade=8, subject="biology", language="en"),
                  CacheQuery(Q.question, grade=7, subject="chemistry", language="en"),
                  CacheQuery(Q.question, grade=7, subject="biology", language="mn"),
                  CacheQuery(Q.question, grade=7, subject="biology", language="en",
                             mode="explain")):
        assert cache.lookup(other, ["m"]) is None
    # A chain [remote, local] finds the remote model's answer while offline.
    hit = cache.lookup(Q, ["local-model", "m"])
    assert hit is not None and hit.model == "m"


def test_answers_expire_after_the_ttl(services: Any) -> None:
    cache, clock = cache_for(services, hit_threshold=1)
    cache.record(Q, "m", "fresh")
    clock.advance(24 * 3600 - 1)
    assert cache.lookup(Q, ["m"]) is not None
    clock.advance(2)
    assert cache.lookup(Q, ["m"]) is None
    # After expiry the count starts again (a question must be common *now*).
    assert cache.record(Q, "m", "new") is True  # threshold 1


def test_expired_counts_restart(services: Any) -> None:
    cache, clock = cache_for(services)
    cache.record(Q, "m", "a")
    cache.record(Q, "m", "b")
    clock.advance(25 * 3600)
    assert cache.record(Q, "m", "c") is False


def test_personalised_follow_up_and_image_questions_are_never_cached(services: Any) -> None:
    cache, _ = cache_for(services, hit_threshold=1)
    refused = [
        CacheQuery("Is my answer 42 right?", grade=7, subject="math", language="en"),
        CacheQuery("Миний хариу зөв үү?", grade=7, subject="math", language="mn"),
        CacheQuery("Анужин асууж байна: 2+2 хэд вэ?", grade=7, student_name="Анужин"),
        CacheQuery("What is photosynthesis?", first_turn=False),
        CacheQuery("What is in this picture?", has_images=True),
        CacheQuery("x" * 400),
    ]
    for query in refused:
        assert query.refusal(), query
        assert cache.record(query, "m", "answer") is False
        assert cache.lookup(query, ["m"]) is None
    assert cache.stats()["rows"] == 0


def test_unfinished_answers_are_not_cached(services: Any) -> None:
    cache, _ = cache_for(services, hit_threshold=1)
    assert cache.record(Q, "m", "half", finish_reason="cancelled") is False
    assert cache.record(Q, "m", "   ") is False
    assert cache.lookup(Q, ["m"]) is None


def test_size_bound_keeps_the_most_asked(services: Any) -> None:
    cache, clock = cache_for(services, hit_threshold=1, max_entries=3)
    popular = CacheQuery("popular question", grade=5)
    cache.record(popular, "m", "p")
    cache.lookup(popular, ["m"])
    cache.lookup(popular, ["m"])
    for n in range(5):
        clock.advance(1)
        cache.record(CacheQuery(f"question {n}", grade=5), "m", f"a{n}")
    assert cache.stats()["rows"] == 3
    assert cache.lookup(popular, ["m"]) is not None


def test_normalisation() -> None:
    assert normalise_question("  2 + 2  =  ?? ") == "2 + 2 ="
    assert normalise_question("Фотосинтез гэж юу вэ?") == "фотосинтез гэж юу вэ"
    assert normalise_question("ＡＢＣ") == "abc"  # NFKC: full-width letters
