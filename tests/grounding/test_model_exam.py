"""The model fitness exam tells a good tutor from a bad one: a loopback OpenAI-compatible
server answering well passes, the same server reciting and looping fails, and the embedded
Gemma 3 270M base model fails (`tutor models exam --json`, stored and shown by doctor)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from model_files import gemma_gguf, link_into

from tutor_desktop.core.config import RemoteProvider
from tutor_desktop.core.grounding.exam import (
    ExamItem,
    ExamStore,
    load_items,
    run_exam,
    score_answer,
)
from tutor_desktop.core.grounding.text import split_sentences
from tutor_desktop.core.llm.remote import RemoteBackend, key_lookup
from tutor_desktop.core.tutor.prompts import PromptLibrary

ITEMS = {item.question: item for item in load_items()}
Answerer = Callable[[str, str], str]     # (system prompt, user message) -> answer


def good_tutor(system: str, user: str) -> str:
    """What a good tutor does with the exam's prompt: answers from the passage, in the
    question's language, and in Socratic maths asks instead of telling."""
    item = next(i for q, i in ITEMS.items() if q in user)
    if item.giveaway:
        if item.language == "mn":
            return ("Сайн асуулт! Сурах бичгийн жишээг хараарай. " + " ".join(item.key_terms)
                    + " гэсэн үгсийг ашиглан эхний алхмаа өөрөө хийгээд үзээрэй. Юу гарав?")
        return ("Good question! Look at the worked example in your textbook. Use the "
                + ", ".join(item.key_terms) + " idea to do the first step yourself. "
                "What do you get?")
    sentences = split_sentences(item.passage)
    intro = "Сурах бичигт ингэж бичсэн байна: " if item.language == "mn" else \
        "Your textbook says: "
    return intro + " ".join(sentences[:3])


def bad_tutor(system: str, user: str) -> str:
    """What the embedded base model does: recites its instructions and loops."""
    first = [line for line in system.splitlines() if len(line) > 30][:2]
    return "\n".join([*first, "Student: " + user.splitlines()[-1]] * 3)


class StubServer:
    """A tiny OpenAI-compatible chat server on loopback (SSE streaming)."""

    def __init__(self, answer: Answerer) -> None:
        handler = self._handler(answer)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    @staticmethod
    def _handler(answer: Answerer) -> type[BaseHTTPRequestHandler]:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                body = json.dumps({"data": [{"id": "stub"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                messages = request["messages"]
                system = next((m["content"] for m in messages if m["role"] == "system"), "")
                text = answer(system, messages[-1]["content"])
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                words = text.split(" ")
                for index, word in enumerate(words):
                    piece = word if index == 0 else " " + word
                    chunk = {"choices": [{"index": 0, "delta": {"content": piece},
                                          "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                end = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                       "usage": {"prompt_tokens": 100, "completion_tokens": len(words)}}
                self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()

        return Handler

    def __enter__(self) -> StubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _remote(url: str, name: str) -> RemoteBackend:
    return RemoteBackend(RemoteProvider(name, url, f"{name}-model"), key_lookup({}, {}),
                         context_window=4096)


@pytest.fixture
def good_server() -> Iterator[StubServer]:
    with StubServer(good_tutor) as server:
        yield server


def test_a_good_tutor_passes_and_a_reciting_one_fails(good_server: StubServer,
                                                      tmp_path: Path) -> None:
    from tutor_desktop.core.storage import Database

    prompts = PromptLibrary()
    good = run_exam(_remote(good_server.base_url, "good"), prompts)
    assert good.verdict == "pass", [(i.id, i.checks) for i in good.items if not i.passed]
    assert good.passed_items == good.total_items == 30 and good.score == 1.0
    assert good.tokens_per_s > 0
    with StubServer(bad_tutor) as bad_server:
        bad = run_exam(_remote(bad_server.base_url, "bad"), prompts)
    assert bad.verdict == "fail" and bad.passed_items == 0
    assert all(not i.checks["no_recital"] and not i.checks["no_repeats"] for i in bad.items)
    # Stored per model; the gate lets only the passing one write; a new app version
    # re-examines (an old result does not count).
    db = Database(tmp_path / "t.sqlite3")
    store = ExamStore(db)
    store.save(good)
    store.save(bad)
    assert store.may_write("good-model") and not store.may_write("bad-model")
    assert store.may_write("never-examined") and not store.may_write("base", ["base"])
    assert ExamStore(db, app_version="9.9.9").get("good-model") is None
    db.close()


def test_scoring_catches_each_fault_on_its_own() -> None:
    item: ExamItem = ITEMS["x^2 - 5x + 6 = 0 тэгшитгэлийг бод."]
    system = PromptLibrary().system_prompt("socratic", "mn", 9, "math")
    fine = good_tutor(system, item.question)
    assert all(score_answer(item, fine, [system]).values())
    faults = {
        "language": "Good question! Look at the worked example: product, sum, numbers. "
                    "What two numbers work?",
        "no_giveaway": fine + " Хариу нь x = 2 эсвэл x = 3.",
        "no_repeats": fine + "\n" + fine,
        "length": "Тийм.",
        "grounded": "Сайн асуулт! Багшаасаа асуугаарай, хичээлээ сайн уншаарай.",
        "no_recital": "Сурагч: " + item.question + "\nСайн асуулт! үржвэр, нийлбэр, тоо?",
    }
    for check, answer in faults.items():
        checks = score_answer(item, answer, [system])
        assert not checks[check], (check, checks)
    korean = "Сурах бичигт: үржвэр нь 12, нийлбэр нь 7 болох хоёр тоо. 학생 тоо?"
    assert not score_answer(item, korean, [system])["language"]
    invented = "Сурах бичигт: үржвэр, нийлбэр, тоо. Энэ аргыг 1842 онд олжээ."
    assert not score_answer(item, invented, [system])["grounded"]


def test_the_embedded_base_model_fails_and_doctor_says_so(data_dir: Path) -> None:
    link_into(gemma_gguf(), data_dir / "models")
    run = subprocess.run([sys.executable, "-m", "tutor_desktop", "--data-dir", str(data_dir),
                          "models", "exam", "--items", "3", "--json"], capture_output=True,
                         text=True, timeout=600, encoding="utf-8")
    assert run.returncode == 1, run.stderr
    result = json.loads(run.stdout)
    assert result["model"] == "gemma3-270m" and result["verdict"] == "fail"
    assert result["passed_items"] <= 1 and result["tokens_per_s"] > 0
    doctor = subprocess.run([sys.executable, "-m", "tutor_desktop", "--data-dir",
                             str(data_dir), "doctor", "--json"], capture_output=True,
                            text=True, timeout=300, encoding="utf-8")
    checks = {c["name"]: c for c in json.loads(doctor.stdout)["checks"]}
    assert "failed" in checks["exam:gemma3-270m"]["detail"]


def test_a_one_sentence_quote_is_not_a_repetition_but_a_loop_is() -> None:
    """A line holding one sentence is that line and that sentence, not a repeat; the same
    sentence twice (on one line or on two) and the same line twice are."""
    from tutor_desktop.core.grounding.exam import repeats
    from tutor_desktop.core.grounding.passages import Passage
    from tutor_desktop.core.grounding.tutor import TextbookTutor

    passage = Passage("c1", "Биологи 7", 1, "Ногоон ургамал нарны гэрлийн тусламжтайгаар "
                      "нүүрсхүчлийн хий, уснаас органик бодис үүсгэдэг. Энэ үйл явцыг "
                      "фотосинтез гэнэ.", subject="biology", language="mn")
    answer = TextbookTutor().answer("Фотосинтез гэж юу вэ?", [passage], "mn",
                                    subject="biology")
    assert answer.found and not repeats(answer.text), answer.text
    one = "The force of gravity pulls every object towards the centre of the Earth."
    assert not repeats(f"Your textbook says:\n\n> {one}\n\n— Physics 8, p. 2")
    assert repeats(f"{one}\n{one}")                          # a line twice
    assert repeats(f"{one} It is a pull. {one}")              # a sentence twice on one line
    assert repeats(f"> {one} It is a pull.\n\n{one}")     # a sentence twice, two lines
