"""Practice items a capable model proposes, kept only when they pass the validation the
rule-made items pass.

Why a model at all: the rules (:mod:`.items`) find definition sentences and formulas; a
capable model (the school's remote provider, or a GGUF that passed the tutoring exam)
can blank other key facts of a passage. Why it is safe: it decides nothing. A proposal
is a sentence of the passage with one phrase blanked, plus that phrase; put back
together it must be a sentence of the passage word for word (:func:`.items.supported`,
the rule-made items' check), and an item already made for that sentence and answer is
not added again. Everything else the model writes is ignored. The embedded base model
is never asked: it does not pass the exam, so a lab PC without a capable model keeps
the rule-made items only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from tutor_desktop.core.i18n import tr
from tutor_desktop.core.llm.backend import ChatMessage
from tutor_desktop.core.paths import resources_dir
from tutor_desktop.core.progress.items import BLANK, Item, Passage, item_id, supported

PER_PASSAGE = 3                 # proposals kept per passage at most
MAX_TOKENS = 400
ORIGIN = "model"
_BLANKS = re.compile(r"_{2,}|\.{4,}|…{2,}|\[\s*blank\s*\]", re.IGNORECASE)


def capable_writer(router: Any, gate: Callable[[str], bool] | None) -> Callable[[], Any]:
    """``writer()`` for :class:`ProgressService`: the router's model when the tutoring
    exam lets it write for children (``gate``, as for the tutor's answers), else None."""
    from tutor_desktop.core.grounding.service_hooks import model_may_write
    from tutor_desktop.core.llm.backend import BackendUnavailable

    def writer() -> Any:
        try:
            backend = router.backend("auto")
        except BackendUnavailable:
            return None
        return backend if model_may_write(gate, backend, "auto") else None

    return writer


def instructions(language: str) -> str:
    """The request, from ``resources/prompts/items.{lang}.md`` (editable without code)."""
    lang = language if language in ("mn", "en") else "en"
    return (resources_dir() / "prompts" / f"items.{lang}.md").read_text("utf-8").strip()


def messages_for(passage_text: str, language: str) -> list[ChatMessage]:
    return [ChatMessage("system", instructions(language)),
            ChatMessage("user", " ".join(passage_text.split()))]


def parse(text: str) -> list[tuple[str, str]]:
    """``(question with one gap, answer)`` pairs from the model's JSON lines; a line that
    is not such an object (prose, a list marker, a broken line) is skipped."""
    found: list[tuple[str, str]] = []
    for line in text.splitlines():
        line = line.strip().rstrip(",")
        start, end = line.find("{"), line.rfind("}")
        if start < 0 or end <= start:
            continue
        try:
            value: Any = json.loads(line[start:end + 1])
        except ValueError:
            continue
        if not isinstance(value, dict):
            continue
        question, answer = value.get("question"), value.get("answer")
        if not isinstance(question, str) or not isinstance(answer, str):
            continue
        question = _BLANKS.sub(BLANK, " ".join(question.split()))
        answer = " ".join(answer.split()).strip(" .,;:")
        if question.count(BLANK) == 1 and answer:
            found.append((question, answer))
    return found


def validated(proposals: Iterable[tuple[str, str]], passage: Passage, book_sha: str,
              language: str, known: set[tuple[str, str]]) -> list[Item]:
    """The proposals that stand: the sentence, gap filled, is the passage's own; not one
    already made (``known``: normalised sentence and answer pairs, updated here)."""
    kept: list[Item] = []
    for question, answer in proposals:
        sentence = question.replace(BLANK, answer, 1)
        key = (_norm(sentence), _norm(answer))
        if key in known:
            continue
        item = Item(item_id(book_sha, "cloze", question), "cloze",
                    tr("item_cloze_prompt", language, text=question), answer,
                    passage.chunk_id, passage.topic_id, passage.page,
                    data={"sentence": sentence, "origin": ORIGIN})
        if supported(item, passage.text):
            known.add(key)
            kept.append(item)
        if len(kept) == PER_PASSAGE:
            break
    return kept


def propose(backend: Any, passage: Passage, book_sha: str, language: str,
            known: set[tuple[str, str]]) -> tuple[int, list[Item]]:
    """Ask ``backend`` about one passage: (proposals read, items that stand)."""
    text = "".join(delta.text for delta in backend.stream(
        messages_for(passage.text, language), max_tokens=MAX_TOKENS, temperature=0.2))
    proposals = parse(text)
    return len(proposals), validated(proposals, passage, book_sha, language, known)


def known_pairs(rows: Sequence[Any]) -> set[tuple[str, str]]:
    """(sentence, answer) of stored items, from their ``data`` JSON and ``answer``."""
    pairs: set[tuple[str, str]] = set()
    for row in rows:
        try:
            sentence = str(json.loads(row["data"] or "{}").get("sentence", ""))
        except ValueError:
            continue
        if sentence:
            pairs.add((_norm(sentence), _norm(row["answer"])))
    return pairs


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())
