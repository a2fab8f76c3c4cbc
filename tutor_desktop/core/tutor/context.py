"""Fitting a conversation into the model's context window.

Rules: the system prompt and the newest question always fit; older turns are
dropped whole (a question together with its answers), never cut mid-message,
and replaced by a one-line summary of what was asked. Cuts happen only at
fixed "anchor" points of the history, so the kept part of the prompt stays
identical from one turn to the next and the model's prefix cache keeps working
instead of being invalidated by a slightly different cut every turn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tutor_desktop.core.errors import QuestionTooLong
from tutor_desktop.core.llm.backend import ChatMessage

PER_MESSAGE_TOKENS = 8   # template tokens around each message (role markers, separators)
SAFETY_MARGIN = 16


@dataclass(frozen=True)
class FittedPrompt:
    messages: list[ChatMessage]
    dropped_turns: int
    estimated_tokens: int


def prompt_budget(context_window: int, max_new_tokens: int) -> int:
    """Tokens the prompt may use, leaving room for the answer (at most half the window)."""
    return context_window - min(max_new_tokens, context_window // 2) - SAFETY_MARGIN


def split_turns(history: Sequence[ChatMessage]) -> list[list[ChatMessage]]:
    """Group messages into turns: a user message and the replies that follow it."""
    turns: list[list[ChatMessage]] = []
    for message in history:
        if message.role == "user" or not turns:
            turns.append([message])
        else:
            turns[-1].append(message)
    return turns


def fit_conversation(system: str, history: Sequence[ChatMessage], newest: ChatMessage, *,
                     budget: int, count: Callable[[str], int],
                     summarise: Callable[[list[str]], str] | None = None) -> FittedPrompt:
    """Messages to send: system, as many recent whole turns as fit, the newest question."""
    def cost(text: str) -> int:
        return count(text) + PER_MESSAGE_TOKENS

    fixed = cost(system) + cost(newest.content)
    if fixed > budget:
        raise QuestionTooLong()
    turns = split_turns(history)
    costs = [sum(cost(m.content) for m in turn) for turn in turns]
    total = fixed + sum(costs)
    if total <= budget:
        return FittedPrompt([ChatMessage("system", system), *history, newest], 0, total)

    # Anchors: turn boundaries where the running total crosses a multiple of a quarter of
    # the budget. They depend only on the (append-only) history, so the same cut is chosen
    # again next turn until the window really overflows again.
    chunk = max(1, budget // 4)
    anchors, running = [], 0
    for index, turn_cost in enumerate(costs, start=1):
        before = running
        running += turn_cost
        if running // chunk > before // chunk:
            anchors.append(index)
    anchors.append(len(turns))

    def assemble(cut: int) -> tuple[list[ChatMessage], int] | None:
        kept = [m for turn in turns[cut:] for m in turn]
        sys_text = system
        if cut and summarise is not None:
            topics = [turn[0].content for turn in turns[:cut] if turn[0].role == "user"]
            summary = summarise(topics)
            if summary:
                sys_text = f"{system}\n\n{summary}"
        size = cost(sys_text) + cost(newest.content) + sum(costs[cut:])
        if size > budget and sys_text != system:  # the summary itself does not fit: leave it out
            sys_text = system
            size = fixed + sum(costs[cut:])
        if size > budget:
            return None
        return [ChatMessage("system", sys_text), *kept, newest], size

    for cut in anchors:
        fitted = assemble(cut)
        if fitted is not None:
            return FittedPrompt(fitted[0], cut, fitted[1])
    # Unreachable: with every turn dropped only ``fixed`` remains, which fits.
    return FittedPrompt([ChatMessage("system", system), newest], len(turns), fixed)


def topic_line(question: str, limit: int = 60) -> str:
    """A question shortened for a summary or a title (marked with … when shortened)."""
    line = " ".join(next((ln for ln in question.splitlines() if ln.strip()), "").split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] or line[:limit]
    return cut.rstrip(" ,.;:") + "…"
