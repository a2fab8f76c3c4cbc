"""Keep a weak model's echoes and loops away from children.

Small base models (the embedded Gemma 270M) often answer by reciting their own
instructions or by repeating one line forever. The guard sits between the model
and the stream: text that might be a recited prompt line is held back until it
is clearly not one; a recited line or a line repeated three times ends the answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

MIN_ECHO_CHARS = 24   # shorter lines ("Good question!") are ordinary speech, not echoes
MAX_REPEATS = 3


def _norm(line: str) -> str:
    return " ".join(line.split()).strip().lower()


class EchoGuard:
    """Feed model text in; get back what may be shown, and whether to stop."""

    def __init__(self, prompt_texts: Iterable[str]) -> None:
        self._prompt_lines = {
            _norm(line) for text in prompt_texts for line in text.splitlines()
            if len(_norm(line)) >= MIN_ECHO_CHARS}
        self._line = ""          # the current, unfinished line
        self._held = ""          # part of the current line not yet released
        self._seen: Counter[str] = Counter()
        self.stopped_reason = ""

    def _could_be_echo(self, partial: str) -> bool:
        norm = _norm(partial)
        return bool(norm) and any(line.startswith(norm) for line in self._prompt_lines)

    def feed(self, text: str) -> str:
        """Returns the text safe to show now ('' while holding or after a stop)."""
        if self.stopped_reason:
            return ""
        out: list[str] = []
        for char in text:
            self._line += char
            self._held += char
            if char == "\n":
                line = _norm(self._line)
                if len(line) >= MIN_ECHO_CHARS and line in self._prompt_lines:
                    self.stopped_reason = "echo"
                    self._held = ""
                    break
                self._seen[line] += 1
                if line and self._seen[line] >= MAX_REPEATS:
                    self.stopped_reason = "repetition"
                    self._held = ""
                    break
                out.append(self._held)
                self._line = self._held = ""
            elif not self._could_be_echo(self._line):
                out.append(self._held)
                self._held = ""
        return "".join(out)

    def finish(self) -> str:
        """At the end of the stream: release a held last line unless it is an echo."""
        if self.stopped_reason:
            return ""
        line = _norm(self._line)
        if len(line) >= MIN_ECHO_CHARS and line in self._prompt_lines:
            self.stopped_reason = "echo"
            return ""
        held, self._held = self._held, ""
        return held
