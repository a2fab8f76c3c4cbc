"""Extra practice items proposed by a model: only proposals that quote their passage word
for word are kept, and only a model allowed to write for children is asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from model_files import gemma_gguf, link_into

from tutor_desktop.core.i18n import TutorError

# What a capable model's reply looks like, with the mistakes models make.
REPLY = """Here are three questions:
```json
{"question": "Хлоропласт дотор _____ хэмээх ногоон пигмент агуулагдана.", "answer": "хлорофилл"},
{"question": "Амсраар нүүрсхүчлийн хий орж, хүчилтөрөгч ба _____ гадагшилна.", "answer": "усны уур"}
{"question": "Навчинд ______ гэж нэрлэгдэх жижиг нүхнүүд бий.", "answer": "амсар"}
{"question": "Хлорофилл улаан ба _____ гэрлийг шингээж, _____ гэрлийг ойлгодог.", "answer": "x"}
{"question": "Амсар бүрийг _____ хамгаалах эс хүрээлдэг.", "answer": "гурван"}
{"question": "Хашлага эдийн эсүүд нягт байрласан бөгөөд _____ хамгийн их агуулдаг.",\
 "answer": "хлоропласт."}
```"""


def _passage(services: Any) -> Any:
    from tutor_desktop.core.progress.items import Passage

    row = services.db.query_one("SELECT id, topic_id, page_start, text FROM chunks "
                                "WHERE text LIKE 'Фотосинтез голчлон навчинд%'")
    return Passage(row["id"], row["topic_id"], None, int(row["page_start"]), row["text"])


def test_only_proposals_that_quote_the_passage_stand(services: Any, books: Any,
                                                     progress: Any) -> None:
    from tutor_desktop.core.progress import proposals
    from tutor_desktop.core.progress.items import supported

    parsed = proposals.parse(REPLY)
    assert len(parsed) == 5            # the two-gap question is not one; prose is skipped
    assert parsed[2] == ("Навчинд _____ гэж нэрлэгдэх жижиг нүхнүүд бий.", "амсар")
    passage = _passage(services)
    rows = services.db.query("SELECT answer, data FROM practice_items")
    known = proposals.known_pairs(rows)
    kept = proposals.validated(parsed, passage, "sha", "mn", known)
    # the rules already made the chlorophyll gap; a paraphrase and a wrong fact are dropped
    assert [(i.answer, i.data["sentence"]) for i in kept] == [
        ("усны уур", "Амсраар нүүрсхүчлийн хий орж, хүчилтөрөгч ба усны уур гадагшилна."),
        ("хлоропласт", "Хашлага эдийн эсүүд нягт байрласан бөгөөд хлоропласт хамгийн их "
                       "агуулдаг.")]
    assert all(supported(i, passage.text) and i.kind == "cloze" for i in kept)
    assert kept[0].prompt == ("Хоосон зайг нөхнө үү: Амсраар нүүрсхүчлийн хий орж, "
                              "хүчилтөрөгч ба _____ гадагшилна.")
    assert proposals.validated(parsed, passage, "sha", "mn", known) == []   # not twice


@pytest.fixture
def base_model(data_dir: Path) -> None:
    link_into(gemma_gguf(), data_dir / "models")


def test_no_capable_model_no_proposals(base_model: None, services: Any, school8: Any,
                                       books: Any) -> None:
    """The embedded base model is installed but may not write for children (the exam
    gate): it is not asked."""
    assert services.progress.writer() is None
    with pytest.raises(TutorError) as refused:
        services.progress.propose_items(school8.teacher_session, book=books["physics"])
    assert refused.value.message_id == "items_no_capable_model"
    with pytest.raises(TutorError) as student:
        services.progress.propose_items(school8.anu_session)
    assert student.value.message_id == "not_allowed"


@pytest.fixture
def gate_off(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    """The embedded model with the exam gate off (as IT may set it): it is asked."""
    link_into(gemma_gguf(), data_dir / "models")
    monkeypatch.setenv("TUTOR_ANSWER_GATE", "0")
    monkeypatch.setenv("TUTOR_N_CTX", "1024")


def test_a_real_model_proposes_and_only_quotes_are_added(
        gate_off: None, services: Any, school8: Any, books: Any) -> None:
    from tutor_desktop.core.progress import proposals
    from tutor_desktop.core.progress.items import Item, supported

    progress = services.progress
    before = {i.id for i in progress.items(include_disabled=True)}
    read, added = progress.propose_items(school8.teacher_session,
                                         topic="2.4 Newton's second law")
    after = progress.items(include_disabled=True)
    new = [i for i in after if i.id not in before]
    assert len(new) == added and added <= read
    for item in new:                 # whatever the small model wrote, nothing unchecked
        plain = Item(item.id, item.kind, item.prompt, item.answer, item.chunk_id,
                     item.topic_id, item.page, item.choices, item.data)
        assert item.data["origin"] == proposals.ORIGIN and supported(plain, item.passage)
    rows = services.db.query("SELECT origin, data FROM practice_items WHERE origin = 'model'")
    assert len(rows) == added and all(json.loads(r["data"])["sentence"] for r in rows)
