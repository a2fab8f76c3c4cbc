"""Learning progress through ``tutor service``: ``/practice`` in a terminal connected to
the service offers the class's practice set and records the answers there."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest


def test_practice_in_the_terminal_through_the_service(
        service: Any, client: Any, services: Any, school: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.progress.progress_helpers import store_book
    from tutor_desktop.cli.commands.progress import practice_in_terminal
    from tutor_desktop.core.library.samples import generate_samples

    for path, book in generate_samples(tmp_path / "samples"):
        store_book(services, path, book)
    teacher = services.accounts.sign_in_staff("bat", "teacher-pass-1")
    topic = next(t for t in services.progress.topics() if t.title.startswith("1.2"))
    services.progress.assign(teacher, school.class_7a.id, topic.title, [topic.id], 2,
                             "2026-12-07")
    session = client.accounts.sign_in_student(school.anu.id, "1234")
    monkeypatch.setattr(sys, "stdin", io.StringIO("1\nбуруу\n"))
    practice_in_terminal(client, session, "mn")
    out = capsys.readouterr().out
    assert "Багшийн өгсөн даалгавар: 1.2 Навч ба хлоропласт (хугацаа 2026-12-07" in out
    assert "\n2/2. " in out and "2-аас" in out
    status = services.progress.assignments(teacher, school.class_7a.id)[0]
    assert status.done == {school.anu.id: 2}
    # the next /practice asks the service for the weakest and the last topic
    assert client.progress.last_topic(session) == topic.id
    weakest = client.progress.weakest_topic(session)
    assert weakest is None or weakest.id == topic.id
