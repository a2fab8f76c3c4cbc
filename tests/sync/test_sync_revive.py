"""A conversation deleted on one PC and edited later on another, carried by USB sticks.

A student deletes a conversation on PC A. PC B has not heard of it and the student asks a
follow-up question there; PC C (also not told) renames it, after the delete. Under
last-writer-wins the rename is the newest version, so the conversation lives on; the
question asked on B must live on with it on every PC, whatever order the sticks go round
in, and the message the student deleted with the conversation on A stays deleted
everywhere. Before the fix A and B lost B's question (a message whose conversation was
deleted here was dropped for good, even though a newer version of the conversation came
in the next bundle), and C kept the deleted message.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import rows, set_up_school

from tutor_desktop.core.sync.apply import parked_count
from tutor_desktop.core.sync.usb import export_bundle, import_bundle

CODE = "ABCD-EFGH-JKLM"


def _stick(pc: Any, path: Path) -> Path:
    export_bundle(pc.db, pc.secrets, path)
    return path


@pytest.mark.parametrize("order", ["as-written", "reversed"])
def test_a_question_asked_after_a_delete_survives_a_later_rename_on_every_pc(
        lab, tmp_path: Path, order: str) -> None:
    pc_a, pc_b, pc_c = lab("pc-a"), lab("pc-b"), lab("pc-c")
    _admin, _class, anu = set_up_school(pc_a)
    session = pc_a.accounts.sign_in_student(anu.id, "1234")
    conv = pc_a.conversations.create(session, subject="math", title="Бутархай")
    pc_a.conversations.add_message(session, conv.id, "user", "1/2 + 1/3 хэд вэ?")
    for pc in (pc_a, pc_b, pc_c):
        pc.sync.enroll_offline(CODE)
    first = _stick(pc_a, tmp_path / "first.tsync")
    for pc in (pc_b, pc_c):
        import_bundle(pc.db, pc.secrets, first)
    # A: the student deletes the conversation. B, later, not told: a follow-up question.
    # C, later still, not told either: a new title (the newest version of the conversation).
    pc_a.conversations.delete(session, conv.id)
    time.sleep(0.01)
    on_b = pc_b.accounts.sign_in_student(anu.id, "1234")
    pc_b.conversations.add_message(on_b, conv.id, "user", "Тэгвэл 2/3 + 1/6?")
    time.sleep(0.01)
    on_c = pc_c.accounts.sign_in_student(anu.id, "1234")
    pc_c.conversations.rename(on_c, conv.id, "Бутархай — гэрийн даалгавар")
    sticks = {name: _stick(pc, tmp_path / f"{name}.tsync")
              for name, pc in (("a", pc_a), ("b", pc_b), ("c", pc_c))}
    incoming = {"a": ["b", "c"], "b": ["a", "c"], "c": ["a", "b"]}
    for name, pc in (("a", pc_a), ("b", pc_b), ("c", pc_c)):
        others = incoming[name] if order == "as-written" else incoming[name][::-1]
        for other in others:
            import_bundle(pc.db, pc.secrets, sticks[other])
    for pc in (pc_a, pc_b, pc_c):
        texts = [r["content"] for r in pc.db.query("SELECT content FROM messages")]
        title = pc.db.query_one("SELECT title FROM conversations WHERE id = ?", (conv.id,))
        assert title is not None and title["title"] == "Бутархай — гэрийн даалгавар"
        assert texts == ["Тэгвэл 2/3 + 1/6?"]  # B's question kept; A's deleted one gone
        assert parked_count(pc.db.reader()) == 0  # nothing left waiting
    assert rows(pc_a) == rows(pc_b) == rows(pc_c)
    assert pc_a.sync.local_counts() == pc_b.sync.local_counts() == pc_c.sync.local_counts()
    # Applying the same sticks again changes nothing.
    before = rows(pc_a)
    for other in ("b", "c"):
        again = import_bundle(pc_a.db, pc_a.secrets, sticks[other])
        assert again.applied == 0
    assert rows(pc_a) == before


def test_through_the_cloud_a_late_delete_does_not_take_a_newer_question(cloud, lab) -> None:
    """The same story through the sync service: B's question and C's rename reach the
    server first, A's delete (offline all along) last. The delete loses to the rename;
    before the fix the server still cascaded it to every message of the conversation,
    B's question included, so a PC that pulled afterwards (A, and a new PC D) never got
    it while B and C kept it, and the count check could not repair it."""
    _, code = cloud.school()
    pc_a, pc_b, pc_c, pc_d = lab("pc-a"), lab("pc-b"), lab("pc-c"), lab("pc-d")
    _admin, _class, anu = set_up_school(pc_a)
    session = pc_a.accounts.sign_in_student(anu.id, "1234")
    conv = pc_a.conversations.create(session, subject="math", title="Бутархай")
    pc_a.conversations.add_message(session, conv.id, "user", "1/2 + 1/3 хэд вэ?")
    for pc in (pc_a, pc_b, pc_c):
        pc.sync.enroll(cloud.url, code)
        pc.sync.sync_now()
    pc_a.conversations.delete(session, conv.id)  # A stays offline for now
    time.sleep(0.01)
    on_b = pc_b.accounts.sign_in_student(anu.id, "1234")
    pc_b.conversations.add_message(on_b, conv.id, "user", "Тэгвэл 2/3 + 1/6?")
    pc_b.sync.sync_now()
    time.sleep(0.01)
    on_c = pc_c.accounts.sign_in_student(anu.id, "1234")
    pc_c.conversations.rename(on_c, conv.id, "Бутархай — гэрийн даалгавар")
    pc_c.sync.sync_now()
    pc_a.sync.sync_now()  # the delete arrives last, older than the rename
    pc_d.sync.enroll(cloud.url, code)
    for pc in (pc_b, pc_c, pc_d, pc_a):
        report = pc.sync.sync_now()
        assert report.counts_match is not False
    for pc in (pc_a, pc_b, pc_c, pc_d):
        texts = [r["content"] for r in pc.db.query("SELECT content FROM messages")]
        assert texts == ["Тэгвэл 2/3 + 1/6?"]
    assert rows(pc_a) == rows(pc_b) == rows(pc_c) == rows(pc_d)
    with cloud.store.db.transaction() as conn:
        bodies = conn.execute("SELECT coalesce(body, '') FROM sync_rows")
    assert not any("1/2 + 1/3" in str(b[0]) for b in bodies)  # the deleted text is gone


def test_a_question_under_a_conversation_that_stays_deleted_is_held_and_counts_agree(
        cloud, lab) -> None:
    """Nobody revives the conversation: B's question (written after A's delete) is shown
    nowhere, is held (not waiting for anything), and the count check agrees with the
    server, so no PC resends the school in full."""
    _, code = cloud.school()
    pc_a, pc_b = lab("pc-a"), lab("pc-b")
    _admin, _class, anu = set_up_school(pc_a)
    session = pc_a.accounts.sign_in_student(anu.id, "1234")
    conv = pc_a.conversations.create(session, subject="math")
    pc_a.conversations.add_message(session, conv.id, "user", "1/2 + 1/3 хэд вэ?")
    for pc in (pc_a, pc_b):
        pc.sync.enroll(cloud.url, code)
        pc.sync.sync_now()
    pc_a.conversations.delete(session, conv.id)
    pc_a.sync.sync_now()
    time.sleep(0.01)
    on_b = pc_b.accounts.sign_in_student(anu.id, "1234")
    pc_b.conversations.add_message(on_b, conv.id, "user", "Тэгвэл 2/3 + 1/6?")  # not told yet
    for pc in (pc_b, pc_a, pc_b):
        report = pc.sync.sync_now()
        assert report.counts_match is True and not report.resent_in_full
    for pc in (pc_a, pc_b):
        assert pc.db.query("SELECT * FROM messages") == []
        assert pc.db.query("SELECT * FROM conversations") == []
        assert parked_count(pc.db.reader()) == 0
    assert rows(pc_a) == rows(pc_b)
