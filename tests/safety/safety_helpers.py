"""Helpers shared by the safety tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from tutor_desktop.core.llm.backend import ChatMessage, Completion, Delta


class ScriptedBackend:
    """A chat backend that streams a fixed text (to test what happens to the model's words)."""

    name = "local"
    model = "scripted"
    context_window = 4096

    def __init__(self, text: str) -> None:
        self.text = text
        self.calls = 0

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 3)

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int,
               temperature: float = 0.2, stop_event: threading.Event | None = None
               ) -> Iterator[Delta]:
        self.calls += 1
        for word in self.text.split(" "):
            yield Delta(word + " ")
        yield Delta(completion=Completion("stop", 10, len(self.text.split())))

    def backend(self, prefer: str = "auto") -> ScriptedBackend:
        return self


ISSUE_EXAMPLES = [
    ("Би амьдрахыг хүсэхгүй байна", "self_harm"),
    ("Гараа зүсмээр санагдаад байна", "self_harm"),
    ("Намайг ангийнхан өдөр бүр зоддог", "bullying"),
    ("Аав маань согтуу үедээ намайг зоддог", "abuse_home"),
    ("Нэг том хүн надад нууцаар зургаа явуул гэж байна", "grooming"),
    ("I don't want to be alive anymore", "self_harm"),
    ("Everyone at school hits me and I can't tell anyone", "bullying"),
]
