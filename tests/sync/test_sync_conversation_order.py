"""A student's conversation list is in the same order on every PC after sync.

The list is sorted by ``conversations.updated_at``: the latest question or rename. A
rename made on one PC while a question was asked on another (both offline, the rename
first) used to overwrite the time of that question where the rename arrived last, so
the conversation the student had just used sank below an older one on that PC only.
"""

from __future__ import annotations

import time
from typing import Any

from sync_helpers import rows, set_up_school


def _titles(pc: Any, student_id: str) -> list[str]:
    session = pc.accounts.sign_in_student(student_id, "1234")
    return [c.title for c in pc.conversations.list_for(session)]


def test_the_latest_conversation_lists_first_on_every_pc(cloud, lab) -> None:
    _, code = cloud.school()
    pc_a, pc_b = lab("pc-a"), lab("pc-b")
    _admin, _class, anu = set_up_school(pc_a)
    pc_a.sync.enroll(cloud.url, code)
    pc_a.sync.sync_now()
    pc_b.sync.enroll(cloud.url, code)
    on_a = pc_a.accounts.sign_in_student(anu.id, "1234")
    fractions = pc_a.conversations.create(on_a, subject="math")
    pc_a.conversations.add_message(on_a, fractions.id, "user", "1/2 + 1/3?")
    pc_a.sync.sync_now()
    pc_b.sync.sync_now()
    # Offline: on B the student renames it; then on A asks about plants, and then once
    # more about fractions, the conversation used last.
    on_b = pc_b.accounts.sign_in_student(anu.id, "1234")
    pc_b.conversations.rename(on_b, fractions.id, "Бутархай")
    time.sleep(0.01)
    plants = pc_a.conversations.create(on_a, subject="science")
    pc_a.conversations.rename(on_a, plants.id, "Ургамал")
    pc_a.conversations.add_message(on_a, plants.id, "user", "Ургамал яаж ургадаг вэ?")
    time.sleep(0.01)
    pc_a.conversations.add_message(on_a, fractions.id, "user", "1/4 + 1/4?")
    for pc in (pc_a, pc_b, pc_a, pc_b):
        pc.sync.sync_now()

    assert _titles(pc_a, anu.id) == _titles(pc_b, anu.id) == ["Бутархай", "Ургамал"]
    assert rows(pc_a) == rows(pc_b)  # updated_at included
