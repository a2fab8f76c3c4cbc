"""The model fitness exam: may this model write answers for children?

A small model can load, stream and still be useless as a tutor (the embedded
Gemma 3 270M base model recites its instructions, loops, or answers in
another script). Rather than trusting a name, every model sits the same
exam: ~30 short tutoring prompts in Mongolian and English across grades and
subjects (``resources/exam/fitness.toml``), each with the passage it must be
grounded on, sent exactly as the tutor sends a question (system prompt,
passage lines, question). Each answer is scored automatically:

* ``language`` — written in the question's script (Cyrillic/Latin), no other
  script (a Korean word in a Mongolian answer);
* ``grounded`` — at least half of the passage's key terms, and no number that
  is in neither the passage nor the question (an invented fact);
* ``no_recital`` — no line or eight-word run of its instructions, no role
  labels ("Student:");
* ``no_repeats`` — no line or sentence twice;
* ``no_giveaway`` — Socratic maths: the result is not handed over;
* ``length`` — a real answer, not a wall of text.

The verdict (pass/fail), score and speed (tokens/s on this PC) are stored per
model and app version in the settings table; the tutor lets only passing
models write answers and the textbook tutor answers otherwise.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tutor_desktop import __version__
from tutor_desktop.core.grounding.text import (
    answer_matches,
    content_words,
    foreign_script_share,
    has_stem,
    script_language,
    split_sentences,
    stem,
    words,
)
from tutor_desktop.core.llm.backend import (
    BackendError,
    BackendUnavailable,
    ChatBackend,
    ChatMessage,
)
from tutor_desktop.core.paths import resources_dir
from tutor_desktop.core.storage import Database
from tutor_desktop.core.storage.ids import utc_now
from tutor_desktop.core.storage.settings import get_setting, set_setting
from tutor_desktop.core.tutor.prompts import PromptLibrary, fill

log = logging.getLogger(__name__)

PASS_SHARE = 0.8            # share of items an answer must fully pass for a "pass"
MIN_TOKENS_PER_S = 4.0      # slower than this, a child waits minutes: "slow"
MAX_TOKENS = 160
MIN_CHARS, MAX_CHARS = 30, 1500
SETTING_PREFIX = "model_exam:"
CHECKS = ("language", "grounded", "no_recital", "no_repeats", "no_giveaway", "length")
_ROLE_LABELS = re.compile(r"^\s*(?:student|tutor|user|assistant|сурагч|багш|туслах багш|학생)\s*:",
                          re.I | re.M)
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_SHINGLE = 8


@dataclass(frozen=True)
class ExamItem:
    """One tutoring prompt of the exam (see ``resources/exam/fitness.toml``)."""

    id: str
    language: str
    grade: int
    subject: str
    mode: str
    question: str
    book: str
    page: int
    passage: str
    key_terms: tuple[str, ...]
    giveaway: tuple[str, ...] = ()


@dataclass
class ItemResult:
    id: str
    language: str
    text: str
    checks: dict[str, bool]
    tokens: int = 0
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(self.checks.values())

    @property
    def score(self) -> float:
        return sum(self.checks.values()) / len(self.checks) if self.checks else 0.0


@dataclass
class ExamResult:
    """A model's exam: the verdict the tutor obeys, and what teachers see."""

    model: str
    backend: str
    score: float                    # 0..1, mean share of checks passed per item
    passed_items: int
    total_items: int
    tokens_per_s: float
    verdict: str                    # pass | fail | slow
    app_version: str = __version__
    finished_at: str = ""
    items: list[ItemResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    def as_dict(self, with_items: bool = True) -> dict[str, Any]:
        data = asdict(self)
        if not with_items:
            data.pop("items")
        else:
            for item, result in zip(data["items"], self.items, strict=True):
                item["passed"] = result.passed
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExamResult:
        items = [ItemResult(i["id"], i["language"], i["text"], dict(i["checks"]),
                            int(i.get("tokens", 0)), float(i.get("seconds", 0.0)))
                 for i in data.get("items", [])]
        return cls(model=str(data["model"]), backend=str(data.get("backend", "")),
                   score=float(data["score"]), passed_items=int(data["passed_items"]),
                   total_items=int(data["total_items"]),
                   tokens_per_s=float(data["tokens_per_s"]), verdict=str(data["verdict"]),
                   app_version=str(data.get("app_version", "")),
                   finished_at=str(data.get("finished_at", "")), items=items)


def load_items(path: Path | None = None) -> list[ExamItem]:
    path = path or resources_dir() / "exam" / "fitness.toml"
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    return [ExamItem(id=str(i["id"]), language=str(i["language"]), grade=int(i["grade"]),
                     subject=str(i["subject"]), mode=str(i["mode"]),
                     question=str(i["question"]), book=str(i["book"]), page=int(i["page"]),
                     passage=str(i["passage"]), key_terms=tuple(i["key_terms"]),
                     giveaway=tuple(i.get("giveaway", ())))
            for i in raw["item"]]


def _shingles(text: str) -> set[tuple[str, ...]]:
    ws = words(text)
    return {tuple(ws[i:i + _SHINGLE]) for i in range(max(0, len(ws) - _SHINGLE + 1))}


def recites(text: str, instructions: Iterable[str]) -> bool:
    """Whether ``text`` repeats its instructions (an eight-word run) or plays both roles."""
    if _ROLE_LABELS.search(text):
        return True
    mine = _shingles(text)
    return any(mine & _shingles(source) for source in instructions)


def repeats(text: str) -> bool:
    """Whether a line comes twice, or a sentence comes twice (a looping model).

    Lines and sentences are counted apart: a one-sentence line ("> Your textbook
    says …" quoting one sentence) is that line *and* that sentence, which is not
    a repetition.
    """
    return _twice(text.splitlines()) or _twice(split_sentences(text))


def _twice(parts: Iterable[str]) -> bool:
    seen: set[str] = set()
    for part in parts:
        key = " ".join(words(part))
        if len(key) < 10:
            continue
        if key in seen:
            return True
        seen.add(key)
    return False


def invented_numbers(text: str, *sources: str) -> list[str]:
    """Numbers of two or more digits in ``text`` found in none of ``sources``."""
    known = {n.replace(",", "") for source in sources for n in _NUMBER.findall(source)}
    return [n for n in _NUMBER.findall(text)
            if len(n.replace(",", "").replace(".", "")) >= 2 and n.replace(",", "") not in known]


def gives_away(text: str, giveaway: Sequence[str]) -> bool:
    flat = " ".join(text.split()).casefold()
    for answer in giveaway:
        if re.fullmatch(r"\d+", answer):
            if re.search(rf"(?<![\d/.]){answer}(?![\d/.])", flat):
                return True
        elif " ".join(answer.split()).casefold() in flat:
            return True
    return False


def score_answer(item: ExamItem, text: str, instructions: Sequence[str]) -> dict[str, bool]:
    """The checks of one answer (see the module notes)."""
    have = words(text)
    terms = [t for t in item.key_terms if content_words(t)]
    found = sum(1 for t in terms if all(has_stem(stem(w), have) for w in content_words(t))
                or answer_matches(text, t))
    checks = {
        "language": script_language(text) == item.language and foreign_script_share(text) < 0.02,
        "grounded": bool(terms) and found * 2 >= len(terms)
        and not invented_numbers(text, item.passage, item.question),
        "no_recital": not recites(text, instructions),
        "no_repeats": not repeats(text),
        "length": MIN_CHARS <= len(text.strip()) <= MAX_CHARS,
    }
    if item.giveaway and item.mode == "socratic":
        checks["no_giveaway"] = not gives_away(text, item.giveaway)
    return checks


def exam_messages(prompts: PromptLibrary, item: ExamItem) -> list[ChatMessage]:
    """The messages the tutor would send for this question (system, passage, question)."""
    words_ = prompts.context(item.language)
    system = prompts.system_prompt(item.mode, item.language, item.grade, item.subject)
    user = "\n".join([words_["passages_header"],
                      fill(words_["passage_line"], n=1, book=item.book, page=item.page,
                           text=item.passage),
                      "", f"{words_['question_label']} {item.question}"])
    return [ChatMessage("system", system), ChatMessage("user", user)]


def run_exam(backend: ChatBackend, prompts: PromptLibrary, *,
             items: Sequence[ExamItem] | None = None, max_tokens: int = MAX_TOKENS,
             on_item: Callable[[int, int, ItemResult], None] | None = None,
             stop_event: threading.Event | None = None, model: str = "") -> ExamResult:
    """Give ``backend`` the exam and score it (blocking: run it on a worker thread)."""
    items = list(items or load_items())
    results: list[ItemResult] = []
    generated, generating = 0, 0.0
    for index, item in enumerate(items, 1):
        if stop_event is not None and stop_event.is_set():
            break
        messages = exam_messages(prompts, item)
        instructions = [messages[0].content, *prompts.context(item.language).values()]
        pieces: list[str] = []
        tokens = 0
        started = first = time.monotonic()
        try:
            for delta in backend.stream(messages, max_tokens=max_tokens, temperature=0.0,
                                        stop_event=stop_event):
                if delta.completion is not None:
                    tokens = delta.completion.completion_tokens
                    continue
                if not pieces:
                    first = time.monotonic()
                pieces.append(delta.text)
        except (BackendError, BackendUnavailable) as exc:
            log.warning("exam item %s failed: %s", item.id, exc)
        finished = time.monotonic()
        text = "".join(pieces)
        tokens = tokens or len(pieces)
        if tokens > 1 and finished > first:
            generated += tokens - 1          # the first token's time is prompt reading
            generating += finished - first
        result = ItemResult(item.id, item.language, text,
                            score_answer(item, text, instructions), tokens,
                            round(finished - started, 2))
        results.append(result)
        if on_item:
            on_item(index, len(items), result)
    speed = generated / generating if generating > 0 else 0.0
    score = sum(r.score for r in results) / len(results) if results else 0.0
    passed = sum(1 for r in results if r.passed)
    verdict = "fail"
    if results and passed >= PASS_SHARE * len(items):
        verdict = "pass" if speed >= MIN_TOKENS_PER_S else "slow"
    return ExamResult(model=model or backend.model, backend=str(backend.name),
                      score=round(score, 3), passed_items=passed, total_items=len(items),
                      tokens_per_s=round(speed, 1), verdict=verdict, finished_at=utc_now(),
                      items=results)


class ExamStore:
    """Exam results in the settings table, one per model; a new app version re-examines."""

    def __init__(self, db: Database, app_version: str = __version__) -> None:
        self.db = db
        self.app_version = app_version

    def save(self, result: ExamResult) -> None:
        set_setting(self.db, SETTING_PREFIX + result.model, result.as_dict())

    def get(self, model: str) -> ExamResult | None:
        raw = get_setting(self.db, SETTING_PREFIX + model)
        if not isinstance(raw, dict):
            return None
        result = ExamResult.from_dict(raw)
        return result if result.app_version == self.app_version else None

    def all(self) -> list[ExamResult]:
        rows = self.db.query("SELECT key FROM settings WHERE key LIKE ? ORDER BY key",
                             (SETTING_PREFIX + "%",))
        found = [self.get(str(r["key"])[len(SETTING_PREFIX):]) for r in rows]
        return [r for r in found if r is not None]

    def may_write(self, model: str, unexamined_base: Iterable[str] = ()) -> bool:
        """Whether ``model`` may write answers: it passed; or it has not sat the exam yet
        and is not a known base model (the embedded one cannot tutor, exam or not)."""
        result = self.get(model)
        if result is not None:
            return result.passed
        return model not in set(unexamined_base)


class BackgroundExam:
    """Examines each newly loaded local model once (per app version), off the GUI thread."""

    def __init__(self, store: ExamStore, prompts: PromptLibrary, models: Any,
                 skip: Iterable[str] = ()) -> None:
        self.store = store
        # Models that may not write whatever their score (the embedded base model): not
        # worth two minutes of a lab PC's CPU at every start-up.
        self.skip = set(skip)
        self.prompts = prompts
        self.models = models                # a ModelManager: status, subscribe, backend()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._watching = False
        self.listeners: list[Callable[[ExamResult], None]] = []

    def watch(self) -> None:
        """Start examining as soon as a model is ready (now, if one already is)."""
        if not self._watching:
            self._watching = True
            self.models.subscribe(self._changed)
        self._changed(self.models.status)

    def _changed(self, status: Any) -> None:
        model = str(getattr(status, "model", "") or "")
        if str(getattr(status, "state", "")) != "ready" or not model:
            return
        if model in self.skip or self.store.get(model) is not None:
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run, args=(model,), daemon=True,
                                            name="model-exam")
            self._thread.start()

    def _run(self, model: str) -> None:
        try:
            backend = self.models.backend("local")
            result = run_exam(backend, self.prompts, stop_event=self._stop, model=model)
        except Exception:  # an exam must never take the app down
            log.exception("model exam failed")
            return
        if self._stop.is_set():
            return
        self.store.save(result)
        for listener in list(self.listeners):
            listener(result)

    def close(self) -> None:
        self._stop.set()
