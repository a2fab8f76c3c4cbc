"""Extra practice items proposed by a model: only proposals that quote their passage word
for word are kept, and only a model allowed to write for children is asked."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
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


def well_formed(passage: str) -> tuple[str, str]:
    """The passage's first full sentence with its longest word blanked, and that word."""
    sentence = next(s for s in re.split(r"(?<=[.!?])\s+", passage)
                    if len(s.split()) >= 6 and re.search(r"[A-Za-z]{5,}", s))
    word = max(re.findall(r"[A-Za-z]{5,}", sentence), key=len)
    return re.sub(rf"\b{word}\b", "_____", sentence, count=1), word


def scripted_model(body: dict[str, Any]) -> list[str]:
    """Stands in for a capable model behind an OpenAI-compatible API. It is a script, not
    a model: for the passage the app sent, a well-formed proposal that quotes it
    (:func:`well_formed`), the same gap with an answer the passage does not hold, a fact
    the passage never states, and a line of prose; streamed in pieces."""
    question, answer = well_formed(body["messages"][-1]["content"])
    lines = ["Here are three questions for this passage:",
             json.dumps({"question": question, "answer": answer}),
             json.dumps({"question": question, "answer": "quantum"}),
             json.dumps({"question": "Isaac Newton was born in _____.", "answer": "1643"})]
    return [piece for line in lines for piece in (line[:20], line[20:] + "\n")]


@pytest.fixture
def proposer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A school's remote provider on 127.0.0.1, answering with :func:`scripted_model`
    (configured as IT would, before the app starts)."""
    from openai_recorder import RecordingOpenAI

    server = RecordingOpenAI(scripted_model).start()
    monkeypatch.setenv("TUTOR_REMOTE_BASE_URL", server.base_url)
    monkeypatch.setenv("TUTOR_REMOTE_MODEL", "school-proposer")
    monkeypatch.setenv("TUTOR_ROUTING_POLICY", "remote-first")
    yield server
    server.close()


def test_proposals_over_http_become_items_a_teacher_reviews(
        proposer: Any, services: Any, school8: Any, books: Any) -> None:
    """End to end over real HTTP (the app's httpx client, SSE parsing, router and exam
    gate): each passage of a topic is sent to the provider; the proposal that quotes its
    passage becomes an enabled item in the teacher's list, the others are discarded;
    the teacher can untick it and students no longer get it."""
    from tutor_desktop.core.progress import proposals

    progress = services.progress
    assert progress.writer() is not None          # the provider may write (not examined)
    topic = next(t for t in progress.topics(books["physics"]) if t.title.startswith("2.4"))
    passages = [" ".join(r["text"].split()) for r in services.db.query(
        "SELECT text FROM chunks WHERE topic_id = ? ORDER BY ordinal", (topic.id,))]
    known = proposals.known_pairs(services.db.query(
        "SELECT answer, data FROM practice_items WHERE kind IN ('cloze', 'choice')"))
    expected = []
    for passage in passages:
        question, answer = well_formed(passage)
        filled = " ".join(question.replace("_____", answer).casefold().split())
        if (filled, answer.casefold()) not in known:      # the rules made it already
            expected.append((question, answer))
    assert passages and expected
    before = {i.id for i in progress.items(include_disabled=True)}

    read, added = progress.propose_items(school8.teacher_session, topic=topic.id)

    assert len(proposer.bodies) == len(passages)      # one request per passage, streamed
    for body, passage in zip(proposer.bodies, passages, strict=True):
        assert body["stream"] is True and body["model"] == "school-proposer"
        assert body["messages"][0]["content"] == proposals.instructions("en")
        assert body["messages"][-1]["content"] == passage
    assert read == 3 * len(passages) and added == len(expected)
    new = [i for i in progress.items(topic=topic.id) if i.id not in before]
    assert sorted((i.data["sentence"].replace(i.answer, "_____", 1), i.answer)
                  for i in new) == sorted(expected)
    assert all(i.kind == "cloze" and i.enabled and i.data["origin"] == "model"
               and i.prompt.endswith(i.data["sentence"].replace(i.answer, "_____", 1))
               for i in new)
    stored = {r["answer"] for r in services.db.query("SELECT answer FROM practice_items")}
    assert "quantum" not in stored and "1643" not in stored      # not in the passage
    # the teacher reviews: unticked, the item is no longer practised
    progress.set_item_enabled(school8.teacher_session, new[0].id, False)
    assert new[0].id not in {i.id for i in progress.items(topic=topic.id)}
    assert new[0].id not in {i.id for i in progress.practice_set(
        school8.anu_session, topic.id, size=50)}
    # asked again, nothing is added twice
    assert progress.propose_items(school8.teacher_session, topic=topic.id)[1] == 0
