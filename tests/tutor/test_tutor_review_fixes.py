"""Behaviour found in review: idle sessions, regenerate, sync queue, bad config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutor_desktop.core.accounts import AccountService
from tutor_desktop.core.i18n import TutorError
from tutor_desktop.core.llm.manager import ModelManager


def test_an_idle_session_cannot_keep_asking(services, school) -> None:  # type: ignore[no-untyped-def]
    clock = [0.0]
    accounts = AccountService(services.db, idle_minutes=10, idle_clock=lambda: clock[0])
    session = accounts.sign_in_student(school.anu.id, "1234")
    tutor = services.tutor
    conv = tutor.start_conversation(session, subject="math")
    clock[0] += 11 * 60  # the student walked away; someone else sits down
    with pytest.raises(TutorError) as info:
        tutor.ask(session, conv.id, "Би хэн бэ?")
    assert info.value.message_id == "session_expired"
    assert services.conversations.messages(session, conv.id) == []


def test_regenerate_keeps_the_old_answer_when_no_model_can_answer(
        small_context, model_installed, services, student, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tutor = services.tutor
    conv = tutor.start_conversation(student, subject="math")
    first = tutor.ask(student, conv.id, "3 + 4 хэд вэ?", max_tokens=8)
    assert first.status == "complete"
    real = tutor.backends
    try:
        models = services.models
        tutor.backends = ModelManager(models.entries, [tmp_path / "empty"])  # no model at all
        again = tutor.regenerate(student, conv.id)
    finally:
        tutor.backends = real
    assert again.status == "error"
    stored = services.conversations.messages(student, conv.id)
    assert [(m.role, m.status) for m in stored] == [("user", "complete"),
                                                    ("assistant", "complete")]
    assert stored[1].content == first.text


def test_questions_and_answers_reach_the_sync_queue(
        small_context, model_installed, services, student) -> None:  # type: ignore[no-untyped-def]
    tutor = services.tutor
    conv = tutor.start_conversation(student, subject="math")
    reply = tutor.ask(student, conv.id, "5 + 5 хэд вэ?", max_tokens=8)
    rows = services.db.query("SELECT entity, entity_id, payload FROM sync_outbox "
                             "WHERE entity = 'messages' ORDER BY seq")
    roles = [json.loads(r["payload"])["role"] for r in rows]
    assert roles == ["user", "assistant"]
    assert rows[1]["entity_id"] == reply.message_id


def test_a_bad_config_value_is_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "TUTOR_ROUTING_POLICY": "remote-only"}
    result = subprocess.run([sys.executable, "-m", "tutor_desktop", "--data-dir",
                             str(tmp_path), "ask", "hi"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 3
    assert "configuration is not valid" in result.stderr and "Traceback" not in result.stderr
